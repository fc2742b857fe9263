"""Exact values of the worked example: a compact form, its closed form, and its decimals.

Kept apart from the computation (derive/example/worked.py) because evaluating nested closed forms
needs care: SymPy's automatic evaluation of tanh(tanh(…)) and its sorting of printed sums
both ask for numerical signs, which costs time exponential in T. Here closed forms are built
unevaluated and printed unsorted, and decimals come from one high-precision forward pass.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Mapping

import sympy as sp

from numeric.params import EXAMPLE_PARAMETERS

PARAMETERS = EXAMPLE_PARAMETERS          # the worked example's parameters, in its JSON's order
GRADIENTS = PARAMETERS + ("h0",)

MAX_DIGITS = 50
_HIDDEN_NAME = re.compile(r"\bh\d+\b")     # the symbols h1, h2, ... of the compact forms


def check_digits(digits: Any) -> int:
    """digits must be an integer in [1, MAX_DIGITS]."""
    if isinstance(digits, bool) or not isinstance(digits, int):
        raise TypeError(f"digits must be an integer from 1 to {MAX_DIGITS}; got {type(digits).__name__} {digits!r}.")
    if not 1 <= digits <= MAX_DIGITS:
        raise ValueError(f"digits must be an integer from 1 to {MAX_DIGITS}; got {digits}.")
    return digits


class Hidden:
    """The irrational hidden states h_t: their compact definitions, closed forms and decimals.

    defs maps each symbol h<t> to h_t written in the earlier symbols (h2 = tanh(h1/2 + 1/8)).
    Closed forms are built without SymPy's automatic evaluation: evaluating nested tanh's asks
    SymPy for signs, which costs exponential time in T. Decimals come from one forward pass
    at ``digits + guard`` digits, guard covering the growth of rounding errors through T steps
    (at most (|W_hh|·sup|f'|)^T) and 20 digits of cancellation.
    """

    def __init__(self, defs: Mapping[sp.Symbol, sp.Expr], guard: int):
        self.defs = dict(defs)
        self.guard = guard
        full: dict[sp.Symbol, sp.Expr] = {}
        with sp.evaluate(False):
            for sym, d in self.defs.items():
                full[sym] = d.xreplace(full)
        self.full = full
        self._floats: dict[int, dict[sp.Expr, sp.Float]] = {}
        # Closed forms as text, built on first use by substituting strings (SymPy's printer
        # recurses once per nesting level and sorts sums numerically; this is linear in the output).
        self._strs: dict[str, str] = {}
        self._pending = iter(self.defs.items())

    def closed(self, expr: sp.Expr) -> sp.Expr:
        """expr with every h<t> replaced by its closed form (in Rationals and functions only)."""
        if not self.full or not expr.free_symbols:
            return expr
        with sp.evaluate(False):
            return expr.xreplace(self.full)

    def _closed_text(self, name: str) -> str:
        """The closed form of h<t> as text, building those of h1 .. h<t> in time order."""
        while name not in self._strs:
            sym, d = next(self._pending, (None, None))
            if sym is None:
                return name
            text = self._substitute(sp.sstr(d, order="none"))
            self._strs[sym.name] = text if isinstance(d, sp.Function) else f"({text})"
        return self._strs[name]

    def _substitute(self, text: str) -> str:
        return _HIDDEN_NAME.sub(lambda m: self._closed_text(m.group(0)), text)

    def closed_str(self, expr: sp.Expr) -> str:
        """``closed(expr)`` as a string that ``sympy.sympify`` reads back."""
        return self._substitute(sp.sstr(expr, order="none"))

    def evalf(self, expr: sp.Expr, digits: int) -> sp.Expr:
        """expr to ``digits`` significant digits."""
        dps = digits + self.guard
        if dps not in self._floats:
            vals: dict[sp.Expr, sp.Expr] = {}
            for sym, d in self.defs.items():          # time order: d uses earlier symbols only
                vals[sym] = _numeric(d, vals, dps)
            self._floats[dps] = vals
        return sp.Float(_numeric(expr, self._floats[dps], dps), digits)


def _numeric(expr: sp.Expr, memo: dict[sp.Expr, sp.Expr], dps: int) -> sp.Expr:
    """expr as a Float of ``dps`` digits, memo holding the values of symbols and subexpressions.

    A loop over an explicit stack, not recursion: δ_1 nests T levels deep (δ_t holds δ_(t+1)),
    and the memo, shared by every value of one example, makes all of them cost O(T) together,
    because δ_t's subexpressions are δ_(t+1)'s.
    """
    stack = [expr]
    while stack:
        e = stack[-1]
        if e in memo:
            stack.pop()
        elif e.is_Number or not e.args:
            memo[stack.pop()] = sp.Float(e, dps) if e.is_Number else e.evalf(dps)
        else:
            todo = [a for a in e.args if a not in memo]
            if todo:
                stack.extend(todo)
                continue
            stack.pop()
            memo[e] = e.func(*(memo[a] for a in e.args)).evalf(dps)
    return memo[expr]


@dataclass(frozen=True)
class Value:
    """One exact quantity.

    compact: an exact SymPy expression in Rationals and the symbols h1..hT (each an
      irrational hidden state, defined in ``WorkedExample.hidden``).
    exact (property): the same number as a closed form in Rationals and functions only
      (``sympy.sympify(str(v.exact))`` gives it back).
    """

    compact: sp.Expr
    context: Hidden | None = field(default=None, compare=False, repr=False)
    _cache: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def exact(self) -> sp.Expr:
        if "exact" not in self._cache:
            self._cache["exact"] = self.context.closed(self.compact) if self.context else self.compact
        return self._cache["exact"]

    @property
    def is_zero(self) -> bool:
        """True when the quantity is exactly 0 (structurally, no rounding involved)."""
        return self.compact == 0

    def evalf(self, digits: int = 15) -> sp.Expr:
        """The value to ``digits`` significant digits (0 stays the exact Integer 0)."""
        if digits not in self._cache:
            self._cache[digits] = (sp.Integer(0) if self.is_zero else
                                   self.context.evalf(self.compact, digits) if self.context else
                                   self.compact.evalf(digits))
        return self._cache[digits]

    def decimal(self, digits: int = 6) -> str:
        """The value as a decimal string with ``digits`` significant digits ("0.462117")."""
        check_digits(digits)
        return str(self.evalf(digits))

    def __float__(self) -> float:
        return float(self.evalf(20))

    def to_json(self) -> dict[str, Any]:
        """{"exact": closed form string, "value": float}: the contract's V."""
        text = self.context.closed_str(self.compact) if self.context else sp.sstr(self.compact)
        return {"exact": text, "value": float(self)}



__all__ = ["Hidden", "MAX_DIGITS", "Value", "check_digits"]
