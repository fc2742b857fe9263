"""The formats of a Jacobian product ∂h_t/∂h_k and its norm bounds (``JacobianProduct.to_*``)."""

from __future__ import annotations

from typing import Any

import sympy as sp

from ..symbols import latex_names
from .expressions import (activation_line, deep, describe, entries, latex, latex_symbol_names, parsable,
                          pretty, text, unicode_text)
from .latex_layout import BPTTLatexPrinter, aligned_rows, entry_rows
from .unicode import letter_subscripts, subscript


def _bound_names(J, i=lambda n: f"_{n}", W: str = "W_hh") -> dict[str, str]:
    """How the bound's norm symbols read (JSON: "bound"."symbols"); ``i`` writes a time index."""
    return {"norm_W_hh": f"‖{W}‖", "norm_W_hhT": f"‖{W}ᵀ‖", "norm_dL_dh": f"‖∂L{i(J.t)}/∂h{i(J.t)}‖"}


def _unicode_names(J, letters: bool):
    """(index writer, W_hh's name, the bound's names) in Unicode: ∂h₅, Wₕₕ (or W_hh), ‖∂L₅/∂h₅‖."""
    W = "Wₕₕ" if letters else "W_hh"
    i = lambda n: subscript(str(n))  # noqa: E731
    return i, W, _bound_names(J, i, W)


def jacobian_text(J, *, bound: bool = False, expanded: bool = False, unicode: bool = False) -> str:
    """Plain text (``unicode=False``) or the same lines in Unicode names (h₁², Wₕₕ, ``--format unicode``)."""
    u, letters = J.unrolled, letter_subscripts(J.product)
    i, W, names = _unicode_names(J, letters) if unicode else (lambda n: f"_{n}", "W_hh", _bound_names(J))

    def show(e):
        return unicode_text(e, letters=letters, names=names) if unicode else text(e, names=names)

    d = f"∂h{i(J.t)}/∂h{i(J.k)}"
    lines = [f"{d} for {describe(u)}", f"  {activation_line(u.activation)}",
             "  = " + " · ".join(f"diag(f'(a{i(r)})) {W}" for r, _ in J.factors) + "   (latest step on the left)",
             ""]
    lines += [f"  factor r = {r}{idx}: {show(v)}" for r, f in J.factors for idx, v in entries(f)]
    lines += [""] + [f"  {d}{idx} = {show(v)}" for idx, v in entries(J.product)]
    if expanded:
        lines += [f"  expanded{idx}: {deep(show, v)}" for idx, v in entries(J.expanded())]
    if bound:
        n, dL = J.t - J.k, f"∂L{i(J.t)}/∂h{i(J.k)}"
        lines += ["", f"Bound ({J.norm_name}; γ = sup|f'| = {J.gamma} for {u.activation}):",
                  f"  ‖{d}‖ <= (γ‖{W}‖)^{n} = {show(J.bound)}",
                  f"  ‖{dL}‖ <= {names['norm_dL_dh']} (γ‖{W}ᵀ‖)^{n} = {show(J.loss_bound)}"]
    return "\n".join(lines)


def jacobian_unicode(J, *, bound: bool = False, expanded: bool = False) -> str:
    """``bptt jacobian --format unicode``: the text lines with h₁², Wₕₕ, ∂h₅/∂h₂."""
    return jacobian_text(J, bound=bound, expanded=expanded, unicode=True)


def jacobian_pretty(J, *, bound: bool = False, expanded: bool = False) -> str:
    letters = letter_subscripts(J.matrix, J.product)
    i, _, names = _unicode_names(J, letters)
    lhs = sp.Symbol(f"∂h{i(J.t)}/∂h{i(J.k)}")
    show = lambda e: pretty(e, letters=letters, names=names)  # noqa: E731
    blocks = [f"∂h_{J.t}/∂h_{J.k} for {describe(J.unrolled)}", show(sp.Eq(lhs, J.matrix, evaluate=False)),
              show(sp.Eq(lhs, J.product, evaluate=False))]
    if expanded:
        blocks.append(deep(show, sp.Eq(lhs, J.expanded(), evaluate=False)))
    if bound:                                     # ≤ on the baseline of a two-line power
        blocks.append(show(sp.Le(sp.Symbol(f"‖{lhs.name}‖"), J.bound, evaluate=False)))
        blocks.append(show(sp.Le(sp.Symbol(f"‖∂L{i(J.t)}/∂h{i(J.k)}‖"), J.loss_bound, evaluate=False)))
    return "\n\n".join(blocks)


def jacobian_latex(J, *, bound: bool = False, expanded: bool = False) -> str:
    """An ``aligned`` block whose lines fit a 345 pt text width (a long product breaks between
    its factors, a wide matrix is written entry by entry; derive.printing.latex_layout)."""
    lhs = f"\\frac{{\\partial h_{{{J.t}}}}}{{\\partial h_{{{J.k}}}}}"
    rows: list[tuple] = [(lhs, J.matrix)] + entry_rows("", J.product, latex, label=lhs)
    if expanded:
        rows += entry_rows("", deep(J.expanded), latex, label=lhs)
    if bound:
        rows.append((f"\\left\\|{lhs}\\right\\| &\\le", _latex_bound(J, J.bound)))
        rows.append((f"\\left\\|\\frac{{\\partial L_{{{J.t}}}}}{{\\partial h_{{{J.k}}}}}\\right\\| &\\le",
                     _latex_bound(J, J.loss_bound)))
    lines = deep(aligned_rows, rows, names=latex_symbol_names)
    return "\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}"


def _latex_bound(J, e) -> str:
    names = {sp.Symbol("norm_W_hh"): r"\left\|W_{hh}\right\|", sp.Symbol("norm_W_hhT"): r"\left\|W_{hh}^{\top}\right\|",
             sp.Symbol("norm_dL_dh"): f"\\left\\|\\frac{{\\partial L_{{{J.t}}}}}{{\\partial h_{{{J.t}}}}}\\right\\|"}
    names.update(latex_names(e))
    return BPTTLatexPrinter({"symbol_names": names}).doprint(e)


def jacobian_json(J, *, bound: bool = False, expanded: bool = False) -> dict:
    out: dict[str, Any] = {
        "schema": 1, "T": J.unrolled.T, "t": J.t, "k": J.k, "settings": J.unrolled.settings,
        "factors": [{"r": r, "value": parsable(f)} for r, f in J.factors],
        "product": parsable(J.product), "matrix": text(J.matrix),
        "expanded": deep(parsable, J.expanded()) if expanded else None}
    if bound:
        out["bound"] = {"norm": J.norm_name, "gamma": str(J.gamma), "jacobian": parsable(J.bound),
                        "loss": parsable(J.loss_bound),
                        "symbols": _bound_names(J)}
    return out
