"""A strict reader of exact numbers: "3", "-0.25", "1/4" -> sympy.Rational.

User strings never reach ``sympy.sympify`` or ``eval`` (either would run arbitrary code:
``sympify("__import__('os').system(...)")``). A regular expression accepts exactly

  integer   [+-]digits              "3", "-2", "+7"
  decimal   [+-]digits.digits       "0.1" (= 1/10, not the binary float), "-.5", "2."
  scientific  a decimal, e or E, [+-]digits   "1e-3" (= 1/1000), "2.5E2" (= 250), |exponent| <= 1000
  fraction  [+-]digits/digits       "1/4", "-3/8" (denominator not 0)

and the Rational is built from Python integers. Anything else is a ValueError that names
the flag or argument and lists these forms.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from numbers import Integral, Rational as _RationalABC, Real
from typing import Any, Sequence

import sympy as sp

ACCEPTED = "an integer (3, -2), a decimal (0.1, -.5, 1e-3) or a fraction (1/4, -3/8)"
MAX_CHARS = 100   # a longer number is almost surely a mistake (and int() refuses > 4300 digits)
MAX_EXPONENT = 1000   # 1e1000000 would be a million-digit integer: refused, not computed

_DECIMAL = re.compile(r"([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?", re.ASCII)   # ASCII digits only
_FRACTION = re.compile(r"([+-]?)(\d+)/(\d+)", re.ASCII)


def _error(name: str, got: Any) -> ValueError:
    return ValueError(f"{name} must be {ACCEPTED}; got {got!r}.")


def parse_number(text: str, *, name: str = "value") -> sp.Rational:
    """Read one exact number from a string.

    Args:
      text: the user's string; surrounding spaces are ignored, nothing else is.
      name: the flag or argument the string came from, used in the error message.
    Returns:
      sympy.Rational (an Integer for integers).
    Raises:
      TypeError: text is not a str.
      ValueError: text is not an integer, decimal or fraction (see the module docstring).
    """
    if not isinstance(text, str):
        raise TypeError(f"{name} must be a string; got {type(text).__name__} {text!r}.")
    s = text.strip()
    if len(s) > MAX_CHARS:
        raise ValueError(f"{name} must be {ACCEPTED} of at most {MAX_CHARS} characters; "
                         f"got {len(s)} characters.")
    m = _FRACTION.fullmatch(s)
    if m:
        sign, num, den = m.groups()
        if int(den) == 0:
            raise ValueError(f"{name} is a fraction with denominator 0; got {text!r}.")
        value = sp.Rational(int(num), int(den))
        return -value if sign == "-" else value
    m = _DECIMAL.fullmatch(s)
    if m and (m.group(2) or m.group(3)):        # at least one digit, before or after the point
        sign, whole, frac, exp = m.group(1), m.group(2) or "0", m.group(3) or "", int(m.group(4) or 0)
        if abs(exp) > MAX_EXPONENT:
            raise ValueError(f"{name} must have an exponent from -{MAX_EXPONENT} to {MAX_EXPONENT}; got {text!r}.")
        num, den = int(whole + frac) * 10 ** max(exp, 0), 10 ** (len(frac) + max(-exp, 0))
        value = sp.Rational(num, den)
        return -value if sign == "-" else value
    raise _error(name, text)


def parse_list(text: str, *, name: str = "values") -> tuple[sp.Rational, ...]:
    """Read a comma-separated list of exact numbers ("1, 1/4, 0.25"); at least one.

    Args:
      text: the user's string, e.g. the value of ``--x``.
      name: the flag, used in error messages (which also name the bad item's position).
    Returns:
      tuple of sympy.Rational, in order.
    """
    if not isinstance(text, str):
        raise TypeError(f"{name} must be a string; got {type(text).__name__} {text!r}.")
    items = text.split(",")
    if not text.strip():
        raise ValueError(f"{name} must be a comma-separated list of at least one number, each "
                         f"{ACCEPTED}; got {text!r}.")
    out = []
    for i, item in enumerate(items, start=1):
        if not item.strip():
            raise ValueError(f"{name} has an empty item at position {i}; got {text!r}. "
                             f"Give numbers separated by single commas, each {ACCEPTED}.")
        out.append(parse_number(item, name=f"{name} item {i}"))
    return tuple(out)


def as_rational(value: Any, *, name: str = "value") -> sp.Rational:
    """An exact Rational from a Python/SymPy number or a string (read by ``parse_number``).

    ints, ``fractions.Fraction`` and sympy Rationals are taken as they are; a float is read
    by its shortest repr, so 0.1 gives 1/10 (what was typed), not the binary double;
    strings go through the strict parser. Booleans, NaN, infinities and anything else fail.
    """
    if isinstance(value, bool):
        raise TypeError(f"{name} must be a number; got bool {value!r}.")
    if isinstance(value, sp.Rational):
        return value
    if isinstance(value, sp.Basic):
        raise TypeError(f"{name} must be an exact rational number; got the SymPy object {value!r}.")
    if isinstance(value, Integral):
        return sp.Integer(int(value))
    if isinstance(value, (Fraction, _RationalABC)):
        return sp.Rational(int(value.numerator), int(value.denominator))
    if isinstance(value, Real):                 # float, NumPy floats: read their shortest repr
        value = float(value)
        if not math.isfinite(value):
            raise ValueError(f"{name} must be finite; got {value!r}.")
        try:
            num, den = Decimal(repr(value)).as_integer_ratio()
        except (InvalidOperation, ValueError):  # pragma: no cover - repr of a finite float parses
            raise _error(name, value) from None
        return sp.Rational(num, den)
    if isinstance(value, str):
        return parse_number(value, name=name)
    raise TypeError(f"{name} must be a number or a string ({ACCEPTED}); "
                    f"got {type(value).__name__} {value!r}.")


def as_rationals(values: Any, *, name: str = "values") -> tuple[sp.Rational, ...]:
    """A tuple of Rationals from a sequence of numbers or a comma-separated string."""
    if isinstance(values, str):
        return parse_list(values, name=name)
    if not isinstance(values, Sequence) and not hasattr(values, "__iter__"):
        raise TypeError(f"{name} must be a sequence of numbers or a comma-separated string; "
                        f"got {type(values).__name__} {values!r}.")
    return tuple(as_rational(v, name=f"{name}[{i}]") for i, v in enumerate(values))


__all__ = ["ACCEPTED", "as_rational", "as_rationals", "parse_list", "parse_number"]
