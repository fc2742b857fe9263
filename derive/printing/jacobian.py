"""The formats of a Jacobian product ∂h_t/∂h_k and its norm bounds (``JacobianProduct.to_*``)."""

from __future__ import annotations

from typing import Any

import sympy as sp

from ..symbols import latex_names
from .expressions import activation_line, deep, describe, entries, latex, parsable, pretty, text
from .expressions import latex_symbol_names
from .latex_layout import BPTTLatexPrinter, aligned_rows, entry_rows

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
        lines += ["", f"Bound ({J.norm_name}; γ = sup|f'| = {J.gamma} for {u.activation}):",
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
                        "symbols": {"norm_W_hh": "‖W_hh‖", "norm_W_hhT": "‖W_hhᵀ‖",
                                    "norm_dL_dh": f"‖∂L_{J.t}/∂h_{J.t}‖"}}
    return out
