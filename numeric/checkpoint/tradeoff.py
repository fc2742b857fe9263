"""tradeoff(T): memory against time for every setting of the three policies and of truncation.

The Gruslys-style curve of ``bptt memory --tradeoff`` and ``bptt plot memory-tradeoff``: for
s = 1 … T slots (revolve), k = 1 … T (every k), ⌈√T⌉ (sqrt) and Truncation(k, k) for k = 1 … T,
the states held at the peak and the time over full BPTT's when a backward step costs ``ratio``
forward steps. Closed forms only (no plan is built), so all of T = 10⁴ takes well under a second.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..validate import check_positive_int, check_positive_real
from .schedule import Checkpointing, min_forward_steps

TRADEOFF_LIMIT = 20_000
"""tradeoff refuses T above this (one row per setting and policy: 3·T rows)."""


@dataclass(frozen=True)
class TradeoffPoint:
    """One setting: policy ("revolve", "every", "sqrt", "truncation"), its parameter (s or k),
    the states held at the peak, the forward steps (Griewank-Walther's count), the predicted
    time ÷ full BPTT's, and whether the gradient is exact (truncation's is not)."""

    policy: str
    parameter: int
    stored: int
    forward_steps: int
    time_factor: float
    exact: bool


def _factor(T: int, steps: int, ratio: float) -> float:
    return (steps + 1 + ratio * T) / ((1.0 + ratio) * T)


def tradeoff(T: int, *, ratio: float = 2.0) -> list[TradeoffPoint]:
    """Every point of the trade-off for a sequence of T steps (see the module docstring).

    Truncation(k, k) runs T forward and T backward steps whatever k (time factor 1) and holds
    k + 1 states, but its gradient is not the full one.
    """
    T = check_positive_int("T", T)
    if T > TRADEOFF_LIMIT:
        raise ValueError(f"T must be <= {TRADEOFF_LIMIT} for the trade-off (3·T rows); got {T}.")
    ratio = check_positive_real("ratio", ratio)
    points = []
    for s in range(1, T + 1):
        steps = min_forward_steps(T, s)
        points.append(TradeoffPoint("revolve", s, s, steps, _factor(T, steps, ratio), True))
    for k in range(1, T + 1):
        plan = Checkpointing(policy="every", every=k).schedule(T)
        points.append(TradeoffPoint("every", k, plan.peak_stored, plan.forward_steps,
                                    _factor(T, plan.forward_steps, ratio), True))
    plan = Checkpointing(policy="sqrt").schedule(T)
    points.append(TradeoffPoint("sqrt", plan.every, plan.peak_stored, plan.forward_steps,
                                _factor(T, plan.forward_steps, ratio), True))
    for k in range(1, T + 1):
        points.append(TradeoffPoint("truncation", k, k + 1, T - 1, 1.0, k >= T))
    return points
