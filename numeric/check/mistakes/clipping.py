"""Clipping inside fn, recognised before anything else.

Element-wise clipping to [−c, c] (the classic char-RNN's np.clip(dparam, -5, 5)) or rescaling
of all the parameter gradients together to a global norm c leaves the same c in every case it
touches: the largest |entry| (or the global norm) of fn's gradients is exactly c in several
failing cases. ``find_clip`` finds such a c (MIN_CASES cases or more); ``apply`` clips an
answer the way fn does, so a case is explained by clipping alone when fn's answer is the
reference's clipped, and a mistake may be recognised behind the clipping (its variant clipped).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

MIN_CASES = 3


def _norm(got: dict[str, Any], names: tuple[str, ...]) -> float:
    return float(np.sqrt(sum(float((np.asarray(got[n], float) ** 2).sum()) for n in names)))


def _peak(got: dict[str, Any], names: tuple[str, ...]) -> float:
    return max(float(np.abs(np.asarray(got[n], float)).max()) for n in names)


def find_clip(failing: list[Any], weights: tuple[str, ...]) -> tuple[str, float] | None:
    """('value', c) or ('norm', c) shared by MIN_CASES failing cases or more, whose reference
    exceeds c there; None when no c recurs."""
    for kind, measure in (("value", _peak), ("norm", _norm)):
        seen: Counter = Counter()
        for o in failing:
            names = tuple(n for n in weights if n in o.got and n in o.expected)
            if not names or not all(np.all(np.isfinite(np.asarray(o.expected[n], float))) for n in names):
                continue
            c = measure(o.got, names)
            if c > 0 and measure(o.expected, names) > c * (1 + 1e-9):
                seen[c] += 1
        if seen:
            c, k = seen.most_common(1)[0]
            if k >= MIN_CASES:
                return kind, c
    return None


def apply(answer: dict[str, Any], clip: tuple[str, float], weights: tuple[str, ...]) -> dict[str, Any]:
    """``answer`` with its parameter gradients clipped as fn clips them."""
    kind, c = clip
    names = tuple(n for n in weights if n in answer)
    if kind == "value":
        return dict(answer) | {n: np.clip(np.asarray(answer[n], float), -c, c) for n in names}
    norm = _norm(answer, names)
    f = min(1.0, c / norm) if norm > 0 else 1.0
    return dict(answer) | {n: np.asarray(answer[n], float) * f for n in names}
