"""BROKEN: ∂L/∂h0 is returned as ∂L/∂a_1, without the final multiplication by W_hhᵀ.

Conventions: column (grads["h0"]) and row (dh0).
Expected: only ∂L/∂h0 is wrong, from T = 1; all weight gradients (and dx) are right.
"""

import numpy as np

EXPECT = {
    "column": {"mistake": "dh0_without_whh", "wrong": {"h0": 1}, "hint": "without the final W_hhᵀ"},
    "row": {"mistake": "dh0_without_whh", "wrong": {"dh0": 1}, "hint": "without the final W_hhᵀ"},
}


def column(params, xs, targets, h0):
    W_xh, W_hh, b_h, W_hy, b_y = (params[k] for k in ("W_xh", "W_hh", "b_h", "W_hy", "b_y"))
    T = len(xs)
    hs, ps, loss = {-1: h0}, {}, 0.0
    for t in range(T):
        hs[t] = np.tanh(W_xh @ xs[t] + W_hh @ hs[t - 1] + b_h)
        o = W_hy @ hs[t] + b_y
        ps[t] = np.exp(o - o.max()) / np.exp(o - o.max()).sum()
        loss += -np.log(ps[t][targets[t]])
    g = {k: np.zeros_like(v) for k, v in params.items()}
    da = dh_next = np.zeros_like(h0)
    for t in reversed(range(T)):
        dy = ps[t].copy()
        dy[targets[t]] -= 1
        g["W_hy"] += np.outer(dy, hs[t])
        g["b_y"] += dy
        da = (1 - hs[t] ** 2) * (W_hy.T @ dy + dh_next)
        g["W_xh"] += np.outer(da, xs[t])
        g["W_hh"] += np.outer(da, hs[t - 1])
        g["b_h"] += da
        dh_next = W_hh.T @ da
    g["h0"] = da                                # BUG: dh_next (= W_hh.T @ da_1)
    return loss, g


def row(x, h0, Wx, Wh, b, dh):
    N, T, D = x.shape
    hs = [h0]
    for t in range(T):
        hs.append(np.tanh(x[:, t] @ Wx + hs[-1] @ Wh + b))
    dx, dWx, dWh, db = np.zeros_like(x), np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)
    da = dprev = np.zeros_like(h0)
    for t in reversed(range(T)):
        da = (dh[:, t] + dprev) * (1 - hs[t + 1] ** 2)
        dx[:, t] = da @ Wx.T
        dWx += x[:, t].T @ da
        dWh += hs[t].T @ da
        db += da.sum(axis=0)
        dprev = da @ Wh.T
    return dx, da, dWx, dWh, db                 # BUG: dprev
