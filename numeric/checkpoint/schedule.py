"""Checkpointing(slots, policy): which hidden states to store, and the plan that reverses T steps.

The model (Griewank & Walther, "Algorithm 799: revolve", ACM TOMS 26, 2000): the chain
h_0 -> h_1 -> ... -> h_T is reversed by a plan of actions on s checkpoint slots::

    ("store", t)      the current state h_t is copied into a free slot (h_0 takes one slot)
    ("restore", t)    the current state becomes the stored h_t
    ("advance", a, b) b - a cell evaluations take the current state from h_a to h_b
    ("backward", t)   back-propagate step t; the current state must be h_{t-1}
    ("free", t)       the slot of h_t is released

Forward steps are counted as Griewank and Walther count them: the sum of the advances. In
their model every backward step evaluates its own step once more; here only the first one
does (h_T), the later ones reuse h_t, the current state of the backward step before them.
So the engine evaluates the cell ``forward_steps + 1`` times, and full BPTT (T slots) is
T - 1 forward steps, T evaluations. With s slots the fewest forward steps are::

    beta(s, r) = C(s + r, s)                      # longest chain reversible with r repetitions
    t(l, s) = r*l - beta(s + 1, r - 1)   for beta(s, r - 1) < l <= beta(s, r)
            = min_i [i + t(i, s) + t(l - i, s - 1)],  t(l, 1) = l(l - 1)/2,  t(1, s) = 0

e.g. t(1000, 50) = 1948 (docs/checkpointing.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterator

from ..validate import check_choice, check_positive_int

POLICIES = ("every", "revolve", "sqrt")
"""revolve: Griewank-Walther's binomial schedule on ``slots``; sqrt: segments of ceil(sqrt T)
(Chen et al. 2016); every: a checkpoint every ``every`` steps."""

Action = tuple   # ("advance", a, b) or (op, t) with op in store / restore / backward / free


def beta(s: int, r: int) -> int:
    """C(s + r, s): the longest chain s slots reverse with at most r advances of each step."""
    return math.comb(s + r, s) if r >= 0 else 0


def repetitions(l: int, s: int) -> int:
    """The least r with beta(s, r) >= l: how often the busiest step is advanced."""
    r = 0
    while beta(s, r) < l:
        r += 1
    return r


def min_forward_steps(l: int, s: int) -> int:
    """Griewank-Walther's closed form t(l, s) = r*l - beta(s + 1, r - 1) (exact integers)."""
    l, s = check_positive_int("l", l), check_positive_int("s", s)
    r = repetitions(l, s)
    return r * l - beta(s + 1, r - 1)


DP_LIMIT = 400
"""min_forward_steps_dp is O(l^2 s): it refuses l > DP_LIMIT (use the closed form)."""


def min_forward_steps_dp(l: int, s: int) -> int:
    """The same minimum by its recursion T(n, s) = min_i [i + T(i, s) + T(n - i, s - 1)]."""
    l, s = check_positive_int("l", l), check_positive_int("s", s)
    if l > DP_LIMIT:
        raise ValueError(f"l must be <= {DP_LIMIT} for the O(l^2 s) recursion; got {l}.")
    return _dp(l, min(s, l))


@lru_cache(maxsize=None)
def _dp(n: int, s: int) -> int:
    if n == 1:
        return 0
    if s == 1:
        return n * (n - 1) // 2
    return min(i + _dp(i, s) + _dp(n - i, min(s - 1, n - i)) for i in range(1, n))


def _split(n: int, s: int) -> int:
    """An optimal first checkpoint i for reversing n steps with s slots (s >= 2, n >= 2): the
    head i is reversed with s slots and r - 1 repetitions, the tail n - i with s - 1 and r
    (beta(s, r) = beta(s, r - 1) + beta(s - 1, r)); within that range the tail is made long."""
    r = repetitions(n, s)
    lo, hi = max(1, n - beta(s - 1, r)), min(n - 1, beta(s, r - 1))
    return max(lo, min(hi, n - beta(s - 1, r - 1)))


def _revolve(T: int, s: int) -> Iterator[Action]:
    """The binomial plan, streamed: its task stack is O(s + r) deep, never O(T)."""
    cur = None
    todo: list = [("free", 0), ("reverse", 0, T, s)]
    yield ("store", 0)
    cur = 0
    while todo:
        task = todo.pop()
        if task[0] != "reverse":
            yield task
            continue
        _, a, b, k = task
        if cur != a:
            yield ("restore", a)
        if b - a == 1:                              # h_a is current, h_b the state before
            yield ("backward", b)
            cur = None
        elif k == 1:                                # no free slot: run up to h_{b-1}, back one
            yield ("advance", a, b - 1)
            yield ("backward", b)
            cur = None
            todo.append(("reverse", a, b - 1, 1))
        else:
            i = _split(b - a, k)
            yield ("advance", a, a + i)
            yield ("store", a + i)
            cur = a + i
            todo += [("reverse", a, a + i, k), ("free", a + i), ("reverse", a + i, b, k - 1)]


