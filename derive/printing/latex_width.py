"""An estimate of the printed width of a LaTeX formula, in points (Computer Modern, 10 pt).

The LaTeX printers break long sums and products so that every line fits the text width of a
standard article (345 pt). They need the width of a formula without running TeX: ``tex_width``
reads the math as TeX would lay it out (fractions as wide as their wider part, sub- and
superscripts at script size, matrices column by column, the spacing of operators and relations)
with glyph widths rounded up. tests/test_latex_compile.py checks against pdflatex that the
estimate is never below the true width of the printed lines.
"""

from __future__ import annotations

import re

_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|\s+|.", re.S)
SAFETY = 1.06                           # the glyph widths below are averages: round up by 6 %
_SCALE = (1.0, 1.0, 0.75, 0.6)          # display, text, script, scriptscript
BIN, REL = 7.8 + 2 * 2.3, 7.8 + 2 * 2.9     # glyph + medmuskip / thickmuskip on both sides
SPACES = {r"\,": 1.7, r"\:": 2.3, r"\;": 2.9, r"\!": 0.0, "\\ ": 3.4, r"\quad": 10.0, r"\qquad": 20.0,
          r"\hline": 0.0, r"\displaystyle": 0.0, r"\left": 0.0, r"\right": 0.0}
BINARY = {"+", "-", "*", r"\odot", r"\cdot", r"\circ", r"\times", r"\pm", r"\mp", r"\otimes"}
RELATION = {"=", "<", ">", r"\approx", r"\le", r"\leq", r"\ge", r"\geq", r"\ne", r"\neq", r"\to",
            r"\equiv", r"\sim", r"\in", r"\colon", r"\mapsto", r"\coloneqq"}
WIDE_SYMBOLS = {r"\sum": 14.5, r"\prod": 12.8, r"\ldots": 13.4, r"\cdots": 13.4, r"\dots": 13.4,
                r"\infty": 10.0, r"\top": 7.8, r"\|": 5.0, r"\partial": 5.8, r"\Delta": 8.4,
                r"\Bigl": 0.0, r"\Bigr": 0.0, r"\bigl": 0.0, r"\bigr": 0.0, r"\biggl": 0.0, r"\biggr": 0.0}
ONE_ARG_TEXT = {r"\text", r"\textrm", r"\mathrm", r"\mathtt", r"\texttt", r"\operatorname", r"\mathit"}
ONE_ARG_MATH = {r"\hat", r"\bar", r"\tilde", r"\vec", r"\mathbf", r"\boldsymbol", r"\overline", r"\dot"}
FRACTIONS = {r"\frac": None, r"\dfrac": 0, r"\tfrac": 1}
GRIDS = ("matrix", "pmatrix", "bmatrix", "array", "aligned", "cases", "smallmatrix")


def _char(c: str) -> float:
    if c.isdigit():
        return 5.0
    if c in "mwMW":
        return 10.9
    if c.isupper():
        return 8.2
    if c.isalpha():
        return 6.0
    return {"(": 3.9, ")": 3.9, "[": 2.8, "]": 2.8, ",": 4.5, ".": 2.8, "'": 3.0, "|": 2.8,
            "/": 5.0, ";": 4.5, ":": 2.8, "!": 2.8}.get(c, 7.8)


class _Reader:
    """A cursor over the tokens of one formula (spaces kept for ``\\text``)."""

    def __init__(self, tex: str) -> None:
        self.toks = _TOKEN.findall(tex)
        self.i = 0

    def next(self) -> str | None:
        while self.i < len(self.toks) and self.toks[self.i].isspace():
            self.i += 1
        if self.i >= len(self.toks):
            return None
        self.i += 1
        return self.toks[self.i - 1]

    def group(self) -> list[str]:
        """The tokens of the next argument: a ``{...}`` group or a single token."""
        t = self.next()
        if t != "{":
            return [] if t is None else [t]
        depth, out = 1, []
        while self.i < len(self.toks):
            t = self.toks[self.i]
            self.i += 1
            depth += (t == "{") - (t == "}")
            if depth == 0:
                break
            out.append(t)
        return out

    def until_end(self, env: str) -> list[str]:
        depth, out = 1, []
        while self.i < len(self.toks):
            t = self.toks[self.i]
            self.i += 1
            if t in (r"\begin", r"\end"):
                name = "".join(self.group())
                depth += 1 if t == r"\begin" else -1 if name == env else 0
                if depth == 0:
                    break
                out += [t, "{", name, "}"]
                continue
            out.append(t)
        return out


