"""Magnitude bounds: the reference recursion run on absolute values, for rounding-aware floors.

A correct implementation differs from the engine by rounding alone, and rounding error in a
sum of products is bounded by ε times the sum of the *absolute values* of its terms, not by
the size of the result. When the terms cancel (a gradient much smaller than its own terms),
the relative error of a correct answer can be large; dividing by this bound instead keeps such
cases from being mistaken for bugs. Each bound ν is the computation of ``numeric.bptt`` with
every quantity replaced by an upper bound of its absolute value and its rounding noise::

    ν_h0 = |h0|,   ν_a_t = |W_xh||x_t| + |W_hh| ν_h_{t-1} + |b_h|,   ν_h_t = |h_t| + f'_t ν_a_t + c
    ν_dy_t = c (|∂L_t/∂o_t| + |y_t| + |W_hy| ν_h_t + |b_y|)          (column convention)
    ν_dh_t = |W_hy|ᵀ ν_dy_t (or |dh_t|, row) + |W_hh|ᵀ ν_da_{t+1}
    ν_da_t = ν_dh_t ⊙ (f'_t + |∂f'/∂h|_t ν_h_t)
    ν_W_xh = Σ_t ν_da_t |x_t|ᵀ,  ν_W_hh = Σ_t ν_da_t ν_h_{t-1}ᵀ, ...  (the gradients' formulas)

c = 1 for the bounded activations (tanh, sigmoid), 0 otherwise: their values may be computed
to absolute rather than relative accuracy by a correct implementation (sigmoid as
(1 + tanh(a/2)) / 2 loses every digit of a small h to cancellation). Full BPTT is used even for
truncated problems: it bounds the truncated sums too.

A variant of the reference (numeric/check/mistakes/) is bounded the same way with its own
forward activation and its own backward factor in place of f'_t (``activation``, ``backward``):
the wrong factor can be far larger than the right one (tanh's 1 − h² on the states of
identity or relu grows as h²), and so can the rounding noise it amplifies.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from ..forward import forward
from ..rules import ACTIVATIONS, NUMPY_NS
from .problems import Case

# |∂f'/∂h| as a function of h: how rounding noise in h_t perturbs f'(a_t) computed from h_t.
DDERIV = {"tanh": lambda h: 2 * np.abs(h), "sigmoid": lambda h: np.abs(1 - 2 * h),
          "relu": lambda h: np.zeros_like(h), "identity": lambda h: np.zeros_like(h)}
_ABS = {"tanh": 1.0, "sigmoid": 1.0, "relu": 0.0, "identity": 0.0}


Backward = tuple[Callable[[np.ndarray], np.ndarray], Callable[[np.ndarray], np.ndarray]]


def case_magnitudes(case: Case, row: bool, *, activation: str | None = None,
                    backward: Backward | None = None) -> dict[str, np.ndarray | float]:
    """ν for every quantity the user's function returns, named and laid out as it names them.

    activation: the one the forward pass computes (default: the case's). backward: (g, dg), the
    factor g(h_t) the backward pass multiplies ∂L/∂h_t by and |∂g/∂h| (default: f' of the
    activation and its DDERIV); |g| enters the bound, so a negative factor is bounded too.
    """
    p, act = case.params, activation or case.activation
    aW_xh, aW_hh, ab_h, aW_hy, ab_y = (np.abs(a) for _, a in p)
    x3 = case.xs if case.xs.ndim == 3 else case.xs[:, None]
    T, B, _ = x3.shape
    h0 = case.h0.reshape(B, -1)
    hs = forward(p, x3, h0=h0, activation=act).hs                     # (T + 1, B, H)
    deriv = ACTIVATIONS[act].deriv
    g, dg = backward or ((lambda h: deriv(NUMPY_NS, h)), DDERIV[act])
    nu_h = [np.abs(h0)]
    fp, cf = [], []
    for t in range(T):
        nu_a = np.abs(x3[t]) @ aW_xh.T + nu_h[t] @ aW_hh.T + ab_h
        f1 = np.broadcast_to(deriv(NUMPY_NS, hs[t + 1]), hs[t + 1].shape).astype(float)
        fp.append(np.abs(np.broadcast_to(g(hs[t + 1]), hs[t + 1].shape).astype(float)))
        cf.append(np.abs(dg(hs[t + 1])))
        nu_h.append(np.abs(hs[t + 1]) + f1 * nu_a + _ABS[act])
    up, out = _upstream(case, row, hs, nu_h, aW_hy, ab_y)
    nu_da, nxt = [None] * T, np.zeros_like(h0)
    for t in range(T - 1, -1, -1):
        nu_dh = up[t] + nxt @ aW_hh
        nu_da[t] = nu_dh * (fp[t] + cf[t] * nu_h[t + 1])
        nxt = nu_da[t]
    da = np.stack(nu_da)                                               # (T, B, H)
    flat = da.reshape(T * B, -1)
    W_xh = flat.T @ np.abs(x3).reshape(T * B, -1)
    W_hh = flat.T @ np.stack(nu_h[:-1]).reshape(T * B, -1)
    b_h, dh0 = flat.sum(axis=0), nxt @ aW_hh
    if row:
        dx = np.swapaxes(da @ aW_xh, 0, 1)
        return {"dx": dx, "dh0": dh0, "dWx": W_xh.T, "dWh": W_hh.T, "db": b_h}
    return {**out, "W_xh": W_xh, "W_hh": W_hh, "b_h": b_h, "h0": dh0[0]}


def _upstream(case: Case, row: bool, hs, nu_h, aW_hy, ab_y):
    """ν of the gradient arriving on each h_t from above, (T, B, H); and ν of W_hy, b_y, loss."""
    if row:
        return np.abs(case.dhs), {}
    p = case.params
    T = len(hs) - 1
    steps = range(T) if case.loss_at == "all" else [T - 1]
    V = p.output_size
    c = {"cross_entropy": 1.0, "half_sse": 1.0, "sse": 2.0, "mse": 2.0 / (len(steps) * V)}[case.loss]
    up = np.zeros((T,) + hs.shape[1:])
    W_hy, b_y, loss = np.zeros_like(p.W_hy), np.zeros_like(p.b_y), 0.0
    for t in steps:
        h = hs[t + 1][0]
        o = p.W_hy @ h + p.b_y
        nu_o = aW_hy @ nu_h[t + 1][0] + ab_y
        if case.loss == "cross_entropy":
            y = np.eye(V)[case.targets[t]]
            e = np.exp(o - o.max())
            g = e / e.sum() - y
            loss += float(2 * (np.abs(o).max() + nu_o.max()) + np.log(V))   # lse(o) - o_y
        else:
            y = case.targets[t]
            g = o - y
            loss += float(np.abs(g) @ (np.abs(o) + np.abs(y) + nu_o)) * c
        nu_dy = c * (np.abs(g) + np.abs(y) + nu_o)
        up[t, 0] = nu_dy @ aW_hy
        W_hy += np.outer(nu_dy, nu_h[t + 1][0])
        b_y += nu_dy
    return up, {"loss": loss, "W_hy": W_hy, "b_y": b_y}
