"""bptt(...): the δ recursion over update-point windows; full BPTT is the one-window case.

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

from .forward import outputs, run_states
from .kernels import DERIV_MUL, loss_and_grad_
from .params import Params
from .rules import LOSSES
from .truncation import Truncation, UpdatePoint, update_points
from .validate import (check_activation, check_h0, check_loss, check_loss_at, check_loss_weights,
                       check_params, check_targets, check_truncation, check_xs)


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


@dataclass(frozen=True)
class Prepared:
    """Validated inputs in engine layout: xs (T, B, D), targets (T, B[, V]), h0 (B, H)."""

    params: Params
    xs: np.ndarray
    targets: np.ndarray
    h0: np.ndarray
    activation: str
    loss: str
    loss_at: str
    weights: np.ndarray | None
    batched: bool

    @property
    def T(self) -> int:
        return self.xs.shape[0]

    def loss_range(self, tau_prev: int, tau: int) -> tuple[int, int] | None:
        """1-based first and last loss-carrying steps in (tau_prev, tau], or None."""
        if self.loss_at == "last":
            return (tau, tau) if tau == self.T else None
        return tau_prev + 1, tau

    @property
    def loss_scale(self) -> float:
        """1, or for mse 1 / ((steps with a loss) x B x V)."""
        if not LOSSES[self.loss].scale_by_count:
            return 1.0
        steps = self.T if self.loss_at == "all" else 1
        return 1.0 / (steps * self.xs.shape[1] * self.params.output_size)

    def unbatch(self, a: np.ndarray, axis: int = 0) -> np.ndarray:
        """Drop the batch axis (at ``axis``) again when the caller's xs was unbatched."""
        return a if self.batched else np.take(a, 0, axis=axis)


def prepare(params, xs, targets, *, h0=None, activation="tanh", loss="cross_entropy",
            loss_at="all", loss_weights=None) -> Prepared:
    """Check every argument (clear ValueError/TypeError) and bring it to engine layout."""
    params = check_params(params)
    activation, loss, loss_at = check_activation(activation), check_loss(loss), check_loss_at(loss_at)
    xs3, batched = check_xs(xs, params)
    T, B, _ = xs3.shape
    h = check_h0(h0, params, B, batched)
    y = check_targets(targets, loss, T, B, params.output_size, batched, params.dtype)
    w = check_loss_weights(loss_weights, T, B, batched, params.dtype)
    return Prepared(params, xs3, y, h, activation, loss, loss_at, w, batched)


class _WindowOut(NamedTuple):
    tau: int
    loss: float
    grads: Params
    dh_start: np.ndarray | None   # ∂/∂h0 contribution when the window reaches step 1
    h_tau: np.ndarray


def run_windows(p: Prepared, points: list[UpdatePoint], dxs: np.ndarray | None) -> Iterator[_WindowOut]:
    """Stream through the sequence by update points, keeping only each window's states.

    Hidden states h_{start-1}..h_tau of the current window are the only ones held; the
    states it shares with the previous window are copied over, the new ones computed.
    When ``dxs`` (T, B, D) is given, ∂L/∂x_t is written/accumulated into it.
    """
    prm, T = p.params, p.T
    B, H = p.h0.shape
    prev_buf, prev_first = p.h0[None], 0            # holds h_{prev_first} .. h_{tau_prev}
    tmp = np.empty((B, H), prm.dtype)
    for tau_prev, tau, start in points:
        first = start - 1
        buf = np.empty((tau - first + 1, B, H), prm.dtype)
        keep = tau_prev - first + 1
        buf[:keep] = prev_buf[first - prev_first:]
        run_states(prm, p.xs[tau_prev:tau], buf[keep - 1], buf[keep:], p.activation)
        prev_buf, prev_first = buf, first
        yield _backward_window(p, buf, tau_prev, tau, start, dxs, tmp)


def _backward_window(p: Prepared, buf: np.ndarray, tau_prev: int, tau: int, start: int,
                     dxs: np.ndarray | None, tmp: np.ndarray) -> _WindowOut:
    """The δ recursion over steps start..tau for the losses in (tau_prev, tau]."""
    prm = p.params
    n, B, H = tau - start + 1, buf.shape[1], buf.shape[2]
    lr = p.loss_range(tau_prev, tau)
    h_tau = buf[-1].copy()
    if lr is None:                                  # no loss here: nothing to back-propagate
        return _WindowOut(tau, 0.0, prm.zeros_like(), None, h_tau)
    l1, l2 = lr
    m, V = l2 - l1 + 1, prm.output_size
    do = outputs(prm, buf[l1 - start + 1:l2 - start + 2])
    w = None if p.weights is None else p.weights[l1 - 1:l2]
    loss = float(loss_and_grad_(p.loss, do, p.targets[l1 - 1:l2], w, p.loss_scale).sum())

    i0, i1 = l1 - start, l2 - start + 1             # loss rows inside the window
    dh = np.empty((i1, B, H), prm.dtype)            # rows after the last loss stay zero: drop them
    dh[:i0] = 0
    np.matmul(do.reshape(m * B, V), prm.W_hy, out=dh[i0:].reshape(m * B, H))
    deriv_mul = DERIV_MUL[p.activation]
    for i in range(i1 - 1, -1, -1):
        if i < i1 - 1:
            np.matmul(dh[i + 1], prm.W_hh, out=tmp)
            dh[i] += tmp
        deriv_mul(dh[i], buf[i + 1], tmp)           # dh[i] is now da_{start+i}

    da = dh.reshape(i1 * B, H)
    grads = Params(
        W_xh=da.T @ p.xs[start - 1:start - 1 + i1].reshape(i1 * B, -1),
        W_hh=da.T @ buf[:i1].reshape(i1 * B, H),
        b_h=da.sum(axis=0),
        W_hy=do.reshape(m * B, V).T @ buf[i0 + 1:i1 + 1].reshape(m * B, H),
        b_y=do.sum(axis=(0, 1)),
    )
    dh_start = dh[0] @ prm.W_hh if start == 1 else None
    if dxs is not None:
        _write_dxs(dxs, dh, prm.W_xh, tau_prev, start)
    return _WindowOut(tau, loss, grads, dh_start, h_tau)


