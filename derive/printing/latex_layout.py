"""LaTeX that fits the page: one notation, long formulas broken across lines, pasteable output.

- ``BPTTLatexPrinter``: SymPy's LaTeX printer with the project's notation (⊙ as ``\\odot``,
  ᵀ as ``^{\\top}``) in every format.
- ``break_lines(expr, width)``: the formula as lines no wider than ``width`` points (estimated by
  ``latex_width.tex_width``): a long sum breaks at + and -, a long product between its factors
  (a parenthesised sum or a function's argument inside it breaks in turn, between ``\\Bigl(``
  and ``\\Bigr)``).
- ``aligned_rows(rows, width)``: ``(left, right[, suffix])`` rows as the lines of an aligned
  block, each continuation line ``&\\quad {}+ …``, so that every line fits ``width``.
- ``environment(body)`` and ``document(body)``: the output of ``--format latex`` (an ``align*``
  environment to paste into any amsmath document) and of ``--standalone`` (a complete article).
"""

from __future__ import annotations

import re
from typing import Any, Sequence

import sympy as sp
from sympy.printing.latex import LatexPrinter
from sympy.printing.precedence import PRECEDENCE

from .latex_width import tex_width

TEXT_WIDTH = 345.0                      # pt: the text width of a 10 pt article (and of amsart)
BREAK_LIMIT = 20_000                    # characters: longer formulas (expanded forms) stay whole
RELATION_ROOM = 14.0                    # pt: "&= " or "&\quad" in front of each right-hand side
FUNCTION = re.compile(r"^(\\[A-Za-z]+|\\operatorname\{[A-Za-z]+\})\{\\left\(")


class BPTTLatexPrinter(LatexPrinter):
    """SymPy's LaTeX with ``\\odot`` for Hadamard products and ``^{\\top}`` for transposes."""

    def _print_HadamardProduct(self, expr) -> str:
        return r" \odot ".join(self.parenthesize(a, PRECEDENCE["Pow"], strict=True) for a in expr.args)

    def _print_Transpose(self, expr) -> str:
        return super()._print_Transpose(expr).replace("^{T}", r"^{\top}")


def _continued(op: str, sub: list[str]) -> list[tuple[str, str]]:
    """The sublines of one broken term as pieces: the first joined with ``op``, the rest on lines
    of their own (a sentinel joiner that never fits)."""
    return [(op, sub[0])] + [("\0", s) for s in sub[1:]]


def _break_add(p: BPTTLatexPrinter, e: sp.Add, width: float) -> list[str]:
    pieces: list[tuple[str, str]] = []
    for i, term in enumerate(p._as_ordered_terms(e)):
        op = "" if i == 0 else " + "
        if i and term.could_extract_minus_sign():
            op, term = " - ", -term
        sub = break_lines(term, width, printer=p)
        pieces += _continued(op, sub)
    return _join(pieces, width)


def _factors(p: BPTTLatexPrinter, e: sp.Basic) -> tuple[str, list[sp.Basic]]:
    """(prefix, factors) of a product: ``-`` or ``\\frac{p}{q}`` for a rational coefficient."""
    if isinstance(e, sp.MatMul):
        c, mats = e.as_coeff_mmul()
        factors = list(mats.args) if isinstance(mats, sp.MatMul) else [mats]
    else:
        c, rest = e.as_coeff_Mul()
        factors = rest.as_ordered_factors() if isinstance(rest, sp.Mul) else [rest]
    prefix = "" if c == 1 else "-" if c == -1 else p._print(c) + " "
    return prefix, factors


