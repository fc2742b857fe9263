"""The checkpointed engine's backward: runs of steps staged into one block, back-propagated per block.

The plan back-propagates the steps of a window in descending order, in runs of a few steps
(one run per stretch of states the plan holds at once: about T / (r·s) runs, 285 at T = 1000,
s = 10). Calling numeric.window.backward_window per run cost about 100 µs a call beyond the
steps' own work (fresh ∂L/∂h and logits buffers, a loss kernel and parameter-sized
temporaries of weight GEMMs on a few rows each), so the runs are staged instead:

    S  (R + 1, B, H)   the states h_{lo-1}..h_hi of the staged steps lo..hi
    G  (R, B, H)       their step gradients: ∂L/∂h_t (direct), then δ_t = ∂L/∂a_t in place
    O  (R, B, V)       ∂L/∂o_t of their loss steps

A run t..u is only gathered into the rows just below the previous run (whose first state h_t
is then already in place: the state the plan retained). Nothing between two runs of a block
needs a gradient (the plan only recomputes states there), and the block's states stay in S,
so the backward of the whole block waits for the flush: when the next run or an advance's
scratch no longer fits, or at the end of the window. A flush is the window engine's backward
on the block (the same kernels as numeric.window: outputs, loss_and_grad_, delta_recursion)
with ∂L/∂h_hi entering from the block above: one output-layer GEMM, one loss kernel, one δ
recursion and one GEMM per weight-gradient sum (the steps are consecutive, so x_t and ∂L/∂x_t
are plain slices). Rows below the staged ones are free: unstored advances use them as scratch.

Per block of R rows (R >= the longest run) the GEMMs have K = n·B rows: the round-off is that
of a different grouping of the same sums (a few ulps; tests/test_checkpoint.py).
"""

from __future__ import annotations

import numpy as np

from ..kernels import loss_and_grad_
from ..params import Params
from ..prepare import Prepared
from ..truncation import UpdatePoint
from ..window import delta_recursion


GEMM_ROWS = 64
"""Output rows of a weight GEMM per call (its (GEMM_ROWS, max(H, D)) output buffer is reused)."""

MIN_SCRATCH = 8
"""An unstored advance flushes the stage when fewer free rows than this (or than its steps) remain."""