def _grid(toks: list[str], style: int) -> float:
    """Width of a matrix body: the widest cell of each column plus 10 pt between columns."""
    rows, row, cell, depth = [], [], [], 0
    for t in toks:
        depth += (t in ("{", r"\begin")) - (t in ("}", r"\end"))
        if depth == 0 and t == r"\\":
            rows.append(row + [cell])
            row, cell = [], []
        elif depth == 0 and t == "&":
            row.append(cell)
            cell = []
        else:
            cell.append(t)
    rows.append(row + [cell])
    cols: list[float] = []
    for r in rows:
        for j, c in enumerate(r):
            w = _width(_Reader("".join(c)), style)
            cols += [0.0] * (j + 1 - len(cols))
            cols[j] = max(cols[j], w)
    return sum(cols) + 10.0 * max(len(cols) - 1, 0) + 2.0


def _width(r: _Reader, style: int) -> float:
    total, last_script = 0.0, 0.0
    scale = _SCALE[style]
    while (t := r.next()) is not None:
        script = 0.0
        if t == "{":
            r.i -= 1
            total += _width(_Reader("".join(r.group())), style)
        elif t in ("^", "_"):
            script = _width(_Reader("".join(r.group())), min(style + 2 if style < 2 else style + 1, 3))
            total += max(script - last_script, 0.0)
        elif t in FRACTIONS:
            inner = FRACTIONS[t] if FRACTIONS[t] is not None else style
            sub = min(inner + 1, 3) if inner >= 1 else 1
            num, den = _Reader("".join(r.group())), _Reader("".join(r.group()))
            total += max(_width(num, sub), _width(den, sub)) + 2.4 * scale
        elif t in ONE_ARG_TEXT:
            body = "".join(r.group())
            letters = len(re.sub(r"\\[A-Za-z]+|[{}\\]", "x", body))
            total += letters * (5.6 if t != r"\operatorname" else 5.3) * scale + (3.4 if t == r"\operatorname" else 0)
        elif t in ONE_ARG_MATH:
            total += _width(_Reader("".join(r.group())), style)
        elif t == r"\sqrt":
            total += _width(_Reader("".join(r.group())), style) + 10.0 * scale
        elif t == r"\begin":
            env = "".join(r.group())
            if env == "array":
                r.group()
            total += _grid(r.until_end(env), 0 if env == "aligned" else max(style, 1))
        elif t in (r"\left", r"\right", r"\bigl", r"\bigr", r"\Bigl", r"\Bigr", r"\biggl", r"\biggr"):
            d = r.next()
            total += 1.2 if d == "." else 7.0 * scale if d != r"\|" else 6.5 * scale
        elif t in SPACES:
            total += SPACES[t] * scale
        elif t in BINARY:
            total += BIN * scale if style < 2 else 7.8 * scale
        elif t in RELATION:
            total += REL * scale if style < 2 else 7.8 * scale
        elif t in WIDE_SYMBOLS:
            total += WIDE_SYMBOLS[t] * scale
        elif t.startswith("\\") and len(t) > 2 and t[1:] in ("tanh", "sin", "cos", "exp", "log", "ln",
                                                            "max", "min", "diag", "det", "sup", "tan"):
            total += len(t[1:]) * 5.3 * scale + 1.7
        elif t.startswith("\\") and len(t) > 2:
            total += 7.0 * scale              # a Greek letter or another symbol
        elif t in ("}", "&", r"\\", "~"):
            total += 3.4 * scale if t == "~" else 0.0
        elif t.startswith("\\"):
            total += 5.0 * scale              # an escaped character: \_ \{ \% ...
        else:
            total += _char(t) * scale
        last_script = script
    return total


def tex_width(tex: str, *, display: bool = True) -> float:
    """Estimated width in pt of the formula ``tex`` (display style by default), rounded up."""
    return SAFETY * _width(_Reader(tex), 0 if display else 1)


__all__ = ["tex_width"]
