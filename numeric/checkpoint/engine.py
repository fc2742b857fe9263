"""The executor: runs a Schedule's actions on numeric.bptt's own kernels (run_states, and the
δ recursion and loss kernels through the Stage of numeric/checkpoint/stage.py).

Per window of the truncation (one window for full BPTT) the plan reverses its steps from the
window's first state. Two kinds of runs of actions are merged, so that the work is done in
the engine's stacked kernels rather than step by step:

- ("advance", t-1, t), ("store", t), ... : one ``run_states`` call writes the states into slots;
- ("backward", t), ("free", ..), ("restore", t-2), ("backward", t-1), ... : the states of
  the run are gathered into the stage below the previous run's; consecutive runs are
  back-propagated together, one block at a time (output layer, loss, δ recursion and one GEMM
  per weight-gradient sum), with ∂L/∂h entering at the block's last step from the block after it.

Everything sized is prepared once per call, not per action: W_hh in Fortran order, the slot
pool, the stage (its free rows are the unstored advances' scratch).

Memory (the bound tests/test_checkpoint_memory.py checks): the slots (peak_stored - 1 rows: h_0
is the caller's), the current state, the stage (R + 1 state rows, R gradient rows, R·B·V
output gradients, R = stage_rows(plan) <= max(slots + 1, CHUNK)), plus the T-sized ∂L/∂x.
"""

from __future__ import annotations

import dataclasses
from bisect import bisect_right
from typing import Iterator

import numpy as np

from ..window import BPTTResult
from ..finite import nonfinite_names, quiet, warn_overflow
from ..forward import run_states
from ..prepare import Prepared
from ..truncation import UpdatePoint
from .schedule import Action, Checkpointing, Schedule, check_checkpoint

CHUNK = 32
"""States an unstored advance computes per run_states call (its scratch buffer's rows)."""

PY_OBJECTS = 32_000
"""Bytes allowed in peak_bound for Python objects (about 12 kB measured, whatever T)."""


def compile_actions(actions: Iterator[Action]) -> Iterator[tuple]:
    """Merge a plan's actions into the executor's operations, streamed::

        ("advance", a, b)          unstored advance (chunked)
        ("advance_store", a, b)    advance a -> b storing every state a+1..b
        ("store", t) ("restore", t) ("free", t)
        ("run", t, u, frees)       backward steps t, t-1, ..., u; the frees follow the run
    """
    it = iter(actions)
    pending: list[Action] = []

    def nxt() -> Action | None:
        return pending.pop() if pending else next(it, None)

    act = nxt()
    while act is not None:
        op = act[0]
        if op == "advance" and act[2] == act[1] + 1:
            a, b = act[1], act[2]
            follow = nxt()
            if follow != ("store", b):
                pending.append(follow) if follow is not None else None
                yield act
                act = nxt()
                continue
            while True:                             # extend while "advance 1, store" repeats
                n1, n2 = nxt(), None
                if n1 == ("advance", b, b + 1):
                    n2 = nxt()
                    if n2 == ("store", b + 1):
                        b += 1
                        continue
                pending += [x for x in (n2, n1) if x is not None]
                break
            yield ("advance_store", a, b)
        elif op == "backward":
            t = u = act[1]
            frees: list[int] = []
            while True:                             # extend while "free.., restore u-2, backward u-1"
                look: list[Action] = []
                x = nxt()
                while x is not None and x[0] == "free":
                    look.append(x)
                    x = nxt()
                if x == ("restore", u - 2):
                    y = nxt()
                    if y == ("backward", u - 1):
                        frees += [f[1] for f in look]
                        u -= 1
                        continue
                    look += [x] + ([y] if y is not None else [])
                elif x is not None:
                    look.append(x)
                pending += reversed(look)
                break
            yield ("run", t, u, tuple(frees))
        else:
            yield act
        act = nxt()