class Stage:
    """The staging block of one call (allocated once, reused by every window and run).

    ``pos``: S[pos] is the first state of the staged steps (h_{lo-1}); S[pos:] and G[pos:]
    hold the staged steps lo..hi (absolute, 1-based); rows below pos are free.
    """

    def __init__(self, p: Prepared, rows: int, grads: Params, dxs: np.ndarray):
        prm, (B, H) = p.params, p.h0.shape
        self.p, self.R, self.grads, self.dxs = p, rows, grads, dxs
        self.S = np.empty((rows + 1, B, H), prm.dtype)
        self.G = np.empty((rows, B, H), prm.dtype)
        self.O = np.empty((rows, B, prm.output_size), prm.dtype)
        self.delta = np.zeros((B, H), prm.dtype)    # ∂L/∂h entering the next block from above
        self.tmp = np.empty(GEMM_ROWS * max(H, prm.input_size), prm.dtype)   # a GEMM's output rows
        self.W_hy_T = prm.W_hy.T
        self.loss = 0.0
        self.pos, self.lo = rows, None
        self.l1, self.l2, self.tau_prev, self.start = 1, 0, 0, 1    # set by window()

    def window(self, point: UpdatePoint) -> None:
        """Start a window: its losses (l1..l2) and the steps whose ∂L/∂x is fresh (> tau_prev)."""
        self.flush()
        lr = self.p.loss_range(point.tau_prev, point.tau) if point.tau > point.tau_prev else None
        self.l1, self.l2 = lr if lr is not None else (1, 0)
        self.tau_prev, self.start = point.tau_prev, point.start
        self.delta[...] = 0

    def scratch(self, n: int, chunk: int) -> np.ndarray:
        """Free rows for an unstored advance of n steps: up to min(n, chunk) of them; flushes
        first only if fewer than min(n, MIN_SCRATCH) are free (a flush is dearer than a few
        more run_states calls)."""
        if self.pos < min(n, MIN_SCRATCH):
            self.flush()
        return self.S[:min(self.pos, n, chunk)]

    def open(self, k: int) -> np.ndarray:
        """The k + 1 state rows of the next run (h_{u-1}..h_t); the last is the retained h_t."""
        if self.pos < k:
            self.flush()
        return self.S[self.pos - k:self.pos + 1]

    def add(self, u: int, t: int) -> None:
        """Stage steps u..t (absolute), whose states open(t - u + 1) now holds."""
        self.pos, self.lo = self.pos - (t - u + 1), u

    def flush(self) -> None:
        """Back-propagate the staged steps lo..hi: ∂L/∂h_hi entering is ``delta``, which becomes
        ∂L/∂h_{lo-1} (not computed for a truncated window's first step); the sums one GEMM each
        (in GEMM_ROWS-row pieces of its output). S's first staged state then moves to the top
        row (it is the state the next run retains)."""
        if self.lo is None:
            return
        g, tmp, p, prm = self.grads, self.tmp, self.p, self.p.params
        n, lo, B, H = self.R - self.pos, self.lo, self.S.shape[1], self.S.shape[2]
        hi, D, i0 = lo + n - 1, prm.input_size, self.pos
        G = self.G[i0:]
        a, b = max(lo, self.l1), min(hi, self.l2)   # the block's loss steps
        if a <= b:
            j0, j1, m, V = i0 + a - lo, i0 + b - lo + 1, b - a + 1, prm.output_size
            do = self.O[j0:j1]
            np.matmul(self.S[j0 + 1:j1 + 1].reshape(m * B, H), self.W_hy_T, out=do.reshape(m * B, V))
            do += prm.b_y
            w = None if p.weights is None else p.weights[a - 1:b]
            self.loss += float(loss_and_grad_(p.loss, do, p.targets[a - 1:b], w, p.loss_scale).sum())
            if j0 > i0:
                G[:j0 - i0] = 0
            if j1 < self.R:
                G[j1 - i0:] = 0
            np.matmul(do.reshape(m * B, V), prm.W_hy, out=self.G[j0:j1].reshape(m * B, H))
            _gemm_add(do.reshape(m * B, V).T, self.S[j0 + 1:j1 + 1].reshape(m * B, H), tmp, g.W_hy)
            g.b_y[...] += do.reshape(m * B, V).sum(axis=0)
        else:
            G[...] = 0
        G[-1] += self.delta
        delta_recursion(G, self.S[i0:], prm.W_hh, p.activation)
        if lo > self.start or self.start == 1:     # ∂L/∂h_{lo-1}: for the block below, or ∂L/∂h_0
            np.dot(G[0], prm.W_hh, out=self.delta)
        da = G.reshape(n * B, H)
        _gemm_add(da.T, self.p.xs[lo - 1:hi].reshape(n * B, D), tmp, g.W_xh)
        _gemm_add(da.T, self.S[self.pos:self.R].reshape(n * B, H), tmp, g.W_hh)
        g.b_h[...] += da.sum(axis=0)
        split = min(max(self.tau_prev - lo + 1, 0), n)  # rows at steps <= tau_prev: accumulate
        if split:
            self.dxs[lo - 1:lo - 1 + split] += self.G[self.pos:self.pos + split] @ prm.W_xh
        if split < n:
            np.matmul(self.G[self.pos + split:].reshape((n - split) * B, H), prm.W_xh,
                      out=self.dxs[lo - 1 + split:hi].reshape((n - split) * B, D))
        if self.pos < self.R:
            self.S[self.R] = self.S[self.pos]
        self.pos, self.lo = self.R, None


def _gemm_add(a: np.ndarray, b: np.ndarray, tmp: np.ndarray, acc: np.ndarray) -> None:
    """acc += a @ b, GEMM_ROWS output rows at a time through the preallocated ``tmp``: no
    parameter-sized temporary (an (H, H) one is as large as 16 stored states at B = 16)."""
    m, n = acc.shape
    for i in range(0, m, GEMM_ROWS):
        r = min(GEMM_ROWS, m - i)
        out = tmp[:r * n].reshape(r, n)             # contiguous: BLAS writes it directly
        np.matmul(a[i:i + GEMM_ROWS], b, out=out)
        acc[i:i + GEMM_ROWS] += out
