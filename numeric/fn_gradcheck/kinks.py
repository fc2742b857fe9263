"""Kinks: a loss that is not differentiable within eps of the point (relu, abs, max).

The two calls of each central difference also give the second difference
s_i = (L(θ + ε e_i) − 2·L(θ) + L(θ − ε e_i)) / ε, for free. Where L is smooth, s_i ≈ ε·∂²L/∂θ_i²
(tiny); where a kink lies at distance d < ε from θ_i, with slopes g− and g+ on its two sides,
s_i = (g+ − g−)·(1 − d/ε) and the central difference is g− + s_i/2: it differs from either
one-sided derivative (which is what a correct analytic gradient returns there) by s_i/2, at
eps and at 10·eps alike — so a correct gradient would be a FAIL. Such a verdict is turned into
"inconclusive" when the kinks explain the whole error: the entries at a kink (|s_i| > KINK_SIZE
of their derivative, or |a_i − n_i| <= KINK_SHARE·|s_i|) left out, the others pass the
comparison's own test (relative error < rtol). An error anywhere else keeps the verdict.
"""

from __future__ import annotations

import dataclasses
from typing import Callable

import numpy as np

from ..gradcheck_verdict import RESOLUTION, GradcheckEntry

# |a − n| = |s|/2 exactly for a piecewise-linear kink; 0.6 leaves room for the curvature and
# round-off of the two sides, and stays far below |s| (a wrong slope on the kink's far side).
KINK_SHARE = 0.6
# An entry is at a kink when |s| > 1 % of its derivative: smooth, s = eps·∂²L/∂θ² would need a
# curvature 10⁴ times the slope (at eps 1e-6). Several kinks crossed by one step (a zero-init
# layer: every unit at 0) give slopes g− and g+ on the two sides that the analytic subgradient
# (relu'(0) = 0) need not match; such entries are excluded from the comparison, not judged.
KINK_SIZE = 1e-2
# ... and |s| > 1e-4 of the array's largest derivative: an entry whose own derivative is near 0
# would otherwise pass the 1 % test on its curvature alone (smooth s = eps·∂²L/∂θ² would need a
# curvature 100 times the largest slope).
KINK_FLOOR = 1e-4


def differences(f: Callable[[], float], a: np.ndarray, eps: float, center: float,
                tick: Callable[[int], None] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(central differences ∂f/∂a, second differences s) perturbing ``a`` in place and restoring it."""
    g, s = np.empty(a.shape, np.float64), np.empty(a.shape, np.float64)
    flat = a.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        fp = f()
        flat[i] = old - eps
        fm = f()
        flat[i] = old
        g.flat[i] = (fp - fm) / (2 * eps)
        s.flat[i] = (fp - 2 * center + fm) / eps
        if tick is not None:
            tick(1)
    return g, s


def explain_by_kinks(entry: GradcheckEntry, a: np.ndarray, n: np.ndarray, s: np.ndarray,
                     eps: float) -> GradcheckEntry:
    """The entry, made inconclusive if it is not a pass only because of kinks within eps."""
    if entry.status == "pass" or not np.all(np.isfinite(n)) or not np.all(np.isfinite(a)):
        return entry
    if entry.noise_floor is None or entry.noise_floor > RESOLUTION * max(np.linalg.norm(a), np.linalg.norm(n)):
        return entry                      # round-off swamps the differences: that verdict stands
    s = np.nan_to_num(np.abs(s))
    err = np.abs(a - n)
    big = s > KINK_FLOOR * float(np.max(np.abs(n), initial=0.0))
    kinked = big & ((s > KINK_SIZE * np.maximum(np.abs(a), np.abs(n))) | (err <= KINK_SHARE * s))
    rest = np.where(kinked, 0.0, err)
    scale = max(float(np.linalg.norm(a) + np.linalg.norm(n)), entry.atol)
    if not np.any(kinked) or float(np.linalg.norm(rest)) >= entry.rtol * scale:
        return entry
    where = np.unravel_index(int(np.argmax(np.where(kinked, s, -1.0))), s.shape)
    index = ", ".join(str(int(i)) for i in where)
    return dataclasses.replace(
        entry, verdict="inconclusive", suggested_eps=None,
        reason=f"the loss is not differentiable within eps={eps:g} of the point (a kink: relu, abs, max...): "
               f"at {entry.name}[{index}] its slopes on the two sides differ by {float(s[where]):.3g}, and "
               "the kinks account for the whole difference from the analytic gradient; move the point "
               "(another --seed or make_params) away from the kink")
