"""Comparing two BPTT results at round-off: the error relative to a running-error magnitude.

Two correct routes (the engine, generated code, RTRL, the naive loop, the symbolic
derivation) differ only by rounding. A plain relative error ‖a − b‖/‖a‖ cannot judge that:
gradients are sums whose terms may cancel (softmax p − y when p ≈ 1; f' = 1 − h² when
tanh saturates; opposite-signed contributions of a batch), and then the result is far smaller
than the terms that were rounded. Standard running-error analysis bounds the rounding
error of each computed quantity by c·n·ε times the same computation done on *magnitudes*
(every sum replaced by the sum of the absolute values of its terms, first order in ε)::

    a_mag_t  = |W_xh| |x_t| + |W_hh| h_mag_{t-1} + |b_h|
    h_mag_t  = |h_t| + |f'(a_t)| a_mag_t                   # rounding in a_t, passed through f
    o_mag_t  = |W_hy| h_mag_t + |b_y|
    g_mag_t  = w_t s (|terms of ∂L/∂o| + |∂²L/∂o²| o_mag_t)  # p + y + 2p·max o_mag (cross-entropy)
    f'_mag_t = |terms of f'(h)| + |f''| a_mag_t            # 1 + h² + 2|h f'| a_mag (tanh)
    dh_mag_t = |W_hy|ᵀ g_mag_t + |W_hh|ᵀ da_mag_{t+1},   da_mag_t = f'_mag_t ⊙ dh_mag_t
    |dW_hh| <= Σ_t da_mag_t h_mag_{t-1}ᵀ, ...              # every gradient, dh0, dxs, L

``roundoff_error(a, b, mag)`` is then max over the arrays X of ‖a_X − b_X‖ / ‖mag_X‖: a
number of order n·ε (n the length of the longest chain of operations, ~T·(D + H + V)) for
two correct float64 routes, and of order 1 / (condition) for a wrong one. It applies to
truncated results too: the full magnitude bounds every subset of the path terms.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

from .bptt import BPTTResult, prepare
from .forward import forward
from .rules import ACTIVATIONS, LOSSES, NUMPY_NS

RESULT_ARRAYS = ("W_xh", "W_hh", "b_h", "W_hy", "b_y", "dh0", "dxs", "loss", "h_last")

# |terms| of f'(h) as the rules table writes it, and |f''| (per unit rounding of a) -- the error model.
_FPRIME_MAG = {   # (h, |f'|, a_mag) -> |terms of f'(h)| + |f''| a_mag
    "tanh":     lambda h, fp, am: 1 + h * h + 2 * np.abs(h) * fp * am,
    "sigmoid":  lambda h, fp, am: np.abs(h) + h * h + fp * np.abs(1 - 2 * h) * am,
    "relu":     lambda h, fp, am: fp,
    "identity": lambda h, fp, am: np.ones_like(h),
}


def result_arrays(r: BPTTResult) -> dict[str, np.ndarray]:
    """Every array of a BPTTResult by name (grads, dh0, dxs, loss, h_last), as float64."""
    out = {n: np.asarray(a, np.float64) for n, a in r.grads}
    out.update(dh0=np.asarray(r.dh0, np.float64), dxs=np.asarray(r.dxs, np.float64),
               loss=np.array([r.loss], np.float64), h_last=np.asarray(r.h_last, np.float64))
    return out


def magnitudes(params, xs, targets, *, h0=None, activation: str = "tanh", loss: str = "cross_entropy",
               loss_at: str = "all", loss_weights=None, truncation=None) -> dict[str, np.ndarray]:
    """The running-error magnitude of every array of ``numeric.bptt``'s result (module doc).

    Same arguments as numeric.bptt (truncation is accepted and ignored: the full magnitude
    bounds a truncated result too). Returns {name: array} in float64, shapes as the result's.
    """
    p = prepare(params, xs, targets, h0=h0, activation=activation, loss=loss, loss_at=loss_at,
                loss_weights=loss_weights)
    prm = p.params.astype(np.float64)
    X, H0 = p.xs.astype(np.float64), p.h0.astype(np.float64)
    T, B, _ = X.shape
    hs = forward(prm, X, h0=H0, activation=p.activation).hs
    A = {n: np.abs(a) for n, a in prm}
    rule, act = LOSSES[p.loss], ACTIVATIONS[p.activation]
    h_mag, fp_mag = [np.abs(H0)], []
    for t in range(1, T + 1):
        am = np.abs(X[t - 1]) @ A["W_xh"].T + h_mag[-1] @ A["W_hh"].T + A["b_h"]
        fp = np.broadcast_to(np.asarray(act.deriv(NUMPY_NS, hs[t]), np.float64), hs[t].shape)
        h_mag.append(np.abs(hs[t]) + np.abs(fp) * am)
        fp_mag.append(_FPRIME_MAG[p.activation](hs[t], np.abs(fp), am))
    steps = range(1, T + 1) if p.loss_at == "all" else (T,)
    scale = p.loss_scale
    g_mag, o_mag, loss_mag = {}, {}, 0.0
    for t in steps:
        om = h_mag[t] @ A["W_hy"].T + A["b_y"]
        o = hs[t] @ prm.W_hy.T + prm.b_y
        w = scale * (np.ones(B) if p.weights is None else p.weights[t - 1].astype(np.float64))
        if rule.real_targets:
            y = np.abs(p.targets[t - 1].astype(np.float64))
            c = 2.0 if p.loss in ("sse", "mse") else 1.0
            gm = c * (np.abs(o) + y + om)
            lm = c * (np.abs(o) + y) * (np.abs(o) + y + om)
        else:
            e = np.exp(o - o.max(axis=-1, keepdims=True))
            prob = e / e.sum(axis=-1, keepdims=True)
            y = np.eye(prm.output_size)[p.targets[t - 1]]
            gm = prob + y + 2 * prob * om.max(axis=-1, keepdims=True)
            lm = (np.abs(o) + om) * (prob + y) + np.log(prm.output_size) + 1
        g_mag[t], o_mag[t] = gm * w[:, None], om
        loss_mag += float(np.sum(lm * w[:, None]))
    out = {n: np.zeros_like(a) for n, a in A.items()}
    dxs, da_next = np.zeros_like(X), np.zeros((B, prm.hidden_size))
    for t in range(T, 0, -1):
        dh = da_next @ A["W_hh"]
        if t in g_mag:
            dh = dh + g_mag[t] @ A["W_hy"]
            out["W_hy"] += g_mag[t].T @ h_mag[t]
            out["b_y"] += g_mag[t].sum(axis=0)
        da = fp_mag[t - 1] * dh
        out["W_hh"] += da.T @ h_mag[t - 1]
        out["W_xh"] += da.T @ np.abs(X[t - 1])
        out["b_h"] += da.sum(axis=0)
        dxs[t - 1] = da @ A["W_xh"]
        da_next = da
    return dict(out, dh0=p.unbatch(da_next @ A["W_hh"]), dxs=p.unbatch(dxs, axis=1),
                loss=np.array([loss_mag]), h_last=p.unbatch(h_mag[T]))


def roundoff_error(a: BPTTResult, b: BPTTResult, mag: Mapping[str, np.ndarray]) -> tuple[float, str]:
    """(max over arrays of ‖a_X − b_X‖ / (‖mag_X‖ + tiny), the name of the worst array X).

    tiny is the smallest normal number of the less precise dtype of a and b (2.2e-308 in
    float64, 1.2e-38 in float32): below it rounding is absolute (gradual underflow), not
    relative, so differences that small are not judged against the magnitude.
    """
    A, B = result_arrays(a), result_arrays(b)
    dtypes = [np.asarray(r.grads.W_hh).dtype for r in (a, b)]
    tiny = max(float(np.finfo(d).smallest_normal) for d in dtypes if np.issubdtype(d, np.floating))
    worst, name = 0.0, ""
    for n in RESULT_ARRAYS:
        diff = float(np.linalg.norm(A[n] - B[n]))
        if not np.isfinite(diff):
            return float("inf"), n
        err = diff / (float(np.linalg.norm(mag[n])) + tiny)
        if err > worst or not name:
            worst, name = err, n
    return worst, name


def relative_error(a: BPTTResult, b: BPTTResult) -> tuple[float, str]:
    """(max over arrays of ‖a_X − b_X‖ / (‖a_X‖ + ‖b_X‖), worst array); 0/0 counts as 0."""
    A, B = result_arrays(a), result_arrays(b)
    worst, name = 0.0, ""
    for n in RESULT_ARRAYS:
        diff = float(np.linalg.norm(A[n] - B[n]))
        den = float(np.linalg.norm(A[n]) + np.linalg.norm(B[n]))
        err = 0.0 if diff == 0 else (diff / den if den > 0 else float("inf"))
        if err > worst or not name:
            worst, name = err, n
    return worst, name
