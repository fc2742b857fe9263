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
    from ..namespace import SYMPY_NS
    a, h = sp.Symbol("a"), sp.Symbol("h")
    rule = ACTIVATIONS[activation]
    return f"f(a) = {text(rule.value(SYMPY_NS, a))},  f'(a) = {text(sp.sympify(rule.deriv(SYMPY_NS, h)))}  (h = f(a))"


def describe(u) -> str:
    size = "scalar: H = D = V = 1" if u.scalar else \
        f"H = {u.hidden_size}, D = {u.input_size}, V = {u.output_size}"
    where = "at every step" if u.loss_at == "all" else f"at the last step only (L = L{u.T})"
    return f"T = {u.T} ({size}), activation {u.activation}, loss {u.loss} {where}"
