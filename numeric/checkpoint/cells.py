"""Checkpointed BPTT for the generated cell engines: numeric.cells.bptt(..., checkpoint=...).

The plan (numeric/checkpoint/schedule.py) does not depend on the cell: it stores and restores
*states*, here the dict of every state of the cell ({"h", "c"} for the LSTM), and back-propagates
in runs (the merged operations of numeric/checkpoint/engine.py). What the generated module
(numeric/generated/cells/<cell>.py) gives and what is done with it:

- forward from a stored state: ``m.forward(P, S, xs[a:b], state_a, dims, activation)`` is the
  tape of steps a+1..b (its ``s_<state>[0]`` is state_a). Unstored advances run it in chunks of
  CHUNK steps and keep only the last state; ``advance_store`` keeps every state.
- backward over a run u..t: the gates the backward reads are not states, so the run's tape is
  made again by one forward over u..t from the stored state s_{u-1} (Griewank-Walther's own
  count: every backward step evaluates its step once more), then ``m.backward(P, S, tape, seed,
  1, k)`` with the seed of the run's losses and ∂L/∂s_t entering from the run after it.

The adjoint of *every* state entering a run from the run after it (∂L/∂s_t; for the LSTM h and
c) goes in by ``backward(..., d_in={state: ∂L/∂s_tau})``, the hook the generated engines have
for this. A module without it (an older ``bptt generate``) still works when its only state is
its output state (the loop adds seed[r] to that state's adjoint before each step, so d_in joins
the seed of the run's last step, exactly); any other is refused with a NotImplementedError
naming the hook, never given a wrong gradient.

Cell evaluations: the plan's forward steps plus one per backward step (Schedule.taped_evaluations).
"""

from __future__ import annotations

import functools
import inspect
from bisect import bisect_right

import numpy as np

from ..finite import quiet
from ..cells.windows import logits
from ..kernels import loss_and_grad_
from .engine import CHUNK, compile_actions
from .schedule import Checkpointing, check_checkpoint


def checkpointed_cells(run, y, w, points, loss: str, first: int, scale: float, checkpoint: Checkpointing):
    """The checkpointed numeric.cells.bptt over the prepared ``run`` (numeric/cells/engine.py's
    _Run: m, P, dims, xs (T, B, D), state0 {state: (B, dim)}, activation, batched).

    y, w: targets and loss weights in engine layout; points: the update points; the losses are
    at steps first..T, scaled by ``scale``. Returns (loss, grads, dstate0, dxs, state_last) in the
    caller's layout, as numeric.cells.bptt's result fields.
    """
    check_checkpoint(checkpoint)
    m, P = run.m, run.P
    plans = {n: checkpoint.schedule(n) for n in sorted({tau - start + 1 for _, tau, start in points})}
    call = _Call(run, y, w, loss, first, scale, sorted({start - 1 for _, _, start in points}))
    dstate0 = {s: np.zeros_like(v) for s, v in run.state0.items()}
    with np.errstate(**quiet):
        call.S = m.stack(P, run.dims)
        for point in points:
            tau_prev, tau, start = point
            for q in [q for q in call.kept if q < start - 1]:   # no later window starts before
                del call.kept[q]
            win = _Window(call, point, call.kept[start - 1])
            for op in compile_actions(plans[tau - start + 1].actions()):
                getattr(win, op[0])(*op[1:])
            if start == 1:
                for s in dstate0:
                    dstate0[s] += win.d_in[s]
    unb = run.unbatch
    return (call.loss, call.grads, {s: unb(v) for s, v in dstate0.items()}, unb(call.dxs, axis=1),
            {s: unb(v) for s, v in call.last.items()})


class _Call:
    """What every window of one call shares: the sums, ∂L/∂x, the kept first states of windows."""

    def __init__(self, run, y, w, loss, first, scale, firsts):
        self.run, self.m, self.P, self.y, self.w = run, run.m, run.P, y, w
        self.lossname, self.first, self.scale, self.firsts = loss, first, scale, firsts
        self.grads = {n: np.zeros_like(run.P[n]) for n in run.m.PARAMS}
        self.dxs = np.zeros(run.xs.shape, run.xs.dtype)
        self.kept: dict[int, dict] = {0: run.state0}
        self.loss, self.last, self.S = 0.0, None, None
        # W_hyᵀ C-contiguous once per call (a transposed view hits a slow OpenBLAS path)
        self.WyT = np.ascontiguousarray(run.P["W_hy"].T) if run.m.READOUT else None

    def forward(self, lo: int, hi: int, state: dict) -> dict:
        """The tape of steps lo+1..hi (absolute) from ``state``; passed first states are kept."""
        r = self.run
        tape = self.m.forward(self.P, self.S, r.xs[lo:hi], state, r.dims, r.activation)
        f = self.firsts
        for i in range(bisect_right(f, lo), bisect_right(f, hi)):
            if f[i] not in self.kept:
                self.kept[f[i]] = _state(self.m, tape, f[i] - lo)
        if hi == r.xs.shape[0] and self.last is None:
            self.last = _state(self.m, tape, hi - lo)
        return tape