def _segments(T: int, k: int) -> Iterator[Action]:
    """Store h_0, h_k, h_2k, ...; reverse the segments last to first, storing each one's states."""
    starts = list(range(0, T, k))
    yield ("store", 0)
    for c in starts[1:]:
        yield ("advance", c - k, c)
        yield ("store", c)
    for j, c in enumerate(reversed(starts)):
        e = min(c + k, T)
        if j:
            yield ("restore", c)
        for t in range(c + 1, e):
            yield ("advance", t - 1, t)
            yield ("store", t)
        for t in range(e, c, -1):
            if t < e:
                yield ("restore", t - 1)
            yield ("backward", t)
            if t - 1 > c:
                yield ("free", t - 1)
        yield ("free", c)


@dataclass(frozen=True)
class Schedule:
    """The plan for one sequence of T steps (see the module docstring for the actions).

    forward_steps: the sum of the advances (Griewank-Walther's count; the engine evaluates the
    cell forward_steps + 1 times). peak_stored: the most slots in use at once (h_0's included).
    """

    T: int
    policy: str
    slots: int | None
    every: int | None
    forward_steps: int
    peak_stored: int

    def actions(self) -> Iterator[Action]:
        """The actions in order (a fresh iterator; the plan is never held as a T-sized list)."""
        if self.policy == "revolve":
            return _revolve(self.T, min(self.slots, self.T))
        return _segments(self.T, self.every)

    @property
    def cell_evaluations(self) -> int:
        """Cell evaluations the engine makes: the advances plus h_T, made by the first backward."""
        return self.forward_steps + 1

    @property
    def taped_evaluations(self) -> int:
        """Cell evaluations of an engine whose backward step needs its step's tape, not only the
        states (numeric.cells' generated engines: the gates): the advances plus one per step,
        Griewank-Walther's own count."""
        return self.forward_steps + self.T

    def time_factor(self, ratio: float = 2.0) -> float:
        """Predicted time ÷ full BPTT's when a backward step costs ``ratio`` forward steps:
        (evaluations + ratio·T) / (T + ratio·T); the recomputation is the only extra work."""
        return (self.cell_evaluations + ratio * self.T) / ((1.0 + ratio) * self.T)


@dataclass(frozen=True)
class Checkpointing:
    """Exact BPTT in bounded memory: store some hidden states, recompute the others.

    ``numeric.bptt(..., checkpoint=Checkpointing(slots=50))``. policy "revolve" (default) uses
    the binomial schedule with ``slots`` stored states (h_0's slot included), the fewest forward
    steps possible; "sqrt" stores every ceil(sqrt T)-th state; "every" every ``every``-th.
    """

    slots: int | None = None
    policy: str = "revolve"
    every: int | None = None

    def __post_init__(self) -> None:
        check_choice("policy", self.policy, POLICIES)
        need = {"revolve": "slots", "every": "every", "sqrt": None}[self.policy]
        for name in ("slots", "every"):
            value = getattr(self, name)
            if name == need:
                object.__setattr__(self, name, check_positive_int(name, value))
            elif value is not None:
                raise ValueError(f"{name}={value!r} is not used by policy={self.policy!r}; "
                                 f"{'give ' + need + ' only' if need else 'give neither slots nor every'}.")

    def segment(self, T: int) -> int | None:
        """The segment length of "sqrt" (ceil(sqrt T)) and "every"; None for "revolve"."""
        if self.policy == "revolve":
            return None
        return self.every if self.policy == "every" else math.isqrt(T - 1) + 1

    def schedule(self, T: int) -> Schedule:
        """The plan for T steps: its actions, forward steps and peak stored states."""
        T = check_positive_int("T", T)
        if self.policy == "revolve":
            s = min(self.slots, T)
            return Schedule(T, "revolve", self.slots, None, min_forward_steps(T, s), s)
        k = min(self.segment(T), T)
        m = -(-T // k)                              # checkpoints h_0, h_k, ... (m segments)
        steps = T - 1 + (m - 1) * (k - 1)           # first sweep to h_{T-1}, then k - 1 per segment
        last = T - (m - 1) * k                      # the last segment's length
        return Schedule(T, self.policy, None, k, steps, max(m + last - 1, (m - 1) + k - 1))

    def __str__(self) -> str:
        arg = {"revolve": f"slots={self.slots}", "every": f"every={self.every}", "sqrt": ""}[self.policy]
        return f"Checkpointing({arg + ', ' if arg else ''}policy={self.policy!r})"


def check_checkpoint(value) -> Checkpointing | None:
    """None or a Checkpointing; anything else is a TypeError naming ``checkpoint``."""
    if value is None or isinstance(value, Checkpointing):
        return value
    raise TypeError(f"checkpoint must be None or numeric.Checkpointing(slots=..., policy=...); "
                    f"got {type(value).__name__} {value!r}.")
