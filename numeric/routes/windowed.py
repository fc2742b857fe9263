"""windowed_bptt(...): truncated BPTT computed from its definition, window by window.

The definition of Truncation(k1, k2) (docs/truncation.md) read literally: at each update
point τ, run *full* BPTT on the window of steps start..τ (start = max(1, τ − k2 + 1)),
starting from the state h_{start−1} taken as a constant, with only the losses
τ_prev < t <= τ switched on; the truncated gradient is the sum over the windows::

    for (tau_prev, tau, start) in update_points(T, truncation):
        h_in = h_{start-1}                                  # a constant: nothing flows back
        window = full_bptt(xs[start..tau], h0=h_in, losses tau_prev < t <= tau only)
        grads += window.grads; dxs[start..tau] += window.dxs; dh0 += window.dh0 if start == 1

It shares no truncation code with the engine (only the update-point schedule), so it is the
definitional route the engine's truncated BPTT is checked against. Any full-gradient
function with numeric.bptt's signature can do the windows (``full=``): the engine,
``naive_bptt`` or ``rtrl``.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from ..bptt import BPTTResult, bptt, prepare
from ..forward import forward
from ..rules import LOSSES
from ..truncation import update_points
from ..validate import check_truncation


def windowed_bptt(params, xs, targets, truncation, *, h0=None, activation: str = "tanh",
                  loss: str = "cross_entropy", loss_at: str = "all", loss_weights=None,
                  full: Callable[..., BPTTResult] = bptt) -> BPTTResult:
    """Truncated BPTT as a sum of full-BPTT runs over the update-point windows.

    Args:
      params, xs, targets, h0, activation, loss, loss_at, loss_weights: as numeric.bptt.
      truncation: None (one window: full BPTT), an int k, or Truncation(k1, k2).
      full: the full-gradient function run on each window (numeric.bptt's signature and
        result, without truncation): numeric.bptt (default), naive_bptt, rtrl.
    Returns:
      BPTTResult(loss, grads, dh0, dxs, h_last), equal to numeric.bptt(..., truncation=...)
      up to round-off.
    """
    p = prepare(params, xs, targets, h0=h0, activation=activation, loss=loss, loss_at=loss_at,
                loss_weights=loss_weights)
    T, B, _ = p.xs.shape
    hs = forward(p.params, p.xs, h0=p.h0, activation=p.activation).hs      # (T + 1, B, H)
    w_all = np.ones((T, B), p.params.dtype) if p.weights is None else np.array(p.weights)
    if p.loss_at == "last":
        w_all[:-1] = 0.0                                  # only L_T exists
    steps_with_loss = T if p.loss_at == "all" else 1
    grads, dh0, dxs, total = p.params.zeros_like(), np.zeros_like(p.h0), np.zeros_like(p.xs), 0.0
    for tau_prev, tau, start in update_points(T, check_truncation(truncation)):
        w = w_all[start - 1:tau].copy()
        w[:tau_prev - start + 1] = 0.0                    # losses of earlier update points: off
        if not w.any():
            continue
        if LOSSES[p.loss].scale_by_count:                 # mse: keep the whole sequence's 1/count
            w *= (tau - start + 1) / steps_with_loss
        res = full(p.params, p.xs[start - 1:tau], p.targets[start - 1:tau], h0=hs[start - 1],
                   activation=p.activation, loss=p.loss, loss_at="all", loss_weights=w)
        total += res.loss
        for (_, g), (_, d) in zip(grads, res.grads):
            g += d
        dxs[start - 1:tau] += res.dxs
        if start == 1:
            dh0 += res.dh0
    return BPTTResult(total, grads, p.unbatch(dh0), p.unbatch(dxs, axis=1), p.unbatch(hs[T]))
