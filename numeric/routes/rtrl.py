"""rtrl(...): the exact gradient by forward-mode sensitivities (Williams & Zipser 1989).

Real-time recurrent learning carries P_t = ∂h_t/∂θ forward in time beside h_t, instead of
storing the states and sweeping backwards. With a_t = W_xh x_t + W_hh h_{t-1} + b_h::

    P_0 = ∂h_0/∂θ                      (the identity on the h0 block, zero elsewhere)
    for t = 1 .. T:
        P_t = diag(f'(a_t)) (W_hh P_{t-1} + ∂⁺a_t/∂θ)      # ∂⁺: the direct dependence
        if step t has a loss:  ∂L/∂θ += (∂L_t/∂h_t) P_t,   ∂L_t/∂h_t = (∂L_t/∂o_t) W_hy

θ stacks, per sequence, W_xh (H·D), W_hh (H·H), b_h (H), h0 (H) and every input x_1..x_T
(T·D), so one pass gives the parameter gradients, dh0 and dxs together. W_hy and b_y do not
feed back, so their gradients are direct sums. Nothing is shared with the BPTT backward
pass: the states, f, f' and the losses are evaluated from the rules table
(numeric/rules.py with NumPy), and no δ recursion runs.

Cost: O(T · B · H² · n) time and O(B · H · n) memory, n = H·(H + D + 2) + T·D, against BPTT's
O(T · B · H · (H + D)). It is an independent check for small problems, not a training
engine: the T·D input columns make it O(T²) in the sequence length.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..bptt import BPTTResult, prepare
from ..finite import quiet, report_overflow
from ..params import Params
from ..rules import ACTIVATIONS, LOSSES, NUMPY_NS


class _Layout(NamedTuple):
    """Column offsets of each block of θ in a sensitivity matrix P (B, H, n)."""

    W_xh: int
    W_hh: int
    b_h: int
    h0: int
    xs: int
    n: int


def _layout(T: int, D: int, H: int) -> _Layout:
    sizes = (H * D, H * H, H, H, T * D)
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    return _Layout(*(int(o) for o in offsets))


def _direct(lay: _Layout, t: int, x: np.ndarray, h_prev: np.ndarray, W_xh: np.ndarray,
            eye: np.ndarray) -> np.ndarray:
    """∂⁺a_t/∂θ, (B, H, n): a_t's direct dependence on W_xh, W_hh, b_h and x_t (1-based t)."""
    B, D = x.shape
    H = eye.shape[0]
    out = np.zeros((B, H, lay.n), x.dtype)
    out[:, :, lay.W_xh:lay.W_hh] = np.einsum("ij,bk->bijk", eye, x).reshape(B, H, H * D)
    out[:, :, lay.W_hh:lay.b_h] = np.einsum("ij,bk->bijk", eye, h_prev).reshape(B, H, H * H)
    out[:, :, lay.b_h:lay.h0] = eye
    out[:, :, lay.xs + (t - 1) * D:lay.xs + t * D] = W_xh
    return out


