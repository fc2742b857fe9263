"""Printing: one function per object and format (text, pretty, LaTeX, JSON, DOT).

The derivation's formats live in derive/printing_derivation.py; this module holds the shared
expression printers and the formats of the unrolled graph and of Jacobian products.

- ``text(expr)``: SymPy's str form, with ⊙ for Hadamard products and ᵀ for transposes in
  matrix notation. ``parsable(expr)``: the plain str form that ``sympy.sympify`` reads back
  into the same expression (JSON uses it). ``latex(expr)``: LaTeX with the contract names
  typeset (``x1_0`` -> ``x_{1}[0]``, ``delta2_tau4`` -> ``\\delta^{(4)}_{2}``).
- Expanded expressions nest deeply (one level per step); ``deep(fn, ...)`` runs a printer in a
  thread with a large stack so Python's recursion limit is not hit.
"""

from __future__ import annotations

import sys
import threading
from typing import Any, Callable

import sympy as sp
from sympy.printing.precedence import PRECEDENCE
from sympy.printing.str import StrPrinter

from numeric.rules import ACTIVATIONS

from .symbols import latex_names, matrix_symbol_latex


class _TextPrinter(StrPrinter):
    def _print_HadamardProduct(self, e) -> str:
        return " ⊙ ".join(self.parenthesize(a, PRECEDENCE["Mul"]) for a in e.args)

    def _print_Transpose(self, e) -> str:
        return self.parenthesize(e.arg, PRECEDENCE["Pow"]) + "ᵀ"

    def _print_MatMul(self, e) -> str:
        c, mats = e.as_coeff_matrices()
        body = " ".join(self.parenthesize(a, PRECEDENCE["Mul"]) for a in mats)
        if c == 1:
            return body
        return ("-" if c == -1 else self.parenthesize(c, PRECEDENCE["Mul"]) + " ") + body

    def _print_MatAdd(self, e) -> str:
        parts = [self._print(a) for a in e.args]
        parts = [p for p in parts if not p.startswith("-")] + [p for p in parts if p.startswith("-")]
        return parts[0] + "".join(" - " + p[1:] if p.startswith("-") else " + " + p for p in parts[1:])


