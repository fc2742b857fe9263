"""The worked example as LaTeX: display-math blocks (arrays and aligned equations).

Each block is wrapped in ``display`` delimiters, ``\\[ … \\]`` for a document and
``$$ … $$`` for Jupyter (``WorkedExample._repr_latex_``). Only math-mode commands that
MathJax also knows are used (array, aligned, \\approx, \\text); the article's statements
are written as LaTeX comments after the math.
"""

from __future__ import annotations

from typing import Any

import re

import sympy as sp

from .values import GRADIENTS, PARAMETERS, Value, check_digits
from .notes import article_notes
from .render import product, recursion, short_form
from ..printing.latex_layout import TEXT_WIDTH, aligned_rows, environment
from ..printing.latex_width import tex_width

# derive.example.worked.WorkedExample, taken by what it has, not imported: the example's display
# methods import this module at the top of theirs, one way, without an import circle.
WorkedExample = Any

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


def _arrays(headers: list[str], rows: list[list[str]]) -> list[str]:
    """The table as one array, or as several (each repeating the first column) where one would
    be wider than the text: columns are taken while they fit."""
    widths = [max(tex_width(c, display=False) for c in col) + 10.0 for col in zip(headers, *rows)]
    groups, used = [[1]], widths[0] + widths[1]
    for j in range(2, len(headers)):
        if used + widths[j] > TEXT_WIDTH - 10.0:
            groups.append([])
            used = widths[0]
        groups[-1].append(j)
        used += widths[j]
    pick = lambda r, g: [r[0]] + [r[j] for j in g]  # noqa: E731
    return [_array(pick(headers, g), [pick(r, g) for r in rows]) for g in groups]


def _aligned(lines: list[str]) -> str:
    return "\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}"


def _gathered(items: list[str], sep: str = r",\quad ") -> str:
    """``items`` joined by ``sep``, on as many lines (``gathered``) as the text width needs."""
    lines: list[str] = []
    for it in items:
        if lines and tex_width(lines[-1] + sep + it) <= TEXT_WIDTH - 10.0:
            lines[-1] += sep + it
        else:
            lines.append(it)
    if len(lines) == 1:
        return lines[0]
    end = sep.strip()[:1] if sep.strip().startswith(",") else ""     # "a,\\quad b" breaks as "a, \\ b"
    return "\\begin{gathered}\n" + (end + " \\\\\n").join(lines) + "\n\\end{gathered}"


def _blocks(ex: WorkedExample, d: int) -> list[str]:
    p, dn = ex.parameters, DERIV_TEX[ex.activation]
    approx = lambda v: _num(v.decimal(d))
    setup = _gathered([r"a_t = W_{xh} x_t + W_{hh} h_{t-1} + b_h", f"h_t = {ACT_TEX[ex.activation]}",
                       r"\hat y_t = W_{hy} h_t + b_y", _loss_tex(ex)])
    values = _gathered([",\\ ".join(f"{PARAM_TEX[k]} = {sp.latex(p[k])}" for k in PARAMETERS + ("h0",)),
                        "x = (" + ", ".join(sp.latex(v) for v in ex.x) + ")",
                        "y = (" + ", ".join(sp.latex(v) for v in ex.targets) + ")"])
    named = {s.t: sp.Symbol(f"h{s.t}") in ex.hidden for s in ex.forward}
    fwd = _arrays(["t", "a_t", "h_t", r"\hat y_t", "L_t"], [
        [str(s.t), f"{_tex(s.a)} \\approx {approx(s.a)}",
         (f"h_{{{s.t}}} = " if named[s.t] else "") + f"{_tex(s.h)} \\approx {approx(s.h)}",
         f"{_tex(s.yhat)}", f"{_tex(s.loss)} \\approx {approx(s.loss)}" if s.t in ex.loss_steps else "-"]
        for s in ex.forward])
    total = _aligned(aligned_rows([("L", ex.total_loss.compact, rf"\approx {approx(ex.total_loss)}")]))
    rule = (rf"\delta_t = W_{{hy}} \frac{{\partial L_t}}{{\partial \hat y_t}} + W_{{hh}}\, {dn}(a_{{t+1}})\,"
                 rf" \delta_{{t+1}}, \qquad \frac{{\partial L}}{{\partial a_t}} = {dn}(a_t)\, \delta_t")
    back = ex.backward[::-1]

    def chain(left: str, step: str, v: Value) -> tuple:
        full = short_form(v)
        more = [full] if full is not None and _tex(full) != step else []
        return (left, [step] + more, rf"\approx {approx(v)}")

    bwd = _aligned(aligned_rows(
        [chain(rf"\delta_{{{b.t}}}", recursion(ex, b.t, sp.latex, r"\,", r"\delta_{{{}}}"), b.delta) for b in back]
        + [chain(rf"\frac{{\partial L}}{{\partial a_{{{b.t}}}}}",
                 product([b.fprime.compact], sp.latex, r"\,", rf"\delta_{{{b.t}}}"), b.da) for b in back]))
    heads = ["t"] + [rf"\text{{to }} \partial L / \partial {PARAM_TEX[k]}" for k in PARAMETERS]
    con = _arrays(heads, [[str(b.t)] + [approx(b.contrib[k]) for k in PARAMETERS] for b in ex.backward]
                 + [[r"\sum"] + [approx(ex.gradients[k]) for k in PARAMETERS]])
    def grad(k: str) -> tuple:
        full, lhs = short_form(ex.gradients[k], 400), rf"\frac{{\partial L}}{{\partial {PARAM_TEX[k]}}}"
        number = approx(ex.gradients[k])
        return (lhs, full, rf"\approx {number}") if full is not None else (lhs + r" &\approx", number)

    grads = _aligned(aligned_rows([grad(k) for k in GRADIENTS]))
    blocks = [setup, values, *fwd, total, rule, bwd, *con, grads]
    if ex.hidden:
        where = [f"{sp.latex(s)} = {sp.latex(v, order='none')}" for s, v in list(ex.hidden.items())[:3]]
        where[0] = r"\text{where } " + where[0]
        blocks.append(_gathered(where + ([r"\ldots"] if len(ex.hidden) > 3 else [])))
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
    # in a document the equation blocks are align* (they break across pages); Jupyter keeps aligned
    out += [environment(b) if document and b.startswith("\\begin{aligned}") else f"{open_}\n{b}\n{close}"
            for b in _blocks(ex, digits)]
    if document:
        out.append("% What the article says, checked on these numbers:")
        for n in article_notes(ex, digits):
            out.append(f"% [{MARK_TEX[n.holds]}] {n.text}")
            out += [f"%     {x}" for x in n.details]
    return "\n".join(out) + "\n"


__all__ = ["to_latex"]
