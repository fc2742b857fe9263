"""The worked example as LaTeX: display-math blocks (arrays and aligned equations).

Each block is wrapped in ``display`` delimiters, ``\\[ … \\]`` for a document and
``$$ … $$`` for Jupyter (``WorkedExample._repr_latex_``). Only math-mode commands that
MathJax also knows are used (array, aligned, \\approx, \\text); the article's statements
are written as LaTeX comments after the math.
"""

from __future__ import annotations

import re

import sympy as sp

from .worked import GRADIENTS, PARAMETERS, Value, WorkedExample, check_digits
from .notes import article_notes
from .render import product, recursion, short_form

ACT_TEX = {"tanh": r"\tanh(a_t)", "sigmoid": r"\sigma(a_t) = \frac{1}{1 + e^{-a_t}}",
           "relu": r"\max(a_t, 0)", "identity": "a_t"}
DERIV_TEX = {"tanh": r"\tanh'", "sigmoid": r"\sigma'", "relu": r"\operatorname{relu}'", "identity": "f'"}
PARAM_TEX = {"W_xh": "W_{xh}", "W_hh": "W_{hh}", "W_hy": "W_{hy}", "b_h": "b_h", "b_y": "b_y",
             "h0": "h_0"}
MARK_TEX = {True: "holds", False: "does not hold", None: "not applicable"}


def _num(s: str) -> str:
    """A decimal string in LaTeX: 1.5e-7 -> 1.5 \\cdot 10^{-7}."""
    m = re.fullmatch(r"(-?[\d.]+)e([+-]?\d+)", s)
    return f"{m.group(1)} \\cdot 10^{{{int(m.group(2))}}}" if m else s


def _tex(v: Value | sp.Expr) -> str:
    return sp.latex(v.compact if isinstance(v, Value) else v)


def _loss_tex(ex: WorkedExample) -> str:
    n = len(ex.loss_steps)
    form = {"half_sse": r"\tfrac{1}{2}(\hat y_t - y_t)^2", "sse": r"(\hat y_t - y_t)^2",
            "mse": rf"\tfrac{{1}}{{{n}}}(\hat y_t - y_t)^2"}[ex.loss]
    where = r"\text{ at every step}" if ex.loss_at == "all" else rf"\text{{ at }} t = {ex.T} \text{{ only}}"
    return f"L_t = {form}{where}"


def _array(headers: list[str], rows: list[list[str]]) -> str:
    spec = "c|" + "l" * (len(headers) - 1)
    body = " \\\\\n".join(" & ".join(r) for r in rows)
    return f"\\begin{{array}}{{{spec}}}\n{' & '.join(headers)} \\\\ \\hline\n{body}\n\\end{{array}}"


def _aligned(lines: list[str]) -> str:
    return "\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}"


def _blocks(ex: WorkedExample, d: int) -> list[str]:
    p, dn = ex.parameters, DERIV_TEX[ex.activation]
    approx = lambda v: _num(v.decimal(d))
    setup = (rf"a_t = W_{{xh}} x_t + W_{{hh}} h_{{t-1}} + b_h, \quad h_t = {ACT_TEX[ex.activation]}, "
             rf"\quad \hat y_t = W_{{hy}} h_t + b_y, \quad {_loss_tex(ex)}")
    values = (",\\ ".join(f"{PARAM_TEX[k]} = {sp.latex(p[k])}" for k in PARAMETERS + ("h0",))
              + r", \quad x = (" + ", ".join(sp.latex(v) for v in ex.x) + r"), \quad y = ("
              + ", ".join(sp.latex(v) for v in ex.targets) + ")")
    named = {s.t: sp.Symbol(f"h{s.t}") in ex.hidden for s in ex.forward}
    fwd = _array(["t", "a_t", "h_t", r"\hat y_t", "L_t"], [
        [str(s.t), f"{_tex(s.a)} \\approx {approx(s.a)}",
         (f"h_{{{s.t}}} = " if named[s.t] else "") + f"{_tex(s.h)} \\approx {approx(s.h)}",
         f"{_tex(s.yhat)}", f"{_tex(s.loss)} \\approx {approx(s.loss)}" if s.t in ex.loss_steps else "-"]
        for s in ex.forward])
    total = f"L = {_tex(ex.total_loss)} \\approx {approx(ex.total_loss)}"
    rule = (rf"\delta_t = W_{{hy}} \frac{{\partial L_t}}{{\partial \hat y_t}} + W_{{hh}}\, {dn}(a_{{t+1}})\,"
                 rf" \delta_{{t+1}}, \qquad \frac{{\partial L}}{{\partial a_t}} = {dn}(a_t)\, \delta_t")
    back = ex.backward[::-1]

    def chain(step: str, v: Value) -> str:
        full = short_form(v)
        more = f" = {_tex(full)}" if full is not None and _tex(full) != step else ""
        return f"{step}{more} \\approx {approx(v)}"

    bwd = _aligned([rf"\delta_{{{b.t}}} &= "
                    + chain(recursion(ex, b.t, sp.latex, r"\,", r"\delta_{{{}}}"), b.delta) for b in back]
                   + [rf"\frac{{\partial L}}{{\partial a_{{{b.t}}}}} &= "
                      + chain(product([b.fprime.compact], sp.latex, r"\,", rf"\delta_{{{b.t}}}"), b.da)
                      for b in back])
    heads = ["t"] + [rf"\text{{to }} \partial L / \partial {PARAM_TEX[k]}" for k in PARAMETERS]
    con = _array(heads, [[str(b.t)] + [approx(b.contrib[k]) for k in PARAMETERS] for b in ex.backward]
                 + [[r"\sum"] + [approx(ex.gradients[k]) for k in PARAMETERS]])
    def grad(k: str) -> str:
        full = short_form(ex.gradients[k], 400)
        return (f"{_tex(full)} " if full is not None else "") + f"\\approx {approx(ex.gradients[k])}"

    grads = _aligned([rf"\frac{{\partial L}}{{\partial {PARAM_TEX[k]}}} &= {grad(k)}" for k in GRADIENTS])
    blocks = [setup, values, fwd, total, rule, bwd, con, grads]
    if ex.hidden:
        blocks.append(r"\text{where } " + r",\quad ".join(f"{sp.latex(s)} = {sp.latex(v, order='none')}"
                                                          for s, v in list(ex.hidden.items())[:3])
                      + (r",\ \ldots" if len(ex.hidden) > 3 else ""))
    return blocks


def to_latex(ex: WorkedExample, digits: int = 6, *, display: tuple[str, str] = ("\\[", "\\]")) -> str:
    """LaTeX display blocks: setup, forward table, δ recursion, contributions, gradients.

    Args:
      ex: the worked example.
      digits: significant digits of the decimals (1..50).
      display: the opening and closing delimiters of each display-math block.
    """
    check_digits(digits)
    open_, close = display
    document = display == ("\\[", "\\]")     # Jupyter gets the math only, no comment lines
    out = [f"% bptt example: scalar RNN, T = {ex.T}, {ex.activation}, {ex.loss}, loss at {ex.loss_at} "
           f"steps; decimals to {digits} significant digits"] if document else []
    out += [f"{open_}\n{b}\n{close}" for b in _blocks(ex, digits)]
    if document:
        out.append("% What the article says, checked on these numbers:")
        for n in article_notes(ex, digits):
            out.append(f"% [{MARK_TEX[n.holds]}] {n.text}")
            out += [f"%     {x}" for x in n.details]
    return "\n".join(out) + "\n"


__all__ = ["to_latex"]
