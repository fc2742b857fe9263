"""The shared expression printers every format builds on (text, parsable, LaTeX, pretty).

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

from ..symbols import latex_names, matrix_symbol_latex
from . import unicode as _unicode
from .unicode import indicator, natural_order, superscript, unicode_name


class _TextPrinter(StrPrinter):
    """str form for reading: |x| for Abs, [cond] for an indicator Piecewise((1, cond), (0, True)),
    ⊙ and ᵀ in matrix notation; ``back`` maps the padded names of ``natural_order`` to the real ones,
    ``names`` shows some symbols by another name (the bound's ``norm_dL_dh`` as ‖∂L_t/∂h_t‖)."""

    def __init__(self, settings=None, *, back: dict[str, str] | None = None,
                 names: dict[str, str] | None = None) -> None:
        super().__init__(settings)
        self._back, self._names = back or {}, names or {}

    def _name(self, e) -> str:
        return self._back.get(str(e.name), str(e.name))

    def _print_Symbol(self, e) -> str:
        name = self._name(e)
        return self._names.get(name, name)

    _print_MatrixSymbol = _print_Symbol

    def _print_Abs(self, e) -> str:
        return "|" + self._print(e.args[0]) + "|"

    def _print_Piecewise(self, e) -> str:
        cond = indicator(e)
        return self._print_Function(e) if cond is None else "[" + self._print(cond) + "]"

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


class _UnicodePrinter(_TextPrinter):
    """The one-line text form in Unicode: h₁², δ₂, · for products, |Wₕₕ|³ (``--format unicode``)."""

    def __init__(self, *, back=None, letters: bool = True, names: dict[str, str] | None = None) -> None:
        super().__init__(back=back, names=names)
        self._letters = letters

    def _print_Symbol(self, e) -> str:
        name = self._name(e)
        return self._names.get(name) or unicode_name(name, letters=self._letters)

    _print_MatrixSymbol = _print_Symbol

    def _print_Pow(self, e, rational=False) -> str:
        if e.exp.is_Integer and e.exp > 1:
            return self.parenthesize(e.base, PRECEDENCE["Pow"], strict=False) + superscript(str(e.exp))
        return super()._print_Pow(e, rational).replace("**", "^")

    def doprint(self, e) -> str:
        return super().doprint(e).replace("*", "·")


def text(e: Any, *, names: dict[str, str] | None = None) -> str:
    """The plain text form (ASCII names, ``**``): |x|, [cond], time indices in numeric order."""
    if not isinstance(e, sp.Basic):
        return str(e)
    padded, back = natural_order(e)
    return _TextPrinter(back=back, names=names).doprint(padded)


def unicode_text(e: Any, *, letters: bool = True, names: dict[str, str] | None = None) -> str:
    """The text form in Unicode names (docs/symbols.md): ``W_hh**3*(1 - h3**2)`` -> ``Wₕₕ³·(1 - h₃²)``."""
    if not isinstance(e, sp.Basic):
        return str(e)
    padded, back = natural_order(e)
    return _UnicodePrinter(back=back, letters=letters, names=names).doprint(padded)


def parsable(e: Any) -> str:
    """str form that ``sympy.sympify`` parses back into the same expression (or Matrix).

    A Matrix is written on one line, ``Matrix([[a, b], [c, d]])``. Terms keep SymPy's internal
    (deterministic) order: sorting them for display costs more than the derivation for long sums.
    """
    if isinstance(e, sp.MatrixBase):
        return f"Matrix({sp.sstr(e.tolist(), order='none')})"
    return sp.sstr(e, order="none")


def latex_symbol_names(e: Any) -> dict:
    """``symbol_names`` for the LaTeX printers: contract names and matrix-notation symbols."""
    names = latex_names(e)
    if isinstance(e, sp.Basic):
        for s in e.atoms(sp.MatrixSymbol):
            names[s] = matrix_symbol_latex(str(s.name))
    return names


def latex(e: Any) -> str:
    """LaTeX in the project's notation (\\odot, ^{\\top}; derive.printing.latex_layout)."""
    from .latex_layout import BPTTLatexPrinter
    return BPTTLatexPrinter({"symbol_names": latex_symbol_names(e)}).doprint(e)


def pretty(e: Any, *, letters: bool = True, names: dict[str, str] | None = None) -> str:
    """2-D Unicode form; ``letters``: subscript letter indices (Wₕₕ), see ``unicode.letter_subscripts``."""
    return _unicode.pretty(e, letters=letters, names=names)


def entries(v: Any) -> list[tuple[str, Any]]:
    """[(index label, entry)]: ("", v) for a scalar, ("[i,j]" or "[i]", entry) for a Matrix."""
    if not isinstance(v, sp.MatrixBase):
        return [("", v)]
    rows, cols = v.shape
    return [(f"[{i}]" if cols == 1 else f"[{i},{j}]", v[i, j]) for i in range(rows) for j in range(cols)]


def activation_line(activation: str) -> str:
    """f(a) and f'(a) from the rules table, e.g. ``f(a) = tanh(a), f'(a) = 1 - h**2 (h = f(a))``."""
    from ..namespace import SYMPY_NS
    a, h = sp.Symbol("a"), sp.Symbol("h")
    rule = ACTIVATIONS[activation]
    return f"f(a) = {text(rule.value(SYMPY_NS, a))},  f'(a) = {text(sp.sympify(rule.deriv(SYMPY_NS, h)))}  (h = f(a))"


def describe(u) -> str:
    size = "scalar: H = D = V = 1" if u.scalar else \
        f"H = {u.hidden_size}, D = {u.input_size}, V = {u.output_size}"
    where = "at every step" if u.loss_at == "all" else f"at the last step only (L = L{u.T})"
    return f"T = {u.T} ({size}), activation {u.activation}, loss {u.loss} {where}"
