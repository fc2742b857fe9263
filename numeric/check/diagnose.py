"""The diagnostic sweep and what it shows: per quantity, wrong or right, from which T, and
under which factor levels (numeric/check/hints.py turns that into plain language).

The sweep evaluates a few seeded cases for every combination of factor levels (activation,
loss placement, h0 zero / non-zero, batch size, weight scale, truncation) and every T from 1 to
max_T. A quantity "depends on" a factor when it is wrong at some of its levels and never
wrong at the others.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .compare import Outcome, evaluate
from .problems import draw_case
from .spec import CheckSpec

ERROR = "(raises)"          # pseudo-quantity: fn raised or answered in the wrong form
SWEEP_TARGET = 300          # about this many cases, and at least one per (levels, T) cell


@dataclass(frozen=True)
class Finding:
    """One quantity's verdict over every case it was compared on.

    depends: for each varied factor, (levels where it was wrong, levels where it never was),
    counted over the sweep only (balanced over the levels).
    """

    name: str
    wrong: bool
    max_error: float
    smallest_T: int | None
    depends: dict[str, tuple[tuple[str, ...], tuple[str, ...]]]
    count_wrong: int
    count: int
    zeros: bool = False          # at its smallest T every wrong answer was exactly zero
    counts: dict[str, dict[str, tuple[int, int]]] = field(default_factory=dict)  # factor: level: (wrong, cases), sweep


def sweep(fn: Callable, spec: CheckSpec, progress: Callable[[int], None] | None = None) -> list[Outcome]:
    """per_cell(spec) cases for every combination of factor levels and every T in 1..max_T."""
    rng = np.random.default_rng(spec.seed)
    factors = spec.factors()
    out = []
    for combo in itertools.product(*factors.values()):
        levels = dict(zip(factors, combo))
        for T in range(1, spec.max_T + 1):
            for _ in range(per_cell(spec)):
                out.append(evaluate(fn, draw_case(rng, spec, levels, T), spec))
                if progress:
                    progress(1)
    return out


def _cells(spec: CheckSpec) -> int:
    return int(np.prod([len(v) for v in spec.factors().values()])) * spec.max_T


def per_cell(spec: CheckSpec) -> int:
    return max(1, -(-SWEEP_TARGET // _cells(spec)))


def sweep_size(spec: CheckSpec) -> int:
    return _cells(spec) * per_cell(spec)


def _bad(o: Outcome) -> set[str]:
    return {ERROR} if o.failure else set(o.wrong)


def findings(names: list[str], outcomes: list[Outcome], swept: list[Outcome], spec: CheckSpec) -> list[Finding]:
    """A Finding for every name (and for ERROR when some case raised)."""
    if any(o.failure for o in outcomes):
        names = names + [ERROR]
    factors = {f: lv for f, lv in spec.factors().items() if len(lv) > 1}
    result = []
    for n in names:
        errs = [o.errors[n] for o in outcomes if n in o.errors]
        bad = [o for o in outcomes if n in _bad(o)]
        bad_sw = [o for o in swept if n in _bad(o)]
        depends, counts = {}, {}
        judged = [o for o in swept if o.failure or n in o.errors or n == ERROR]
        for f, levels in factors.items():
            seen = {o.case.levels(spec)[f] for o in bad_sw}
            depends[f] = (tuple(lv for lv in levels if lv in seen), tuple(lv for lv in levels if lv not in seen))
            counts[f] = {lv: (sum(o.case.levels(spec)[f] == lv for o in bad_sw),
                              sum(o.case.levels(spec)[f] == lv for o in judged)) for lv in levels}
        t_min = min((o.case.T for o in bad), default=None)
        zeros = n != ERROR and bool(bad) and all(
            not np.any(o.got[n]) for o in bad if o.case.T == t_min and o.got is not None)
        result.append(Finding(n, bool(bad), max(errs, default=float("nan")), t_min, depends, len(bad),
                              len(errs) if n != ERROR else len(outcomes), zeros, counts))
    return result
