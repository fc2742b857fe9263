"""bptt(...): the δ recursion over update-point windows; full BPTT is the one-window case.

The window's kernels and their reference semantics are in numeric/window.py; checkpointed BPTT
(numeric/checkpoint/) runs the same kernels over recomputed segments.
"""

from __future__ import annotations

from typing import Iterator

import numpy as np

from .checkpoint.engine import checkpointed_bptt
from .checkpoint.schedule import check_checkpoint
from .finite import nonfinite_names, quiet, warn_overflow
from .prepare import Prepared, prepare  # noqa: F401  (re-exported: numeric.bptt.prepare)
from .truncation import Truncation, update_points
from .validate import check_truncation
from .window import (BPTTResult, Segment, _WindowOut, backward_window, delta_recursion,  # noqa: F401
                     run_windows, window_states)


def bptt(params, xs, targets, *, h0=None, activation: str = "tanh", loss: str = "cross_entropy",
         loss_at: str = "all", loss_weights=None, truncation=None, checkpoint=None) -> BPTTResult:
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
      checkpoint: None (store every state) or Checkpointing(slots=s, policy=...): the same
        result in memory that does not grow with T, recomputing states (docs/checkpointing.md).
    Returns:
      BPTTResult(loss, grads, dh0, dxs, h_last); loss is always the full Σ_t L_t.
    """
    p = prepare(params, xs, targets, h0=h0, activation=activation, loss=loss, loss_at=loss_at,
                loss_weights=loss_weights)
    points = update_points(p.T, check_truncation(truncation))
    if check_checkpoint(checkpoint) is not None:
        return checkpointed_bptt(p, points, checkpoint)
    single = len(points) == 1                       # full BPTT (or one window): dxs made fresh
    dxs = None if single else np.zeros(p.xs.shape, p.params.dtype)   # C order: written via views
    dh0 = np.zeros_like(p.h0)
    total, grads = 0.0, None
    with np.errstate(**quiet):                      # overflow is reported once, below
        for point, buf in window_states(p, points):
            out = backward_window(p, buf, point, dxs=dxs, fresh_dxs=single, acc=grads)
            total += out.loss
            grads = out.grads                       # the first window's arrays become the sum
            if out.dh_start is not None:
                dh0 += out.dh_start
            h_last = out.h_tau
            if single:
                dxs = out.dxs
            del out
    bad = nonfinite_names(total, grads)
    if bad:
        warn_overflow("numeric.bptt", bad, p.params, p.activation, p.T)
    return BPTTResult(total, grads, p.unbatch(dh0), p.unbatch(dxs, axis=1), p.unbatch(h_last))


def tbptt_segments(params, xs, targets, truncation: Truncation | int | None, *, h0=None,
                   activation: str = "tanh", loss: str = "cross_entropy", loss_at: str = "all",
                   loss_weights=None) -> Iterator[Segment]:
    """An iterator of Segment(tau, loss of its window, grads, h_tau), one per update point.

    The arguments are checked at the call (bad input raises here, not at the first ``next``).
    The RNN runs forward once, as in online TBPTT(k1, k2): the new steps tau_prev+1..tau of a
    window are run when its segment is requested, with the parameter arrays as they are then,
    so a training loop may update them in place between segments (the char-RNN way); states a
    window shares with the previous one (k2 > k1, or the last window when k1 does not divide
    T) are the stored ones, computed with the parameters of their time. The window's outputs
    and backward pass use the current parameters. Summing the segments' grads with the
    weights held fixed gives ``bptt(..., truncation=truncation).grads``. Memory is bounded by
    the window (k2 steps).
    """
    p = prepare(params, xs, targets, h0=h0, activation=activation, loss=loss, loss_at=loss_at,
                loss_weights=loss_weights)
    points = update_points(p.T, check_truncation(truncation))

    def segment(out: _WindowOut) -> Segment:
        return Segment(out.tau, out.loss, out.grads, p.unbatch(out.h_tau))

    # map: no frame holds a reference to a segment while the caller works with the next one,
    # so the previous segment's gradients are freed as soon as the caller drops them.
    return map(segment, run_windows(p, points, None))