def _loss_and_grad(loss: str, o: np.ndarray, y: np.ndarray, V: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-sequence L_t (B,) and ∂L_t/∂o_t (B, V) from the rules table, one sequence at a time."""
    rule = LOSSES[loss]
    if not rule.real_targets:
        y = np.eye(V, dtype=o.dtype)[y]
    values = np.array([rule.value(NUMPY_NS, o[b], y[b]) for b in range(o.shape[0])], o.dtype)
    grads = np.stack([rule.grad(NUMPY_NS, o[b], y[b]) for b in range(o.shape[0])])
    return values, grads


def rtrl(params, xs, targets, *, h0=None, activation: str = "tanh", loss: str = "cross_entropy",
         loss_at: str = "all", loss_weights=None) -> BPTTResult:
    """Loss and the full gradient by real-time recurrent learning (forward mode).

    Same arguments and result as ``numeric.bptt`` without ``truncation`` (RTRL computes the
    exact gradient of L; a truncated BPTT gradient is not one).

    Args:
      params: Params; W_xh (H, D), W_hh (H, H), b_h (H,), W_hy (V, H), b_y (V,); float32/64.
      xs: (T, D) or batched (T, B, D).
      targets: class indices (T,) / (T, B) for cross_entropy; real (T, V) / (T, B, V) otherwise.
      h0: (H,) or (B, H); zeros when omitted.
      activation, loss, loss_at, loss_weights: as numeric.bptt.
    Returns:
      BPTTResult(loss, grads, dh0, dxs, h_last): dh0 and dxs from the h0 and input
      sensitivities carried in the same forward pass.
    """
    p = prepare(params, xs, targets, h0=h0, activation=activation, loss=loss, loss_at=loss_at,
                loss_weights=loss_weights)
    with np.errstate(**quiet):                      # overflow is reported once, below
        result = _rtrl(p)
    report_overflow("numeric.routes.rtrl", result.loss, result.grads, p.params, p.activation, p.T)
    return result


def _rtrl(p) -> BPTTResult:
    """The forward-mode pass of ``rtrl`` on prepared (checked) arguments."""
    prm, act, rule = p.params, ACTIVATIONS[p.activation], LOSSES[p.loss]
    T, B, D = p.xs.shape
    H, V = prm.hidden_size, prm.output_size
    lay, eye = _layout(T, D, H), np.eye(H, dtype=prm.dtype)
    steps = range(1, T + 1) if p.loss_at == "all" else (T,)
    scale = 1.0 / (len(steps) * B * V) if rule.scale_by_count else 1.0

    P = np.zeros((B, H, lay.n), prm.dtype)
    P[:, :, lay.h0:lay.xs] = eye                     # ∂h_0/∂h_0 = I
    h = p.h0.copy()
    sens = np.zeros((B, lay.n), prm.dtype)           # Σ_t (∂L_t/∂h_t) P_t, per sequence
    dW_hy, db_y, total = np.zeros_like(prm.W_hy), np.zeros_like(prm.b_y), 0.0
    for t in range(1, T + 1):
        direct = _direct(lay, t, p.xs[t - 1], h, prm.W_xh, eye)
        a = p.xs[t - 1] @ prm.W_xh.T + h @ prm.W_hh.T + prm.b_h
        h = np.asarray(act.value(NUMPY_NS, a), prm.dtype)   # sigmoid: exp(-a) = inf gives h = 0
        fprime = np.broadcast_to(np.asarray(act.deriv(NUMPY_NS, h), prm.dtype), h.shape)
        P = fprime[:, :, None] * (np.einsum("im,bmn->bin", prm.W_hh, P) + direct)
        if t not in steps:
            continue
        o = h @ prm.W_hy.T + prm.b_y
        values, g = _loss_and_grad(p.loss, o, p.targets[t - 1], V)
        w = scale * (np.ones(B, prm.dtype) if p.weights is None else p.weights[t - 1])
        g = g * w[:, None]
        total += float(np.sum(values * w))
        sens += np.einsum("bh,bhn->bn", g @ prm.W_hy, P)
        dW_hy += g.T @ h
        db_y += g.sum(axis=0)
    shared = sens[:, :lay.h0].sum(axis=0)
    grads = Params(W_xh=shared[lay.W_xh:lay.W_hh].reshape(H, D), W_hh=shared[lay.W_hh:lay.b_h].reshape(H, H),
                   b_h=shared[lay.b_h:lay.h0], W_hy=dW_hy, b_y=db_y)
    dh0 = sens[:, lay.h0:lay.xs]
    dxs = sens[:, lay.xs:].reshape(B, T, D).transpose(1, 0, 2)
    return BPTTResult(total, grads, p.unbatch(dh0), p.unbatch(np.ascontiguousarray(dxs), axis=1),
                      p.unbatch(h))
