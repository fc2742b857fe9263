"""BROKEN: ∂L/∂W_hh uses h_t where h_{t-1} belongs.

Conventions: column and row (the outer product of δ with the previous state exists in both).
Mistake: dW_hh += da ⊗ h_t instead of da ⊗ h_{t-1}.
Expected: only the W_hh gradient is wrong, already at T = 1 (h_1 ≠ h_0); everything else right.
"""

import numpy as np

EXPECT = {
    "column": {"mistake": "h_t_for_h_prev", "wrong": {"W_hh": 1}, "hint": "previous state"},
    "row": {"mistake": "h_t_for_h_prev", "wrong": {"dWh": 1}, "hint": "previous state"},
}


def column(params, xs, targets, h0):
    W_xh, W_hh, b_h, W_hy, b_y = (params[k] for k in ("W_xh", "W_hh", "b_h", "W_hy", "b_y"))
    T = len(xs)
    hs, ps, loss = [h0], [], 0.0
    for t in range(T):
        hs.append(np.tanh(W_xh @ xs[t] + W_hh @ hs[t] + b_h))
        o = W_hy @ hs[t + 1] + b_y
        p = np.exp(o - o.max()) / np.sum(np.exp(o - o.max()))
        ps.append(p)
        loss -= np.log(p[targets[t]])
    g = {k: np.zeros_like(v) for k, v in params.items()}
    dh_next = np.zeros_like(h0)
    for t in reversed(range(T)):
        dy = ps[t].copy()
        dy[targets[t]] -= 1
        g["W_hy"] += np.outer(dy, hs[t + 1])
        g["b_y"] += dy
        da = (1 - hs[t + 1] ** 2) * (W_hy.T @ dy + dh_next)
        g["W_xh"] += np.outer(da, xs[t])
        g["W_hh"] += np.outer(da, hs[t + 1])    # BUG: hs[t] is h_{t-1}
        g["b_h"] += da
        dh_next = W_hh.T @ da
    g["h0"] = dh_next
    return loss, g


def row(x, h0, Wx, Wh, b, dh):
    N, T, D = x.shape
    hs = [h0]
    for t in range(T):
        hs.append(np.tanh(x[:, t] @ Wx + hs[t] @ Wh + b))
    dx, dWx, dWh, db = np.zeros_like(x), np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)
    dprev = np.zeros_like(h0)
    for t in reversed(range(T)):
        da = (dh[:, t] + dprev) * (1 - hs[t + 1] ** 2)
        dx[:, t] = da @ Wx.T
        dWx += x[:, t].T @ da
        dWh += hs[t + 1].T @ da                 # BUG: hs[t].T @ da
        db += da.sum(axis=0)
        dprev = da @ Wh.T
    return dx, dprev, dWx, dWh, db
