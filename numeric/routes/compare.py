"""Comparing two BPTT results at round-off: the error relative to a first-order error bound.

Two correct routes (the engine, generated code, RTRL, the naive loop, the symbolic
derivation) differ only by rounding. A plain relative error ‖a − b‖/‖a‖ cannot judge that:
gradients are sums whose terms may cancel (softmax p − y when p ≈ 1; f' = 1 − h² when tanh
saturates; opposite contributions of a batch), and then the result is far smaller than what
was rounded. ``magnitudes`` runs the standard first-order error analysis beside the
computation: with every operation rounded, fl(x ∘ y) = (x ∘ y)(1 + δ), |δ| <= ε, each quantity
q carries an error <= ε·E_q up to a factor of the number of operations n, where (per step,
componentwise, |·| entrywise)::

    E_a  = |W_xh||x_t| + |W_hh||h_{t-1}| + |b_h| + |W_hh| E_h(t-1)     # the sum, its inputs
    E_h  = |f'| E_a + |h_t|
    E_o  = |W_hy||h_t| + |b_y| + |W_hy| E_h
    E_g  = w s (|terms of ∂L/∂o| + |∂²L/∂o²| E_o)         # p + y + 2p·max E_o (cross-entropy)
    E_dh = |g||W_hy| + |da_{t+1}||W_hh| + E_g |W_hy| + E_da(t+1) |W_hh|
    E_da = |f'| E_dh + E_f' |dh| + |da|,   E_f' = |terms of f'(h)| + |f''| E_a
    E_dW_hh = Σ_t (|da| + E_da)ᵀ |h_{t-1}| + |da|ᵀ E_h(t-1),  ...  (every gradient, dh0, dxs, L)

``roundoff_error(a, b, mag)`` is max over the arrays X of ‖a_X − b_X‖ / ‖E_X‖: of order n·ε
(n ~ T(D + H + V)) for two correct float64 routes, of order 1 for a wrong one. A truncated
result is judged against the full bounds (its path terms are a subset). The bounds are
componentwise (|W_hh| in place of W_hh), so over long sequences they grow faster than the
gradient and the measure loses its power: it is meant for the short problems the property
suite draws (T <= 8); ``roundoff_error`` refuses bounds that overflowed.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

from ..bptt import BPTTResult, prepare
from ..forward import forward
from ..params import PARAM_NAMES
from ..rules import ACTIVATIONS, NUMPY_NS

RESULT_ARRAYS = (*PARAM_NAMES, "dh0", "dxs", "loss", "h_last")

# E_f' from (h, |f'|, E_a): |terms of f'(h)| as the rules table writes f', + |f''| E_a.
_FPRIME_ERROR = {
    "tanh":     lambda h, fp, ea: 1 + h * h + 2 * np.abs(h) * fp * ea,          # 1 - h², f'' = -2h f'
    "sigmoid":  lambda h, fp, ea: np.abs(h) + h * h + fp * np.abs(1 - 2 * h) * ea,  # h - h², f'' = f'(1-2h)
    "relu":     lambda h, fp, ea: np.zeros_like(h),                              # 0 or 1, exactly
    "identity": lambda h, fp, ea: np.zeros_like(h),
}


def result_arrays(r: BPTTResult) -> dict[str, np.ndarray]:
    """Every array of a BPTTResult by name (grads, dh0, dxs, loss, h_last), as float64."""
    out = {n: np.asarray(a, np.float64) for n, a in r.grads}
    out.update(dh0=np.asarray(r.dh0, np.float64), dxs=np.asarray(r.dxs, np.float64),
               loss=np.array([r.loss], np.float64), h_last=np.asarray(r.h_last, np.float64))
    return out


def _loss_step(loss: str, o, Eo, y, V: int):
    """(g = ∂L_t/∂o_t, E_g, L_t, E_L) per sequence, unweighted; o, Eo (B, V)."""
    if loss == "cross_entropy":
        y1 = np.eye(V)[y]
        m = o.max(axis=-1, keepdims=True)
        e = np.exp(o - m)
        p = e / e.sum(axis=-1, keepdims=True)
        L = (np.log(e.sum(axis=-1)) + m[:, 0] - (o * y1).sum(axis=-1))
        Eg = p + y1 + 2 * p * Eo.max(axis=-1, keepdims=True)
        EL = np.abs(m[:, 0]) + np.abs(np.log(e.sum(axis=-1))) + np.abs(o * y1).sum(axis=-1) + (
            (p + y1) * Eo).sum(axis=-1)
        return p - y1, Eg, L, EL
    c = 1.0 if loss == "half_sse" else 2.0
    r = o - y
    mag = np.abs(o) + np.abs(y)
    return c * r, c * (mag + Eo), c / 2 * (r * r).sum(axis=-1), c * ((mag + Eo) * mag).sum(axis=-1)


def magnitudes(params, xs, targets, *, h0=None, activation: str = "tanh", loss: str = "cross_entropy",
               loss_at: str = "all", loss_weights=None, truncation=None) -> dict[str, np.ndarray]:
    """The first-order rounding-error bound E_X (per ε) of every array of numeric.bptt's result.

    Same arguments as numeric.bptt (truncation is accepted and ignored: the full bound covers
    a truncated result too). Returns {name: array} in float64, shaped as the result's arrays.
    """
    p = prepare(params, xs, targets, h0=h0, activation=activation, loss=loss, loss_at=loss_at,
                loss_weights=loss_weights)
    prm = p.params.astype(np.float64)
    X, T, B = p.xs.astype(np.float64), p.T, p.xs.shape[1]
    hs = forward(prm, X, h0=p.h0.astype(np.float64), activation=p.activation).hs
    A = {n: np.abs(a) for n, a in prm}
    act = ACTIVATIONS[p.activation]
    Eh, fp, Efp = [np.zeros_like(hs[0])], [None], [None]
    for t in range(1, T + 1):
        Ea = np.abs(X[t - 1]) @ A["W_xh"].T + (np.abs(hs[t - 1]) + Eh[-1]) @ A["W_hh"].T + A["b_h"]
        f = np.broadcast_to(np.asarray(act.deriv(NUMPY_NS, hs[t]), np.float64), hs[t].shape)
        Eh.append(np.abs(f) * Ea + np.abs(hs[t]))
        fp.append(f)
        Efp.append(_FPRIME_ERROR[p.activation](hs[t], np.abs(f), Ea))
    steps = range(1, T + 1) if p.loss_at == "all" else (T,)
    g, Eg, loss_err = {}, {}, 0.0
    for t in steps:
        o = hs[t] @ prm.W_hy.T + prm.b_y
        Eo = np.abs(hs[t]) @ A["W_hy"].T + A["b_y"] + Eh[t] @ A["W_hy"].T
        y = p.targets[t - 1] if p.loss == "cross_entropy" else p.targets[t - 1].astype(np.float64)
        gt, Egt, _, ELt = _loss_step(p.loss, o, Eo, y, prm.output_size)
        w = p.loss_scale * (np.ones(B) if p.weights is None else p.weights[t - 1].astype(np.float64))
        g[t], Eg[t] = gt * w[:, None], Egt * w[:, None]
        loss_err += float((ELt * w).sum())
    out = {n: np.zeros_like(a) for n, a in A.items()}
    dxs = np.zeros_like(X)
    da_next = Eda_next = np.zeros_like(hs[0])
    for t in range(T, 0, -1):
        dh = da_next @ prm.W_hh
        Edh = (np.abs(da_next) + Eda_next) @ A["W_hh"]
        if t in g:
            dh = dh + g[t] @ prm.W_hy
            Edh = Edh + (np.abs(g[t]) + Eg[t]) @ A["W_hy"]
            out["W_hy"] += (np.abs(g[t]) + Eg[t]).T @ np.abs(hs[t]) + np.abs(g[t]).T @ Eh[t]
            out["b_y"] += (np.abs(g[t]) + Eg[t]).sum(axis=0)
        da = fp[t] * dh
        Eda = np.abs(fp[t]) * Edh + Efp[t] * np.abs(dh) + np.abs(da)
        both = np.abs(da) + Eda
        out["W_hh"] += both.T @ np.abs(hs[t - 1]) + np.abs(da).T @ Eh[t - 1]
        out["W_xh"] += both.T @ np.abs(X[t - 1])
        out["b_h"] += both.sum(axis=0)
        dxs[t - 1] = both @ A["W_xh"]
        da_next, Eda_next = da, Eda
    return dict(out, dh0=p.unbatch((np.abs(da_next) + Eda_next) @ A["W_hh"]), dxs=p.unbatch(dxs, axis=1),
                loss=np.array([loss_err]), h_last=p.unbatch(Eh[T]))


def roundoff_error(a: BPTTResult, b: BPTTResult, mag: Mapping[str, np.ndarray]) -> tuple[float, str]:
    """(max over arrays of ‖a_X − b_X‖ / (‖E_X‖ + tiny), the name of the worst array X).

    tiny is the smallest normal number of the less precise dtype of a and b (2.2e-308 in
    float64, 1.2e-38 in float32): below it rounding is absolute (gradual underflow), not
    relative, so differences that small are not judged against the bound.
    Raises ValueError when a bound is not finite (it overflowed: the problem is too long or
    too explosive for the componentwise model; compare with relative_error instead).
    """
    A, B = result_arrays(a), result_arrays(b)
    dtypes = [np.asarray(r.grads.W_hh).dtype for r in (a, b)]
    tiny = max(float(np.finfo(d).smallest_normal) for d in dtypes if np.issubdtype(d, np.floating))
    worst, name = 0.0, ""
    for n in RESULT_ARRAYS:
        bound = float(np.linalg.norm(mag[n]))
        if not np.isfinite(bound):
            raise ValueError(f"the error bound of {n} overflowed ({bound}); use relative_error.")
        diff = float(np.linalg.norm(A[n] - B[n]))
        if not np.isfinite(diff):
            return float("inf"), n
        err = diff / (bound + tiny)
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