class _Window:
    """Executes one window's plan: states live in ``pool`` rows, h_{start-1} is given; the
    backward runs go to the call's Stage (numeric/checkpoint/stage.py)."""

    def __init__(self, p: Prepared, fwd, point: UpdatePoint, plan: Schedule, h_first: np.ndarray,
                 firsts: list[int], kept: dict, pool: np.ndarray, stage):
        self.p, self.fwd, self.point, self.base, self.n = p, fwd, point, point.start - 1, plan.T
        self.pool, self.stage = pool, stage
        self.free_rows = list(range(len(pool)))
        self.slot: dict[int, np.ndarray] = {0: h_first}
        self.row: dict[int, int] = {}
        self.cur: np.ndarray | None = h_first
        self.cur_buf = np.empty(h_first.shape, h_first.dtype)
        self.firsts, self.kept = firsts, kept
        self.h_last = None

    def _run_states(self, a: int, h_prev: np.ndarray, out: np.ndarray) -> None:
        """h_{a+1}.. into out (rows), window positions; later windows' first states are kept."""
        lo = self.base + a
        run_states(self.fwd, self.p.xs[lo:lo + len(out)], h_prev, out, self.p.activation)
        firsts = self.firsts
        for i in range(bisect_right(firsts, lo), bisect_right(firsts, lo + len(out))):
            if firsts[i] not in self.kept:
                self.kept[firsts[i]] = out[firsts[i] - lo - 1].copy()

    def _take_rows(self, k: int) -> list[int]:
        self.free_rows.sort()
        rows, self.free_rows = self.free_rows[:k], self.free_rows[k:]
        return rows

    def advance(self, a: int, b: int) -> None:
        prev, lo = self.cur, a
        while lo < b:                               # the stage's free rows are the scratch
            out = self.stage.scratch(b - lo, CHUNK)
            self._run_states(lo, prev, out)
            self.cur_buf[...] = out[-1]
            prev, lo = self.cur_buf, lo + len(out)
        self.cur = prev

    def advance_store(self, a: int, b: int) -> None:
        rows = self._take_rows(b - a)
        if rows == list(range(rows[0], rows[0] + len(rows))):
            self._run_states(a, self.cur, self.pool[rows[0]:rows[-1] + 1])
        else:                                       # scattered free rows: one step at a time
            for j, r in enumerate(rows):
                self._run_states(a + j, self.cur if j == 0 else self.pool[rows[j - 1]], self.pool[r:r + 1])
        for j, r in enumerate(rows):
            self.row[a + 1 + j], self.slot[a + 1 + j] = r, self.pool[r]
        self.cur = self.pool[rows[-1]]

    def store(self, t: int) -> None:
        if t == 0:                                  # h_first: the caller's array, no copy
            return
        r = self._take_rows(1)[0]
        self.pool[r] = self.cur
        self.row[t], self.slot[t] = r, self.pool[r]
        self.cur = self.pool[r]

    def restore(self, t: int) -> None:
        self.cur = self.slot[t]

    def free(self, t: int) -> None:
        del self.slot[t]
        if t in self.row:
            self.free_rows.append(self.row.pop(t))

    def run(self, t: int, u: int, frees: tuple[int, ...]) -> None:
        """Backward steps t..u: h_{u-1}..h_{t-2} are stored, h_{t-1} is current, h_t retained
        in the stage (or, for the window's last step, evaluated here: the one evaluation
        advances omit)."""
        k = t - u + 1
        buf = self.stage.open(k)
        buf[k - 1] = self.cur                       # cur: h_first, a slot or cur_buf (never the stage)
        for j in range(k - 1):
            buf[j] = self.slot[u - 1 + j]
        if t == self.n:
            self._run_states(t - 1, self.cur, buf[k:])
            if self.base + t == self.p.T:
                self.h_last = buf[k].copy()
        self.stage.add(self.base + u, self.base + t)   # back-propagated with its block (stage.py)
        self.cur = None
        for f in frees:
            self.free(f)

    def execute(self, plan: Schedule) -> None:
        self.stage.window(self.point)
        for op in compile_actions(plan.actions()):
            getattr(self, op[0])(*op[1:])
        self.stage.flush()


