"""The formats of a cell's state Jacobian ∂s_t/∂s_k (``bptt jacobian --cell``): text, pretty, LaTeX, JSON.

s_t stacks the cell's states (LSTM: [h_t; c_t]); the product J_t ⋯ J_{k+1} of the one-step
Jacobians J_r = ∂s_r/∂s_{r−1} is printed as a block matrix [[∂h_t/∂h_k, ∂h_t/∂c_k], [∂c_t/∂h_k,
∂c_t/∂c_k]]: one step in matrix notation (diag(v), ⊙, W), then the factors and the product's
blocks entry by entry over the graph's nodes. A state whose step self-block has a diag(·) term
(the LSTM's c: diag(f_r); the GRU's h: diag(z_r) + the gates) gets the direct path's product
Π diag(·) and the rest separately: the constant error carousel (docs/lstm.md).
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from numeric.rules import NORMS

from ...printing.expressions import deep, entries, latex, latex_symbol_names, parsable, pretty
from ...printing.latex_layout import aligned_rows, entry_rows, text_rows
from ..jacobian import Diag, carousels, step_notation
from .common import describe_graph, text

NORM_BOUNDS = {   # an induced norm of a block matrix by its blocks' norms (block rows a, columns b)
    "2": "sqrt(Σ_a Σ_b ‖∂a_r/∂b_{r-1}‖²)",
    "1": "max_b Σ_a ‖∂a_r/∂b_{r-1}‖",
    "inf": "max_a Σ_b ‖∂a_r/∂b_{r-1}‖",
}


def _names(J):
    states = list(J.graph.cell.states)
    return states, f"∂s_{J.t}/∂s_{J.k}", f"s_t = [{'; '.join(f'{s}_t' for s in states)}]"


def _product(J) -> str:
    return " ".join(f"J_{r}" for r, _ in J.factors)


def _direct_rows(J, c) -> tuple[str, str, str]:
    """(heading, the step's direct block, the product's split) for one carousel, as text."""
    step = step_notation(J.graph, J.t, symbolic=True)[(c.state, c.state)]
    others = [s for s in J.graph.cell.states if s != c.state]
    exact = isinstance(step, Diag)
    d = text(c.direct).removeprefix("diag(").removesuffix(")")
    prod = " ".join(f"diag({d.replace('_r', f'_{r}')})" for r, _ in J.factors)
    rest = ("the terms through " + " and ".join(others)) if exact and others else "the paths through the gates"
    head = (f"Constant error carousel of {c.state}: ∂{c.state}_r/∂{c.state}_{{r-1}} = {text(step)} exactly "
            f"(no gate reads {c.state}_{{r-1}}: its only path to {c.state}_r is {d} ⊙ {c.state}_{{r-1}})" if exact else
            f"Direct path of {c.state}: ∂{c.state}_r/∂{c.state}_{{r-1}} = {text(c.direct)} + (terms through the gates)")
    split = f"∂{c.state}_{J.t}/∂{c.state}_{J.k} = {prod} + ({rest})"
    return head, split, rest


def _why(c, rest: str, n: int) -> str:
    d = text(c.direct).removeprefix("diag(").removesuffix(")")
    return (f"The direct term has no weight matrix and no factor f'(a) W per step: with {d} ≈ 1 it stays ≈ I "
            f"however large t − k, so ∂{c.state}_t/∂{c.state}_k need not vanish ({rest} may; an Elman "
            f"product diag(f'(a_r)) W_hh shrinks like (γ‖W_hh‖)^(t−k) when γ‖W_hh‖ < 1); here t − k = {n}.")


def jacobian_text(J, *, bound: bool = False, expanded: bool = False, norm: str = "2") -> str:
    """Plain text: one step in matrix notation, the carousel(s), the factors and the blocks."""
    g, (states, d, stack) = J.graph, _names(J)
    step = step_notation(g, J.t, symbolic=True)
    lines = [f"{d} for {describe_graph(g)}",
             f"  {stack}; blocks ∂a_{J.t}/∂b_{J.k} for a, b in {', '.join(states)} (rows a, columns b)",
             f"  = {_product(J)},  J_r = ∂s_r/∂s_{{r-1}}   (latest step on the left)", "",
             "One step J_r in matrix notation (diag(v): the diagonal matrix of v; ⊙ entry-wise):"]
    lines += [f"  ∂{a}_r/∂{b}_{{r-1}} = {'0' if v is None else text(v)}" for (a, b), v in step.items()]
    for c in carousels(J):
        head, split, rest = _direct_rows(J, c)
        lines += ["", head, f"  {split}"]
        lines += [f"  Π diag{idx} = {text(v)}" for idx, v in entries(c.pure) if v != 0]
        lines += [f"  ({rest}){idx} = {text(v)}" for idx, v in entries(c.remainder)]
        lines.append(f"  {_why(c, rest, J.t - J.k)}")
    lines += ["", f"Factors (entries over the graph's nodes; rows and columns [{'; '.join(states)}]):"]
    lines += [f"  factor r = {r}{idx}: {text(v)}" for r, f in J.factors for idx, v in entries(f)]
    lines += ["", f"{d} by blocks:"]
    for (a, b), m in J.blocks.items():
        lines += [f"  ∂{a}_{J.t}/∂{b}_{J.k}{idx} = {text(v)}" for idx, v in entries(m)]
    if expanded:
        lines += [f"  expanded{idx}: {deep(text, v)}" for idx, v in entries(J.expanded)]
    if bound:
        lines += ["", *_bound_lines(J, norm)]
    return "\n".join(lines)


def _bound_lines(J, norm: str) -> list[str]:
    d = _names(J)[1]
    out = [f"Bound ({NORMS[norm][0]} norm; any induced norm is submultiplicative):",
           f"  ‖{d}‖ <= " + " ".join(f"‖J_{r}‖" for r, _ in J.factors),
           f"  ‖J_r‖ <= {NORM_BOUNDS[norm]}   (the norms of its blocks above)",
           "  ‖diag(v) W‖ <= max_j |v_j| ‖W‖   (each block's terms)"]
    for c in carousels(J):
        dd = text(c.direct).removeprefix("diag(").removesuffix(")")
        prod = " ".join(dd.replace("_r", f"_{r}") + ",j" for r, _ in J.factors)
        out.append(f"  carousel of {c.state}: ‖Π diag‖ = max_j |{prod}|   (no W: no factor ‖W‖ per step)")
    return out


def jacobian_pretty(J, *, bound: bool = False, expanded: bool = False, norm: str = "2") -> str:
    g, (states, d, stack) = J.graph, _names(J)
    blocks = [f"{d} for {describe_graph(g)}; {stack} = {_product(J)}"]
    for (a, b), v in step_notation(g, J.t, symbolic=True).items():
        blocks.append(pretty(sp.Eq(sp.Symbol(f"∂{a}_r/∂{b}_{{r-1}}"), sp.S.Zero if v is None else v, evaluate=False)))
    for c in carousels(J):
        head, split, rest = _direct_rows(J, c)
        blocks += [head + "\n  " + split, pretty(sp.Eq(sp.Symbol(f"({rest})"), c.remainder, evaluate=False))]
    for (a, b), m in J.blocks.items():
        blocks.append(pretty(sp.Eq(sp.Symbol(f"∂{a}_{J.t}/∂{b}_{J.k}"), m, evaluate=False)))
    if bound:
        blocks.append("\n".join(_bound_lines(J, norm)))
    return "\n\n".join(blocks)


def _tex_block(a: str, t: Any, b: str, k: Any) -> str:
    return f"\\frac{{\\partial {a}_{{{t}}}}}{{\\partial {b}_{{{k}}}}}"


def jacobian_latex(J, *, bound: bool = False, expanded: bool = False, norm: str = "2") -> str:
    """An ``aligned`` block whose lines fit the page (latex_layout): the step in matrix notation,
    the carousel split, the product's blocks entry by entry."""
    g = J.graph
    rows: list = [(row,) for row in text_rows(f"Jacobian of cell {g.cell.name}, T = {g.T}, H = {g.hidden_size}: "
                                              f"one step, in matrix notation,")]
    for (a, b), v in step_notation(g, J.t, symbolic=True).items():
        rows.append((_tex_block(a, "r", b, "r-1"), sp.S.Zero if v is None else v))
    for c in carousels(J):
        _, _, rest = _direct_rows(J, c)
        lhs, P, R = _tex_block(c.state, J.t, c.state, J.k), f"P_{{{c.state}}}", f"R_{{{c.state}}}"
        rows += [(row,) for row in text_rows(f"the direct path P and {rest} R,")]
        rows.append((lhs, f"{P} + {R}"))
        prod = sp.MatMul(*[c.direct.xreplace({s: sp.MatrixSymbol(s.name.replace("_r", f"_{r}"), *s.shape)
                                             for s in c.direct.free_symbols}) for r, _ in J.factors])
        rows.append((P, [prod, c.pure]))
        rows += entry_rows(R, c.remainder, latex)
    rows += [(row,) for row in text_rows(f"the product J_{J.t} ... J_{J.k + 1}, block by block,")]
    for (a, b), m in J.blocks.items():
        rows += entry_rows(_tex_block(a, J.t, b, J.k), m, latex)
    if expanded:
        rows += entry_rows("\\text{expanded}", J.expanded, latex)
    lines: list[str] = []
    for row in rows:
        lines += [row[0]] if len(row) == 1 else deep(aligned_rows, [row], names=latex_symbol_names)
    return "\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}"