def _break_mul(p: BPTTLatexPrinter, e: sp.Basic, width: float) -> list[str]:
    prefix, factors = _factors(p, e)
    pieces: list[tuple[str, str]] = []
    for i, f in enumerate(factors):
        op = " " if i else prefix
        if isinstance(f, (sp.Add, sp.MatAdd)):
            inner = break_lines(f, width - 12.0, printer=p)
            sub = [r"\left(" + inner[0] + r"\right)"] if len(inner) == 1 else \
                [r"\Bigl(" + inner[0]] + inner[1:-1] + [inner[-1] + r"\Bigr)"]
        else:
            sub = break_lines(f, width, printer=p)
            sub = [p.parenthesize(f, PRECEDENCE["Mul"])] if len(sub) == 1 else sub
        pieces += _continued(op, sub)
    return _join(pieces, width)


def _break_function(p: BPTTLatexPrinter, e: sp.Function, head: str, width: float) -> list[str]:
    inner = break_lines(e.args[0], width - 12.0, printer=p)
    return [head + r"\Bigl(" + inner[0]] + inner[1:-1] + [inner[-1] + r"\Bigr)"]


def _join(pieces: list[tuple[str, str]], width: float) -> list[str]:
    """Greedily join (joiner, tex) pieces into lines of at most ``width``. A line that starts
    with + or - reads ``{}+ …`` (binary spacing); one inside a product starts with ``\\cdot``."""
    lines: list[str] = []
    for joiner, tex in pieces:
        if not lines:
            lines.append(joiner + tex)
        elif joiner != "\0" and tex_width(lines[-1] + joiner + tex) <= width:
            lines[-1] += joiner + tex
        else:
            lead = {" + ": "{}+ ", " - ": "{}- ", " ": "{}\\cdot "}.get(joiner, "")
            lines.append(lead + tex)
    return lines


def break_lines(e: Any, width: float, *, printer: BPTTLatexPrinter | None = None,
                symbol_names: dict | None = None) -> list[str]:
    """``e`` in LaTeX as lines no wider than ``width`` pt where a break is possible (a sum, a
    product, a function of a sum); a line that cannot break is returned whole."""
    p = printer or BPTTLatexPrinter({"symbol_names": symbol_names or {}})
    whole = p.doprint(e)
    if not isinstance(e, sp.Basic) or len(whole) > BREAK_LIMIT or tex_width(whole) <= width:
        return [whole]
    if isinstance(e, (sp.Add, sp.MatAdd)):
        return _break_add(p, e, width)
    if isinstance(e, (sp.Mul, sp.MatMul)):
        return _break_mul(p, e, width)
    m = FUNCTION.match(whole)
    if isinstance(e, sp.Function) and len(e.args) == 1 and m:
        return _break_function(p, e, m.group(1), width)
    if isinstance(e, sp.Pow) and isinstance(e.base, sp.Function) and len(e.base.args) == 1:
        m = re.match(r"^(\\[A-Za-z]+\^\{[^{}]*\})\{\\left\(", whole)      # \tanh^{2}{\left(...\right)}
        if m:
            return _break_function(p, e.base, m.group(1), width)
    return [whole]


def _right_lines(right: Any, budget: float, names: Any) -> list[str]:
    """The right-hand side as lines: a list of parts is a chain ``part = part = …``."""
    lines: list[str] = []
    for i, part in enumerate(right if isinstance(right, list) else [right]):
        nm = names(part) if callable(names) else names
        sub = break_lines(part, budget, symbol_names=nm) if isinstance(part, sp.Basic) else [part]
        if i and lines and tex_width(lines[-1] + " = " + sub[0]) <= budget:
            lines[-1] += " = " + sub[0]
            lines += sub[1:]
        else:
            lines += ["{}= " + sub[0]] + sub[1:] if i else sub
    return lines