def checkpointed_bptt(p: Prepared, points: list[UpdatePoint], checkpoint: Checkpointing) -> BPTTResult:
    """numeric.bptt(..., checkpoint=...): each window reversed by the checkpoint's plan.

    Prepared once per call (not per action): W_hh in Fortran order (run_states' contiguous
    W_hhᵀ is then the array itself, not a fresh H² copy per advance), the slot pool and the
    stage, sized by the largest plan. The first state of every later window is copied when a
    sweep first passes it (at most about k2 / k1 + 1 of them are held at once under
    truncation; none for full BPTT).
    """
    from .stage import Stage                       # here: import numeric stays light (test_layout)
    check_checkpoint(checkpoint)
    prm, (B, H) = p.params, p.h0.shape
    dxs = np.zeros(p.xs.shape, prm.dtype)          # C order: windows write into it via views
    grads = prm.zeros_like()
    plans = {n: checkpoint.schedule(n) for n in sorted({pt.tau - pt.start + 1 for pt in points})}
    fwd = dataclasses.replace(prm, W_hh=np.asfortranarray(prm.W_hh))
    pool = np.empty((max(max(pl.peak_stored for pl in plans.values()) - 1, 1), B, H), prm.dtype)
    stage = Stage(p, max(stage_rows(pl) for pl in plans.values()), grads, dxs)
    firsts = sorted({pt.start - 1 for pt in points})
    kept: dict[int, np.ndarray] = {0: p.h0}
    dh0 = np.zeros_like(p.h0)
    h_last = None
    with np.errstate(**quiet):                      # overflow is reported once, below
        for point in points:
            plan = plans[point.tau - point.start + 1]
            first = point.start - 1
            for q in [q for q in kept if q < first]:   # no later window starts before this one
                del kept[q]
            win = _Window(p, fwd, point, plan, kept[first], firsts, kept, pool, stage)
            win.execute(plan)
            if point.start == 1:
                dh0 += stage.delta
            h_last = win.h_last if win.h_last is not None else h_last
            del win
    total = stage.loss
    bad = nonfinite_names(total, grads)
    if bad:
        warn_overflow("numeric.bptt (checkpointed)", bad, p.params, p.activation, p.T)
    return BPTTResult(total, grads, p.unbatch(dh0), p.unbatch(dxs, axis=1), p.unbatch(h_last))


def stage_rows(plan: Schedule) -> int:
    """Rows R of the stage for a plan: its longest backward run (at most peak_stored + 1 steps),
    at least CHUNK (the advances' scratch), never more than T."""
    return min(max(plan.peak_stored + 1, CHUNK), plan.T)


def peak_bound(plan: Schedule, *, B: int, D: int, H: int, V: int, itemsize: int) -> int:
    """The design bound on one full-BPTT call's allocated peak (tracemalloc), in bytes.

    (stored states + one window's working set)·B·H·itemsize + ∂L/∂x (T·B·D) + the parameter
    gradients and one parameter-sized temporary (a loss kernel's or a bias sum's; the stage's
    weight GEMMs write GEMM_ROWS rows at a time) + the forward's Fortran-order W_hh (H²). Stored: peak_stored - 1 rows (h_0 is the caller's). Working set,
    with R = stage_rows(plan): the stage's R + 1 state rows and R gradient rows, the δ
    recursion's f' scratch (<= R/8 rows) and six (B, H) temporaries (current state, ∂L/∂h
    entering a run, ∂L/∂h_0, h_T, the recursion's product, one more), the output gradients
    R·B·V and loss reductions (5·R·B), ∂L/∂x rows accumulated under truncation (R·B·D);
    plus NumPy's ufunc buffer (np.getbufsize() items: an in-place add of a broadcast bias
    iterates through it) and PY_OBJECTS bytes for the Python objects (the plan's task stack,
    the slot dictionaries).
    """
    R = stage_rows(plan)
    rows = (plan.peak_stored - 1) + (R + 1) + R + R // 8 + 1 + 6
    n_params = H * D + H * H + H + V * H + V
    return (rows * B * H + R * B * V + 5 * R * B + R * B * D + plan.T * B * D + 2 * n_params + H * H
            + np.getbufsize()) * itemsize + PY_OBJECTS