def _state(m, tape: dict, i: int) -> dict:
    """A copy of every state at row i of a tape (row 0: the state it started from)."""
    return {s: tape[f"s_{s}"][i].copy() for s in m.STATES}


class _Window:
    """One window's plan: ``slot`` maps window step t to the stored state dict of s_t."""

    def __init__(self, call: _Call, point, s_first: dict):
        self.c, self.base, self.n = call, point.start - 1, point.tau - point.start + 1
        self.start = point.start
        lo = max(point.tau_prev + 1, call.first)    # the window's loss steps lo..tau
        self.l1, self.l2 = lo, point.tau
        self.slot: dict[int, dict] = {0: s_first}
        self.cur: dict | None = s_first
        self.d_in: dict | None = None               # ∂L/∂s entering the next run from above

    def advance(self, a: int, b: int) -> None:
        for lo in range(a, b, CHUNK):
            hi = min(lo + CHUNK, b)
            self.cur = _state(self.c.m, self.c.forward(self.base + lo, self.base + hi, self.cur), hi - lo)

    def advance_store(self, a: int, b: int) -> None:
        tape = self.c.forward(self.base + a, self.base + b, self.cur)
        for t in range(a + 1, b + 1):
            self.slot[t] = _state(self.c.m, tape, t - a)
        self.cur = self.slot[b]

    def store(self, t: int) -> None:
        if t:
            self.slot[t] = {s: v.copy() for s, v in self.cur.items()}
            self.cur = self.slot[t]

    def restore(self, t: int) -> None:
        self.cur = self.slot[t]

    def free(self, t: int) -> None:
        del self.slot[t]

    def run(self, t: int, u: int, frees: tuple[int, ...]) -> None:
        """Backward steps t..u: the tape of u..t again from s_{u-1} (stored, or current if u = t)."""
        c, m, P = self.c, self.c.m, self.c.P
        s_prev = self.cur if u == t else self.slot[u - 1]
        lo, hi = self.base + u - 1, self.base + t  # absolute steps lo+1..hi
        tape = c.forward(lo, hi, s_prev)
        k = t - u + 1
        out = m.outputs(tape)                       # (k, B, ·) the values the output layer reads
        seed = np.zeros(out.shape, out.dtype)
        a, b = max(lo + 1, self.l1), min(hi, self.l2)
        if a <= b:
            rows = slice(a - lo - 1, b - lo)
            n, B, H = b - a + 1, out.shape[1], out.shape[2]
            do = logits(m, P, out[rows], c.WyT)     # numeric.cells' output layer (o_t, fresh)
            w = None if c.w is None else c.w[a - 1:b]
            c.loss += float(loss_and_grad_(c.lossname, do, c.y[a - 1:b], w, c.scale).sum())
            if m.READOUT:
                V = do.shape[2]
                c.grads["W_hy"] += do.reshape(n * B, V).T @ out[rows].reshape(n * B, H)
                c.grads["b_y"] += do.reshape(n * B, V).sum(axis=0)
                np.matmul(do.reshape(n * B, V), P["W_hy"], out=seed[rows].reshape(n * B, H))
            else:
                seed[rows] = do
        g, d, dx = _backward_from(m, self.d_in, seed)(P, c.S, tape, seed, 1, k)
        for name, v in g.items():
            c.grads[name] += v
        c.dxs[lo:hi] += dx
        self.d_in = d
        for f in frees:
            self.free(f)


def _backward_from(m, d_in: dict | None, seed: np.ndarray):
    """m.backward, with ∂L/∂s_t = d_in (every state) entering at its last step (see the module
    docstring); ``seed`` (k, B, ·) is the run's, its last row may take d_in."""
    if d_in is None:
        return m.backward
    if "d_in" in inspect.signature(m.backward).parameters:
        return functools.partial(m.backward, d_in=d_in)
    if set(m.STATES) == {m.OUTPUT}:
        seed[-1] += d_in[m.OUTPUT]
        return m.backward
    raise NotImplementedError(
        f"checkpoint= for cell {m.CELL!r} (states {', '.join(m.STATES)}) needs its generated "
        "backward to take d_in={state: ∂L/∂s_tau}, the adjoint of every state entering the window "
        "from the steps after it; regenerate the module with `bptt generate`")
