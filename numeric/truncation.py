"""Truncation(k1, k2) and its update-point schedule (docs/truncation.md).

Definition (Williams & Peng's BPTT(h; h'), Sutskever's TBPTT(k1, k2)): update points are
tau = k1, 2 k1, ... and T (T once, even when k1 does not divide it). At each tau the losses
L_t with tau_prev < t <= tau are back-propagated through the steps s = tau - k2 + 1 ... tau
(clamped at 1); nothing flows further back. The schedule as a plain loop::

    tau_prev = 0
    for tau in (k1, 2*k1, ..., T):
        window = range(max(1, tau - k2 + 1), tau + 1)   # steps delta reaches
        losses = range(tau_prev + 1, tau + 1)           # losses back-propagated
        tau_prev = tau
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from typing import NamedTuple


@dataclass(frozen=True)
class Truncation:
    """Truncated BPTT with update every k1 steps, back-propagating through k2 steps.

    k2 >= k1 >= 1. ``Truncation(k, k)`` is the article's chunked scheme; ``Truncation(1, k)``
    lets every loss reach k hidden states back (k - 1 Jacobian factors).
    """

    k1: int
    k2: int

    def __post_init__(self) -> None:
        for name in ("k1", "k2"):
            v = _as_int(getattr(self, name), f"truncation {name}", "an integer >= 1")
            if v < 1:
                raise ValueError(f"truncation {name} must be an integer >= 1; got {v}.")
            object.__setattr__(self, name, v)
        if self.k2 < self.k1:
            raise ValueError(
                f"truncation needs k2 >= k1 (every loss of a segment must be inside its window); "
                f"got k1={self.k1}, k2={self.k2}."
            )

    @classmethod
    def parse(cls, value: "Truncation | int | str | tuple[int, int]") -> "Truncation":
        """Accept Truncation, an int k (k1 = k2 = k), a pair (k1, k2) or the text 'k' / 'k1,k2'."""
        if isinstance(value, Truncation):
            return value
        if isinstance(value, str):
            parts = [p.strip() for p in value.split(",")]
            if len(parts) not in (1, 2) or not all(p.lstrip("-").isdigit() and p.isascii() for p in parts):
                raise ValueError(f"truncation must be 'k' or 'k1,k2' with integers; got {value!r}.")
            nums = [int(p) for p in parts]
            return cls(nums[0], nums[-1])
        if isinstance(value, tuple) and len(value) == 2:
            return cls(*value)
        k = _as_int(value, "truncation",
                    "None, an int k, a pair (k1, k2), the text 'k1,k2' or numeric.Truncation(k1, k2)")
        return cls(k, k)

    def __str__(self) -> str:
        return f"Truncation(k1={self.k1}, k2={self.k2})"


class UpdatePoint(NamedTuple):
    """One update point: losses tau_prev < t <= tau, window steps start .. tau (1-based)."""

    tau_prev: int
    tau: int
    start: int


def _as_int(value: object, what: str, accepted: str) -> int:
    """``value`` as a Python int when it is an integer (int, NumPy integer, integer 0-d array);
    bools, floats (2.0 included), strings and float arrays raise a TypeError naming ``what``."""
    if isinstance(value, bool):
        raise TypeError(f"{what} must be {accepted}; got bool {value!r}.")
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(f"{what} must be {accepted}; got {type(value).__name__} {value!r}.") from None


def update_points(T: int, truncation: Truncation | int | None) -> list[UpdatePoint]:
    """The schedule of update points for a sequence of length T >= 1.

    ``truncation``: None (one point, full BPTT), an int k or a Truncation(k1, k2).
    """
    T = _as_int(T, "T", "an integer >= 1")
    if T < 1:
        raise ValueError(f"T must be an integer >= 1; got {T}.")
    if truncation is None:
        return [UpdatePoint(0, T, 1)]
    truncation = Truncation.parse(truncation)
    k1, k2 = truncation.k1, truncation.k2
    taus = list(range(k1, T + 1, k1))
    if not taus or taus[-1] != T:
        taus.append(T)
    points, prev = [], 0
    for tau in taus:
        points.append(UpdatePoint(prev, tau, max(1, tau - k2 + 1)))
        prev = tau
    return points
