"""Unicode names (h₁, δ₂⁽⁴⁾, Wₕₕ[0,1]), the numeric order of time indices, the pretty printer.

- ``natural_order(e)``: ``e`` with every digit run of its symbol names zero-padded to one
  width, and the map back. SymPy orders the factors of a product and the terms of a sum by
  symbol *name*, so ``h10`` sorts before ``h2``; printing the padded expression and writing
  the real names back sorts time indices as numbers (h1, h2, ..., h10), with SymPy's own
  ordering and no printer of products or sums rewritten.
- ``unicode_name(name, letters=...)``: a contract name (docs/symbols.md) in Unicode. Digit
  indices always become subscripts; *letter* subscripts (the ``hh`` of ``W_hh``) only when
  ``letters`` is true, which the printers decide once per output with ``letter_subscripts``:
  Unicode has subscripts ₕ and ₓ but none for y, so an output that shows W_hy or b_y keeps
  every parameter as W_hh, W_hy, b_h, b_y, and one that does not (``bptt jacobian``) shows Wₕₕ.
- ``PrettyPrinter``: SymPy's 2-D printer with these names, |x| and the indicator [h₂ > 0].
"""

from __future__ import annotations

import re
from typing import Any

import sympy as sp
from sympy.printing.pretty.pretty import PrettyPrinter as _SympyPretty
from sympy.printing.pretty.stringpict import prettyForm

from ..symbols import _PARAM_RE, _TIME_RE   # the contract's one definition of the names

SUB = dict(zip("0123456789+-=()aehijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ"))
SUP = dict(zip("0123456789+-=()n", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿ"))
GREEK = {"delta": "δ", "tau": "τ", "gamma": "γ"}
_DIGITS = re.compile(r"\d+")
_MATRIX_RE = re.compile(r"^(delta|h|x|y|a|o)_(\d+)(?:\^\((\d+)\))?$")   # matrix notation: h_1, delta_2^(4)
_PLAIN_RE = re.compile(r"^([A-Za-z]+)(\d+)$")                          # c0, c12 (cse temporaries)


def subscript(s: str) -> str:
    return "".join(SUB[c] for c in s)


def superscript(s: str) -> str:
    return "".join(SUP[c] for c in s)


def _letters_part(sub: str, letters: bool) -> str:
    return subscript(sub) if letters and all(c in SUB for c in sub) else "_" + sub


def unicode_name(name: str, *, letters: bool = True) -> str:
    """``h1`` -> ``h₁``, ``delta2_tau4`` -> ``δ₂⁽⁴⁾``, ``x1_0`` -> ``x₁[0]``, ``W_hh_0_1`` ->
    ``Wₕₕ[0,1]`` (``W_hh[0,1]`` unless ``letters``); other names are returned unchanged."""
    m = _PARAM_RE.match(name)
    if m:
        base, i, j = m.groups()
        head, sub = base.split("_")
        idx = ",".join(v for v in (i, j) if v is not None)
        return head + _letters_part(sub, letters) + (f"[{idx}]" if idx else "")
    m = _TIME_RE.match(name) or _MATRIX_RE.match(name)
    if m:
        base, t, tau, i = (m.groups() + (None,))[:4]
        out = GREEK.get(base, base) + subscript(t) + (superscript(f"({tau})") if tau else "")
        return out + (f"[{i}]" if i is not None else "")
    m = _PLAIN_RE.match(name)
    if m:
        return m.group(1) + subscript(m.group(2))
    if name in ("norm_W_hh", "norm_W_hhT"):          # the bound's ‖W_hh‖, ‖W_hhᵀ‖
        return "‖" + unicode_name("W_hh", letters=letters) + ("ᵀ‖" if name.endswith("T") else "‖")
    return name


def letter_subscripts(*exprs: Any) -> bool:
    """True when every letter subscript of the parameter names in ``exprs`` has a Unicode
    subscript (no W_hy, b_y): the one rule an output applies to all its names."""
    for e in exprs:
        if not isinstance(e, sp.Basic):
            continue
        for s in e.atoms(sp.Symbol, sp.MatrixSymbol):
            m = _PARAM_RE.match(str(s.name))
            if m and not all(c in SUB for c in m.group(1).split("_")[1]):
                return False
    return True


def natural_order(e: Any) -> tuple[Any, dict[str, str]]:
    """(e with digit runs of its symbol names zero-padded to one width, {padded: real name}).

    Nothing changes (and nothing is rebuilt) while every index has one digit, so outputs of
    T < 10 stay as they were; a padding that would merge two names is not applied.
    """
    if not isinstance(e, sp.Basic):
        return e, {}
    syms = [s for s in e.atoms(sp.Symbol, sp.MatrixSymbol) if type(s) in (sp.Symbol, sp.MatrixSymbol)]
    width = max((len(d) for s in syms for d in _DIGITS.findall(str(s.name))), default=1)
    if width < 2:
        return e, {}

    def pad(name: str) -> str:
        return _DIGITS.sub(lambda m: m.group().zfill(width), name)

    new = {s: sp.Symbol(pad(s.name), **s.assumptions0) if isinstance(s, sp.Symbol)
           else sp.MatrixSymbol(pad(str(s.name)), *s.shape) for s in syms}
    back = {str(v.name): str(s.name) for s, v in new.items()}
    if len(back) < len(new):
        return e, {}
    return e.xreplace(new), back


class PrettyPrinter(_SympyPretty):
    """SymPy's pretty printer with the contract's Unicode names and the indicator [cond]."""

    def __init__(self, *, letters: bool = True, back: dict[str, str] | None = None,
                 names: dict[str, str] | None = None) -> None:
        super().__init__({"use_unicode": True})
        self._letters, self._back, self._names = letters, back or {}, names or {}

    def _print_Symbol(self, e, bold_name=False):
        name = self._back.get(str(e.name), str(e.name))
        return prettyForm(self._names.get(name) or unicode_name(name, letters=self._letters))

    _print_MatrixSymbol = _print_Symbol

    def _print_Piecewise(self, e):
        cond = indicator(e)
        if cond is None:
            return super()._print_Piecewise(e)
        return prettyForm(*self._print(cond).parens("[", "]"))


def indicator(e: Any):
    """The condition of an indicator ``Piecewise((1, cond), (0, True))``, else None."""
    if isinstance(e, sp.Piecewise) and len(e.args) == 2:
        (one, cond), (zero, last) = e.args
        if one == 1 and zero == 0 and last == sp.true:
            return cond
    return None


def pretty(e: Any, *, letters: bool = True, names: dict[str, str] | None = None) -> str:
    """2-D Unicode form of ``e`` (time indices in numeric order)."""
    padded, back = natural_order(e)
    return PrettyPrinter(letters=letters, back=back, names=names).doprint(padded)