def deep(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call ``fn`` in a thread with a 512 MB stack and a high recursion limit (deep trees)."""
    out: dict[str, Any] = {}

    def run() -> None:
        try:
            out["value"] = fn(*args, **kwargs)
        except BaseException as e:  # re-raised in the caller's thread
            out["error"] = e

    old_limit, old_size = sys.getrecursionlimit(), threading.stack_size()
    sys.setrecursionlimit(max(old_limit, 200_000))
    threading.stack_size(512 * 1024 * 1024)
    try:
        th = threading.Thread(target=run)
        th.start()
        th.join()
    finally:
        threading.stack_size(old_size)
        sys.setrecursionlimit(old_limit)
    if "error" in out:
        raise out["error"]
    return out["value"]


def text(e: Any) -> str:
    return _TextPrinter().doprint(e) if isinstance(e, sp.Basic) else str(e)


def parsable(e: Any) -> str:
    """str form that ``sympy.sympify`` parses back into the same expression (or Matrix).

    A Matrix is written on one line, ``Matrix([[a, b], [c, d]])``. Terms keep SymPy's internal
    (deterministic) order: sorting them for display costs more than the derivation for long sums.
    """
    if isinstance(e, sp.MatrixBase):
        return f"Matrix({sp.sstr(e.tolist(), order='none')})"
    return sp.sstr(e, order="none")


def latex(e: Any) -> str:
    names = latex_names(e)
    if isinstance(e, sp.Basic):
        for s in e.atoms(sp.MatrixSymbol):
            names[s] = matrix_symbol_latex(str(s.name))
    return sp.latex(e, symbol_names=names)


def pretty(e: Any) -> str:
    return sp.pretty(e, use_unicode=True)


def entries(v: Any) -> list[tuple[str, Any]]:
    """[(index label, entry)]: ("", v) for a scalar, ("[i,j]" or "[i]", entry) for a Matrix."""
    if not isinstance(v, sp.MatrixBase):
        return [("", v)]
    rows, cols = v.shape
    return [(f"[{i}]" if cols == 1 else f"[{i},{j}]", v[i, j]) for i in range(rows) for j in range(cols)]


def activation_line(activation: str) -> str:
    """f(a) and f'(a) from the rules table, e.g. ``f(a) = tanh(a), f'(a) = 1 - h**2 (h = f(a))``."""
    from .namespace import SYMPY_NS
    a, h = sp.Symbol("a"), sp.Symbol("h")
    rule = ACTIVATIONS[activation]
    return f"f(a) = {text(rule.value(SYMPY_NS, a))},  f'(a) = {text(sp.sympify(rule.deriv(SYMPY_NS, h)))}  (h = f(a))"


def describe(u) -> str:
    size = "scalar: H = D = V = 1" if u.scalar else \
        f"H = {u.hidden_size}, D = {u.input_size}, V = {u.output_size}"
    where = "at every step" if u.loss_at == "all" else f"at the last step only (L = L{u.T})"
    return f"T = {u.T} ({size}), activation {u.activation}, loss {u.loss} {where}"


# ---- the unrolled graph ----------------------------------------------------------------------------

GRAPH_EQUATIONS = "a_t = W_xh x_t + W_hh h_{t-1} + b_h,  h_t = f(a_t),  o_t = W_hy h_t + b_y,  L = Σ_t L_t"


def graph_text(u) -> str:
    lines = [f"Unrolled RNN: {describe(u)}", f"  {GRAPH_EQUATIONS}", f"  {activation_line(u.activation)}", ""]
    lines += [f"  {s} = {text(rhs)}" for s, rhs in u.definitions.items()]
    parents: dict[str, list[str]] = {}
    for src, dst in u.edges:
        parents.setdefault(dst, []).append(src)
    lines += ["", "Edges (node <- parents):"]
    lines += [f"  {dst} <- {', '.join(srcs)}" for dst, srcs in parents.items()]
    return "\n".join(lines)


def graph_pretty(u) -> str:
    blocks = [f"Unrolled RNN: {describe(u)}"]
    blocks += [pretty(sp.Eq(s, rhs, evaluate=False)) for s, rhs in u.definitions.items()]
    return "\n\n".join(blocks)


def graph_latex(u) -> str:
    rows = [f"{latex(s)} &= {latex(rhs)}" for s, rhs in u.definitions.items()]
    return "\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}"


def graph_json(u) -> dict:
    return {"schema": 1, "T": u.T, "settings": u.settings,
            "nodes": [{"name": str(s), "definition": parsable(rhs)} for s, rhs in u.definitions.items()],
            "edges": [list(e) for e in u.edges]}


def graph_dot(u, *, show_params: bool = False) -> str:
    """DOT of the unrolled picture: inputs below, the hidden chain left to right, losses above."""
    lines = ["digraph unrolled {", "  rankdir=BT;", "  node [shape=circle, fontname=Helvetica];",
             f'  label="Unrolled RNN, {describe(u)}; shared weights W_xh, W_hh, b_h, W_hy, b_y";',
             "  labelloc=t;"]
    T = u.T
    lines.append('  h0 [label="h0", shape=doublecircle];')
    for t in range(1, T + 1):
        lines.append(f'  x{t} [label="x{t}", shape=box];')
        lines.append(f'  a{t} [label="a{t}"];')
        lines.append(f'  h{t} [label="h{t}"];')
    for t in u.loss_steps:
        lines.append(f'  o{t} [label="o{t}"];')
        lines.append(f'  y{t} [label="y{t}", shape=box];')
        lines.append(f'  L{t} [label="L{t}", shape=diamond];')
    lines.append('  L [label="L", shape=diamond];')
    chain = " ".join(["h0"] + [n for t in range(1, T + 1) for n in (f"a{t}", f"h{t}")])
    lines.append(f"  {{ rank=same; {chain}; }}")
    lines.append(f"  {{ rank=same; {' '.join(f'x{t}' for t in range(1, T + 1))}; }}")
    label = {("x", "a"): "W_xh", ("h", "a"): "W_hh", ("a", "h"): u.activation, ("h", "o"): "W_hy"}
    for src, dst in u.edges:
        if src in ("W_xh", "W_hh", "b_h", "W_hy", "b_y"):
            continue
        key = (src.rstrip("0123456789"), dst.rstrip("0123456789"))
        attrs = f' [label="{label[key]}"]' if key in label else ""
        lines.append(f"  {src} -> {dst}{attrs};")
    if show_params:
        for name in ("W_xh", "W_hh", "b_h", "W_hy", "b_y"):
            lines.append(f'  {name} [label="{name}", shape=box, style=dashed];')
        lines += [f"  {src} -> {dst} [style=dashed];" for src, dst in u.edges
                  if src in ("W_xh", "W_hh", "b_h", "W_hy", "b_y")]
    lines.append("}")
    return "\n".join(lines)


# ---- Jacobian products -------------------------------------------------------------------------------


def _norm_name(J) -> str:
    from .jacobian import NORMS
    return NORMS[J.norm][0]


def jacobian_text(J, *, bound: bool = False, expanded: bool = False) -> str:
    u = J.unrolled
    lines = [f"∂h_{J.t}/∂h_{J.k} for {describe(u)}", f"  {activation_line(u.activation)}",
             "  = " + " · ".join(f"diag(f'(a_{r})) W_hh" for r, _ in J.factors) + "   (latest step on the left)",
             ""]
    lines += [f"  factor r = {r}{idx}: {text(v)}" for r, f in J.factors for idx, v in entries(f)]
    lines += [""] + [f"  ∂h_{J.t}/∂h_{J.k}{idx} = {text(v)}" for idx, v in entries(J.product)]
    if expanded:
        lines += [f"  expanded{idx}: {deep(text, v)}" for idx, v in entries(J.expanded())]
    if bound:
        lines += ["", f"Bound ({_norm_name(J)}; γ = sup|f'| = {J.gamma} for {u.activation}):",
                  f"  ‖∂h_{J.t}/∂h_{J.k}‖ <= (γ‖W_hh‖)^{J.t - J.k} = {text(J.bound)}",
                  f"  ‖∂L_{J.t}/∂h_{J.k}‖ <= ‖∂L_{J.t}/∂h_{J.t}‖ (γ‖W_hhᵀ‖)^{J.t - J.k} = {text(J.loss_bound)}"]
    return "\n".join(lines)


def jacobian_pretty(J, *, bound: bool = False, expanded: bool = False) -> str:
    lhs = sp.Symbol(f"∂h_{J.t}/∂h_{J.k}")
    blocks = [f"∂h_{J.t}/∂h_{J.k} for {describe(J.unrolled)}", pretty(sp.Eq(lhs, J.matrix, evaluate=False)),
              pretty(sp.Eq(lhs, J.product, evaluate=False))]
    if expanded:
        blocks.append(deep(pretty, sp.Eq(lhs, J.expanded(), evaluate=False)))
    if bound:
        blocks.append(f"‖∂h_{J.t}/∂h_{J.k}‖ <= " + pretty(J.bound))
        blocks.append(f"‖∂L_{J.t}/∂h_{J.k}‖ <= " + pretty(J.loss_bound))
    return "\n\n".join(blocks)


def jacobian_latex(J, *, bound: bool = False, expanded: bool = False) -> str:
    lhs = f"\\frac{{\\partial h_{{{J.t}}}}}{{\\partial h_{{{J.k}}}}}"
    rows = [f"{lhs} &= {latex(J.matrix)}", f"&= {latex(J.product)}"]
    if expanded:
        rows.append(f"&= {deep(latex, J.expanded())}")
    if bound:
        rows.append(f"\\left\\|{lhs}\\right\\| &\\le {_latex_bound(J, J.bound)}")
        rows.append(f"\\left\\|\\frac{{\\partial L_{{{J.t}}}}}{{\\partial h_{{{J.k}}}}}\\right\\| "
                    f"&\\le {_latex_bound(J, J.loss_bound)}")
    return "\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}"


def _latex_bound(J, e) -> str:
    names = {sp.Symbol("norm_W_hh"): r"\left\|W_{hh}\right\|", sp.Symbol("norm_W_hhT"): r"\left\|W_{hh}^{\top}\right\|",
             sp.Symbol("norm_dL_dh"): f"\\left\\|\\frac{{\\partial L_{{{J.t}}}}}{{\\partial h_{{{J.t}}}}}\\right\\|"}
    names.update(latex_names(e))
    return sp.latex(e, symbol_names=names)


def jacobian_json(J, *, bound: bool = False, expanded: bool = False) -> dict:
    out: dict[str, Any] = {
        "schema": 1, "T": J.unrolled.T, "t": J.t, "k": J.k, "settings": J.unrolled.settings,
        "factors": [{"r": r, "value": parsable(f)} for r, f in J.factors],
        "product": parsable(J.product), "matrix": text(J.matrix),
        "expanded": deep(parsable, J.expanded()) if expanded else None}
    if bound:
        out["bound"] = {"norm": _norm_name(J), "gamma": str(J.gamma), "jacobian": parsable(J.bound),
                        "loss": parsable(J.loss_bound),
                        "symbols": {"norm_W_hh": "‖W_hh‖", "norm_W_hhT": "‖W_hhᵀ‖",
                                    "norm_dL_dh": f"‖∂L_{J.t}/∂h_{J.t}‖"}}
    return out
