"""One window of the δ recursion: the engine's kernels, which numeric.bptt runs over the
update-point windows and numeric.checkpoint over recomputed segments.

Reference semantics for one window (steps start..tau, losses l1..l2), batched rows::


    dh[t] = do[t] @ W_hy            for loss steps, else 0          # ∂L_t/∂h_t (direct)
    for t = tau .. start:                                           # docs/derivation.md (2)
        dh[t] += da[t+1] @ W_hh      (t < tau)                      # (∂h_{t+1}/∂h_t)ᵀ δ_{t+1}
        da[t]  = dh[t] * f'(a_t)                                    # f' computed from h_t
    dW_hh = Σ_t da[t]ᵀ h_{t-1},  dW_xh = Σ_t da[t]ᵀ x_t,  db_h = Σ_t da[t]
    dW_hy = Σ_t do[t]ᵀ h_t,      db_y = Σ_t do[t],        dh_{start-1} = da[start] @ W_hh

The sums become single GEMMs over the stacked steps; dh is overwritten by da in place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, NamedTuple

import numpy as np

from .finite import nonfinite_names, quiet, warn_overflow
from .forward import outputs, run_states
from .kernels import DERIV, loss_and_grad_
from .params import PARAM_NAMES, Params
from .prepare import Prepared
from .truncation import UpdatePoint


@dataclass(frozen=True)
class BPTTResult:
    """loss: the full Σ_t L_t (float); grads: Params of ∂L/∂θ (truncated if asked);
    dh0: ∂L/∂h0, shape of h0; dxs: ∂L/∂x_t, shape of xs; h_last: h_T, (H,) or (B, H)."""

    loss: float
    grads: Params
    dh0: np.ndarray
    dxs: np.ndarray
    h_last: np.ndarray


class Segment(NamedTuple):
    """One update point of truncated BPTT: (tau, loss of its window, grads, h_tau)."""

    tau: int
    loss: float
    grads: Params
    h: np.ndarray


class _WindowOut(NamedTuple):
    tau: int
    loss: float
    grads: Params
    dh_start: np.ndarray | None   # ∂/∂h0 contribution when the window reaches step 1
    h_tau: np.ndarray
    dxs: np.ndarray | None = None  # the fresh (T, B, D) ∂L/∂x when the window was asked for it


def window_states(p: Prepared, points: list[UpdatePoint]) -> Iterator[tuple[UpdatePoint, np.ndarray]]:
    """Yield each update point with the states h_{start-1}..h_tau of its window, (n + 1, B, H).

    One buffer, as long as the longest window (k2 + 1 states; T + 1 for full BPTT), is reused
    for every window: the states a window shares with the previous one are moved to its
    front, the new ones are computed after them. Nothing T-sized is held under truncation.
    A yielded view is valid until the next one is requested.
    """
    prm = p.params
    B, H = p.h0.shape
    store = np.empty((max(tau - start + 2 for _, tau, start in points), B, H), prm.dtype)
    store[0] = p.h0
    held = 0                                        # store[0] holds h_{held}
    for point in points:
        tau_prev, tau, start = point
        keep = tau_prev - start + 2                 # h_{start-1}..h_{tau_prev} are known
        shift = start - 1 - held
        for i in range(keep if shift else 0):       # row-wise, front to back: safe with overlap
            store[i] = store[i + shift]
        held = start - 1
        buf = store[:tau - start + 2]
        run_states(prm, p.xs[tau_prev:tau], buf[keep - 1], buf[keep:], p.activation)
        yield point, buf


def run_windows(p: Prepared, points: list[UpdatePoint], dxs: np.ndarray | None) -> Iterator[_WindowOut]:
    """Stream through the sequence by update points, keeping only each window's states.

    When ``dxs`` (T, B, D) is given, ∂L/∂x_t is written/accumulated into it. Each window's
    gradients are fresh arrays (a training loop may keep or update with them).
    """
    windows = window_states(p, points)
    while True:
        with np.errstate(**quiet):                  # per window: never held across a yield
            step = next(windows, None)
            if step is None:
                return
            box = [backward_window(p, step[1], step[0], dxs=dxs)]
        del step
        bad = nonfinite_names(box[0].loss, box[0].grads)
        if bad:
            warn_overflow(f"numeric.tbptt_segments (window ending at step {box[0].tau})", bad, p.params,
                          p.activation, p.T)
        # pop: while suspended this frame holds no reference to the window's gradients, so the
        # caller's previous segment is freed as soon as it drops it (memory bounded by k2)
        yield box.pop()


def delta_recursion(dh: np.ndarray, hs: np.ndarray, W_hh: np.ndarray, activation: str) -> None:
    """Turn dh (n, B, H), the direct ∂L/∂h of each row, into da = ∂L/∂a in place, last row first.

    hs (n + 1, B, H) holds the states before and at each row (hs[i + 1] is row i's h). Per row::

        da[i] = (dh[i] + da[i + 1] @ W_hh) * f'(a_i)        # f'(a_i) computed from hs[i + 1]

    f' is computed for a chunk of rows at once (at most n/8 rows, so at most an eighth of a
    step-gradient buffer, and 32 rows) into a scratch buffer: the per-row work is then one GEMM
    and two in-place ufuncs. Rows and functions are bound once: at small B the loop's cost is
    per-call overhead.
    """
    n = dh.shape[0]
    deriv, dot, add, mul = DERIV[activation], np.dot, np.add, np.multiply
    tmp = np.empty(dh.shape[1:], dh.dtype)
    chunk = max(1, min(32, n // 8))
    fprime = np.empty((chunk,) + dh.shape[1:], dh.dtype) if deriv is not None else None
    rows, nxt = list(dh), None
    for hi in range(n, 0, -chunk):                  # rows lo..hi-1, processed from hi-1 down
        lo = max(0, hi - chunk)
        if fprime is not None:
            f = fprime[:hi - lo]
            deriv(hs[lo + 1:hi + 1], f)
        for i in range(hi - 1, lo - 1, -1):
            g = rows[i]
            if nxt is not None:
                dot(nxt, W_hh, out=tmp)
                add(g, tmp, out=g)
            if fprime is not None:
                mul(g, f[i - lo], out=g)
            nxt = g


def backward_window(p: Prepared, buf: np.ndarray, point: UpdatePoint, *, dxs: np.ndarray | None = None,
                    fresh_dxs: bool = False, acc: Params | None = None,
                    dh_in: np.ndarray | None = None) -> _WindowOut:
    """The δ recursion over the steps start..tau of one window, for its losses in (tau_prev, tau].

    Args:
      buf: (n + 1, B, H), the window's states h_{start-1}..h_tau.
      dxs: (T, B, D) array to write/accumulate ∂L/∂x_t into, or None.
      fresh_dxs: allocate ∂L/∂x (T, B, D) here instead, once the logits are freed (full BPTT:
        the T·B·V logits and the T·B·D result are never held at the same time).
      acc: Params to add the window's weight gradients into (and return), or None for new ones.
      dh_in: (B, H) ∂L/∂h_tau from the steps after the window (checkpointing chains its runs),
        or None; when given every row is back-propagated and dh_start (∂L/∂h_{start-1}) returned.
    Allocates, besides small temporaries: the logits / ∂L/∂o (m, B, V), freed before the
    recursion, and the step gradients (n, B, H), overwritten from ∂L/∂h to ∂L/∂a.
    """
    prm = p.params
    tau_prev, tau, start = point
    B, H = buf.shape[1], buf.shape[2]
    h_tau = buf[-1].copy()
    lr = p.loss_range(tau_prev, tau) if tau > tau_prev else None
    if lr is None and dh_in is None:                # no loss here: nothing to back-propagate
        return _WindowOut(tau, 0.0, prm.zeros_like() if acc is None else acc, None, h_tau,
                          np.zeros(p.xs.shape, prm.dtype) if fresh_dxs else None)
    grads: dict[str, np.ndarray] = {}

    def put(name: str, value: np.ndarray) -> None:
        if acc is None:
            grads[name] = value
        else:
            acc[name][...] += value

    if lr is None:                                  # (dh_in given) no loss in these steps
        i1, loss = tau - start + 1, 0.0
        dh = np.zeros((i1, B, H), prm.dtype)
        put("W_hy", np.zeros_like(prm.W_hy))
        put("b_y", np.zeros_like(prm.b_y))
    else:
        i1 = tau - start + 1 if dh_in is not None else lr[1] - start + 1   # δ enters at tau
        loss, dh = _output_layer(p, buf, lr, start, i1, put)
    if dh_in is not None:
        dh[-1] += dh_in

    delta_recursion(dh, buf[:i1 + 1], prm.W_hh, p.activation)
    da = dh.reshape(i1 * B, H)
    put("W_xh", da.T @ p.xs[start - 1:start - 1 + i1].reshape(i1 * B, -1))
    put("W_hh", da.T @ buf[:i1].reshape(i1 * B, H))
    put("b_h", da.sum(axis=0))
    dh_start = dh[0] @ prm.W_hh if start == 1 or dh_in is not None else None
    new_dxs = None
    if fresh_dxs:
        new_dxs = np.empty(p.xs.shape, prm.dtype)
        new_dxs[:start - 1] = 0
        new_dxs[start - 1 + i1:] = 0
        np.matmul(da, prm.W_xh, out=new_dxs[start - 1:start - 1 + i1].reshape(i1 * B, -1))
    elif dxs is not None:
        _write_dxs(dxs, dh, prm.W_xh, tau_prev, start)
    out_grads = acc if acc is not None else Params(**{n: grads[n] for n in PARAM_NAMES})
    return _WindowOut(tau, loss, out_grads, dh_start, h_tau, new_dxs)


def _output_layer(p: Prepared, buf: np.ndarray, lr: tuple[int, int], start: int, n: int,
                  put) -> tuple[float, np.ndarray]:
    """The losses l1..l2 of a window: their sum, and dh (n, B, H) holding ∂L_t/∂h_t (zero rows
    before l1 and after l2); the output layer's gradients go to ``put``."""
    prm, (l1, l2) = p.params, lr
    B, H = buf.shape[1], buf.shape[2]
    m, V = l2 - l1 + 1, prm.output_size
    i0, i1 = l1 - start, l2 - start + 1             # loss rows inside the window
    do = outputs(prm, buf[i0 + 1:i1 + 1])           # logits, overwritten by ∂L/∂o
    w = None if p.weights is None else p.weights[l1 - 1:l2]
    loss = float(loss_and_grad_(p.loss, do, p.targets[l1 - 1:l2], w, p.loss_scale).sum())
    do2 = do.reshape(m * B, V)
    dh = np.empty((n, B, H), prm.dtype)             # rows after the last loss: zero, or dropped
    dh[:i0] = 0
    dh[i1:] = 0
    np.matmul(do2, prm.W_hy, out=dh[i0:i1].reshape(m * B, H))
    put("W_hy", do2.T @ buf[i0 + 1:i1 + 1].reshape(m * B, H))
    put("b_y", do2.sum(axis=0))
    return loss, dh                                 # the (m, B, V) buffer is freed on return


def _write_dxs(dxs: np.ndarray, da: np.ndarray, W_xh: np.ndarray, tau_prev: int, start: int) -> None:
    """dxs[s] (+)= da_s W_xh: steps <= tau_prev were written by earlier windows (accumulate),
    later ones are fresh (written in place); rows of da past its end carry no gradient.
    dxs must be C-contiguous (the fresh rows are written through a reshaped view)."""
    n, B, H = da.shape
    split = tau_prev - start + 1                    # window rows already written before
    D = W_xh.shape[1]
    if split > 0:
        dxs[start - 1:tau_prev] += da[:split] @ W_xh
    fresh = da[max(split, 0):]
    lo = start - 1 + max(split, 0)
    np.matmul(fresh.reshape(-1, H), W_xh, out=dxs[lo:lo + len(fresh)].reshape(-1, D))