def jacobian_json(J, *, bound: bool = False, expanded: bool = False, norm: str = "2") -> dict:
    """Schema 1 as ``bptt jacobian --format json`` (T, t, k, settings with "cell", factors, product,
    expanded[, bound]) plus "states", "blocks" ({"a,b": entries}), "step" (matrix notation, for
    reading) and "carousels"."""
    g = J.graph
    step = step_notation(g, J.t, symbolic=True)
    out: dict[str, Any] = {
        "schema": 1, "T": g.T, "t": J.t, "k": J.k, "settings": g.settings, "states": list(g.cell.states),
        "factors": [{"r": r, "value": parsable(f)} for r, f in J.factors],
        "product": parsable(J.product),
        "blocks": {f"{a},{b}": parsable(m) for (a, b), m in J.blocks.items()},
        "step": {f"{a},{b}": "0" if v is None else text(v) for (a, b), v in step.items()},
        "carousels": [{"state": c.state, "direct": text(c.direct), "pure": parsable(c.pure),
                       "remainder": parsable(c.remainder)} for c in carousels(J)],
        "expanded": deep(parsable, J.expanded) if expanded else None}
    if bound:
        out["bound"] = {"norm": NORMS[norm][0], "lines": _bound_lines(J, norm)[1:]}
    return out
