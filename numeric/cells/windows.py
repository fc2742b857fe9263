"""The update-point windows of numeric.cells.bptt: one forward per window's new steps, the tape a
window shares with the previous one carried over, so memory is bounded by the window (k2 steps),
not T, under truncation (full BPTT is the one window of all T steps).

Per update point (tau_prev, tau, start), docs/truncation.md::

    new  = forward(steps tau_prev+1..tau from s_{tau_prev})        # each step run once
    tape = previous tape's steps start..tau_prev + new             # k2 > k1: the shared rows
    L, ∂L/∂o for the losses tau_prev < t <= tau; W_hy, b_y gradients; seed ∂L_t/∂s_t
    grads += backward(tape, seed, steps start..tau)                # nothing flows to start - 1
"""

from __future__ import annotations

import numpy as np

from ..kernels import loss_and_grad_


def _join(prev: dict, p0: int, new: dict, start: int) -> dict:
    """The tape of steps start..tau: prev's rows from step start on (prev covers p0..tau_prev)
    followed by new's (tau_prev+1..tau). State arrays s_<state> hold one more row (s_{start-1})."""
    out = {}
    for key, a in new.items():
        if not isinstance(a, np.ndarray):
            out[key] = a
        elif key.startswith("s_"):
            out[key] = np.concatenate([prev[key][start - p0:], a[1:]])
        else:
            out[key] = np.concatenate([prev[key][start - p0:], a])
    return out


def run_windows(run, S, y, w, points, loss: str, first: int, scale: float):
    """(loss, grads, dstate0 (B, dim), dxs (T, B, D), state_last (B, dim)) over the windows."""
    m, P, dims = run.m, run.P, run.dims
    T, B, _ = run.xs.shape
    dtype = run.xs.dtype
    total, grads = 0.0, {}
    dstate0 = {s: np.zeros_like(v) for s, v in run.state0.items()}
    dxs = None
    prev, p0, state = None, 1, run.state0
    WyT = np.ascontiguousarray(P["W_hy"].T) if m.READOUT else None   # BLAS's plain layout, once
    for tau_prev, tau, start in points:
        new = m.forward(P, S, run.xs[tau_prev:tau], state, dims, run.activation)
        state = {s: new[f"s_{s}"][-1] for s in m.STATES}
        tape = new if start == tau_prev + 1 else _join(prev, p0, new, start)
        prev, p0 = tape, start
        lo = max(tau_prev + 1, first)                    # the window's loss steps lo..tau
        if lo > tau:
            continue
        rows = m.outputs(new)[lo - tau_prev - 1:]        # (tau - lo + 1, B, ·)
        do = logits(m, P, rows, WyT)
        total += float(loss_and_grad_(loss, do, y[lo - 1:tau], None if w is None else w[lo - 1:tau], scale).sum())
        n, V = do.shape[0], do.shape[2]
        if m.READOUT:
            H = rows.shape[2]
            _add(grads, "W_hy", do.reshape(n * B, V).T @ rows.reshape(n * B, H))
            _add(grads, "b_y", do.reshape(n * B, V).sum(axis=0))
            direct = np.matmul(do.reshape(n * B, V), P["W_hy"]).reshape(n, B, H)
            del do
        else:
            direct = do
        if lo == start:
            seed = direct
        else:
            seed = np.zeros((tau - start + 1,) + direct.shape[1:], dtype)
            seed[lo - start:] = direct
        del direct
        g, dstart, dx = m.backward(P, S, tape, seed, 1, tau - start + 1)
        del seed
        for name, v in g.items():
            _add(grads, name, v)
        if start == 1:
            for s in dstate0:
                dstate0[s] += dstart[s]
        if len(points) == 1:
            dxs = dx
        else:
            if dxs is None:
                dxs = np.zeros(run.xs.shape, dtype)
            dxs[start - 1:tau] += dx
    if dxs is None:
        dxs = np.zeros(run.xs.shape, dtype)
    return total, grads, dstate0, dxs, {s: v.copy() for s, v in state.items()}


def logits(m, P, rows: np.ndarray, WyT: np.ndarray | None = None) -> np.ndarray:
    """o_t for the given output rows (n, B, ·), a fresh array (the loss overwrites it with ∂L/∂o);
    WyT: W_hyᵀ as a C-contiguous array (made here when None)."""
    if not m.READOUT:
        return np.array(rows)
    n, B, H = rows.shape
    WyT = np.ascontiguousarray(P["W_hy"].T) if WyT is None else WyT
    o = np.matmul(rows.reshape(n * B, H), WyT).reshape(n, B, -1)
    o += P["b_y"]
    return o


def _add(grads: dict, name: str, v: np.ndarray) -> None:
    if name in grads:
        grads[name] += v
    else:
        grads[name] = v
