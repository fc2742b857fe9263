"""Localising a wrong answer in time, where the convention exposes it: the row convention's
dx (N, T, D) has one block per step, so the steps t whose dx_t is wrong can be named.

Per failing case, dx_t is judged like a quantity of its own (numeric/check/compare.py's
error, with dx's magnitude bound restricted to step t). A backward pass runs t = T .. 1, so
the latest wrong step is where the error enters; the summary counts, over the failing cases,
whether dx_T itself is wrong and the first step t (in time order) whose dx_t is wrong.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from .magnitude import case_magnitudes
from .spec import CheckSpec


def wrong_steps(o: Any, spec: CheckSpec) -> list[int]:
    """1-based steps t whose dx_t is wrong in the outcome ``o`` (row convention)."""
    g, e = np.asarray(o.got["dx"], float), np.asarray(o.expected["dx"], float)
    nu = None
    out = []
    for t in range(g.shape[1]):
        d, size = np.linalg.norm(g[:, t] - e[:, t]), np.linalg.norm(g[:, t]) + np.linalg.norm(e[:, t])
        if not np.isfinite(d):
            out.append(t + 1)
            continue
        if d < spec.tol.rtol * max(size, spec.tol.tiny):
            continue
        nu = case_magnitudes(o.case, True)["dx"] if nu is None else nu
        floor = spec.tol.floor * np.linalg.norm(nu[:, t])
        if not d / max(size, floor, spec.tol.tiny) < spec.tol.rtol:
            out.append(t + 1)
    return out


def localise(outcomes: list[Any], spec: CheckSpec) -> str | None:
    """One sentence on where in time dx goes wrong, or None (column convention, dx right)."""
    if not spec.row:
        return None
    bad = [o for o in outcomes if o.failure is None and "dx" in o.wrong and o.case.T > 1]
    if len(bad) < 3:
        return None
    steps = [(o.case.T, wrong_steps(o, spec)) for o in bad]
    steps = [(T, s) for T, s in steps if s]
    if not steps:
        return None
    last_wrong = sum(1 for T, s in steps if T in s)
    first = Counter(min(s) for _, s in steps)
    firsts = ", ".join(f"t = {t} in {k}" for t, k in sorted(first.items()))
    where = ("dx_T (the last step) is right in every one of them, so the error enters through the "
             "term carried back from step t + 1" if last_wrong == 0 else
             f"dx_T (the last step) is already wrong in {last_wrong} of them")
    return (f"Localised in time (row convention, over {len(steps)} failing cases with T > 1): {where}; "
            f"the first step whose dx_t is wrong: {firsts}.")