def aligned_rows(rows: Sequence[tuple], width: float = TEXT_WIDTH, *, names: Any = None) -> list[str]:
    """Rows ``(left, right[, suffix])`` as aligned lines ``left &= right`` that fit ``width``.

    ``left`` and ``suffix`` are LaTeX; ``right`` is a SymPy expression (broken where it is too
    long), LaTeX (kept whole) or a list of those (``a = b = c``); ``names`` are the printer's
    ``symbol_names``, or a function of the expression that returns them. ``left`` may end in its own
    relation (``&\\le``), otherwise ``&=`` joins the sides; ``suffix`` (e.g. ``\\approx 0.2``)
    goes on the last line, or on a line of its own when it does not fit there.
    """
    lefts = [r[0] for r in rows]
    budget = width - max((tex_width(lt) for lt in lefts), default=0.0) - RELATION_ROOM - 4.0
    out: list[str] = []
    for row in rows:
        left, suffix = row[0], (row[2] if len(row) > 2 else "")
        lines = _right_lines(row[1], budget, names)
        if suffix and tex_width(lines[-1] + " " + suffix) > budget:
            lines.append("{}" + suffix)
        elif suffix:
            lines[-1] += " " + suffix
        head = left + " " if re.search(r"&\\?[A-Za-z]*$", left) else (left + " &= ").lstrip()
        out.append(head + lines[0])
        out += [r"&\quad " + ln for ln in lines[1:]]
    return out


def text_tex(s: str) -> str:
    """Plain words as math-mode LaTeX: ``\\text{…}``, a setting name with ``_`` as
    ``\\mathtt{half\\_sse}`` (MathJax shows ``\\_`` inside ``\\text`` literally)."""
    parts = re.split(r"(\b\w+_\w+\b)", s)
    return "".join(rf"\mathtt{{{w.replace('_', chr(92) + '_')}}}" if i % 2 else rf"\text{{{w}}}" if w else ""
                   for i, w in enumerate(parts))


def text_rows(s: str, width: float = TEXT_WIDTH) -> list[str]:
    """A sentence as aligned rows ``&\\text{…}``, broken after commas where it is too wide."""
    rows: list[str] = []
    for chunk in re.split(r"(?<=,) ", s):
        if rows and tex_width(text_tex(rows[-1] + " " + chunk)) <= width - 10.0:
            rows[-1] += " " + chunk
        else:
            rows.append(chunk)
    return ["&" + text_tex(r) for r in rows]


def entry_rows(left: str, e: Any, tex, suffix: str = "", *, label: str | None = None,
               width: float = TEXT_WIDTH) -> list[tuple]:
    """``[(left, e, suffix)]``, or one row per entry ``label[i,j]`` (``label`` defaults to
    ``left``) of a Matrix too wide for a line (``tex`` prints the matrix to measure it)."""
    if not isinstance(e, sp.MatrixBase) or tex_width(tex(e)) <= 0.7 * width:
        return [(left, e, suffix)]
    left = left if label is None else label
    rows, cols = e.shape
    label = (lambda i, j: f"[{i}]") if cols == 1 else (lambda i, j: f"[{i},{j}]")
    out = [(f"{left}{label(i, j)}", e[i, j]) for i in range(rows) for j in range(cols)]
    return out[:-1] + [out[-1] + (suffix,)]


def environment(aligned: str) -> str:
    """A ``\\begin{aligned}`` block as an ``align*`` environment (breaks across pages)."""
    body = aligned.strip()
    if body.startswith(r"\begin{aligned}") and body.endswith(r"\end{aligned}"):
        body = body[len(r"\begin{aligned}"):-len(r"\end{aligned}")].strip("\n")
        return "\\begin{align*}\n" + body + "\n\\end{align*}"
    return body


def document(body: str, title: str = "") -> str:
    """A complete article (amsmath, 10 pt, text width 345 pt) around LaTeX ``body``, with an
    optional first paragraph ``title`` (LaTeX text)."""
    head = ["\\documentclass{article}", "\\usepackage{amsmath}",
            "\\allowdisplaybreaks", "\\begin{document}"]
    if title:
        head.append("\\noindent " + title + "\n")
    return "\n".join(head) + "\n" + body.rstrip("\n") + "\n\\end{document}\n"


__all__ = ["BPTTLatexPrinter", "TEXT_WIDTH", "aligned_rows", "break_lines", "document", "entry_rows",
           "environment", "text_rows", "text_tex"]