def _write_dxs(dxs: np.ndarray, da: np.ndarray, W_xh: np.ndarray, tau_prev: int, start: int) -> None:
    """dxs[s] (+)= da_s W_xh: steps <= tau_prev were written by earlier windows (accumulate),
    later ones are fresh (written in place); rows of da past its end carry no gradient."""
    n, B, H = da.shape
    split = tau_prev - start + 1                    # window rows already written before
    D = W_xh.shape[1]
    if split > 0:
        dxs[start - 1:tau_prev] += da[:split] @ W_xh
    fresh = da[max(split, 0):]
    lo = start - 1 + max(split, 0)
    np.matmul(fresh.reshape(-1, H), W_xh, out=dxs[lo:lo + len(fresh)].reshape(-1, D))


def bptt(params, xs, targets, *, h0=None, activation: str = "tanh", loss: str = "cross_entropy",
         loss_at: str = "all", loss_weights=None, truncation=None) -> BPTTResult:
    """Loss and gradients of a vanilla RNN by (truncated) backpropagation through time.

    a_t = W_xh x_t + W_hh h_{t-1} + b_h,  h_t = f(a_t),  o_t = W_hy h_t + b_y,  L = Σ_t L_t.

    Args:
      params: Params; W_xh (H, D), W_hh (H, H), b_h (H,), W_hy (V, H), b_y (V,); float32/64.
      xs: (T, D) or batched (T, B, D).
      targets: class indices (T,) / (T, B) for cross_entropy; real (T, V) / (T, B, V) otherwise.
      h0: (H,) or (B, H); zeros when omitted.
      activation: "tanh" | "sigmoid" | "relu" | "identity".
      loss: "cross_entropy" | "half_sse" | "sse" | "mse" (see docs/conventions.md).
      loss_at: "all" (L_t at every step) or "last" (only L_T; earlier targets ignored).
      loss_weights: None, (T,) or (T, B) non-negative weights on each L_t (0 masks a step).
      truncation: None (full BPTT), an int k, or Truncation(k1, k2) (docs/truncation.md).
    Returns:
      BPTTResult(loss, grads, dh0, dxs, h_last); loss is always the full Σ_t L_t.
    """
    p = prepare(params, xs, targets, h0=h0, activation=activation, loss=loss, loss_at=loss_at,
                loss_weights=loss_weights)
    points = update_points(p.T, check_truncation(truncation))
    dxs = np.zeros_like(p.xs)   # windows without a loss (loss_at='last') leave their rows 0
    dh0 = np.zeros_like(p.h0)
    total, grads = 0.0, None
    for out in run_windows(p, points, dxs):
        total += out.loss
        if grads is None:
            grads = out.grads
        else:
            for (_, g), (_, d) in zip(grads, out.grads):
                g += d
        if out.dh_start is not None:
            dh0 += out.dh_start
    return BPTTResult(total, grads, p.unbatch(dh0), p.unbatch(dxs, axis=1), p.unbatch(out.h_tau))


def tbptt_segments(params, xs, targets, truncation: Truncation | int | None, *, h0=None,
                   activation: str = "tanh", loss: str = "cross_entropy", loss_at: str = "all",
                   loss_weights=None) -> Iterator[Segment]:
    """Yield, per update point, Segment(tau, loss of its window, grads, h_tau).

    The window's forward pass runs when the segment is requested, with the parameter arrays
    as they are then: a training loop may update them in place between segments (the
    char-RNN way). Summing the segments' grads with the weights held fixed gives
    ``bptt(..., truncation=truncation).grads``. Memory is bounded by the window (k2 steps).
    """
    p = prepare(params, xs, targets, h0=h0, activation=activation, loss=loss, loss_at=loss_at,
                loss_weights=loss_weights)
    for out in run_windows(p, update_points(p.T, check_truncation(truncation)), None):
        yield Segment(out.tau, out.loss, out.grads, p.unbatch(out.h_tau))
