"""BROKEN: W_hh is not transposed when δ is carried back a step.

Conventions: column (dh_prev = W_hh @ da instead of W_hh.T @ da) and row (da @ Wh instead of
da @ Wh.T). Invisible when H = 1 or W_hh is symmetric.
Expected: ∂L/∂h0 is wrong from T = 1 (it is the carried term itself); W_xh, W_hh, b_h from
T = 2 (the through-time term); output layer and loss right.
"""

import numpy as np

EXPECT = {
    "column": {"mistake": "whh_not_transposed", "wrong": {"W_xh": 2, "W_hh": 2, "b_h": 2, "h0": 1}},
    "row": {"mistake": "whh_not_transposed", "wrong": {"dx": 2, "dh0": 1, "dWx": 2, "dWh": 2, "db": 2}},
}


def column(params, xs, targets, h0):
    W_xh, W_hh, b_h, W_hy, b_y = (params[k] for k in ("W_xh", "W_hh", "b_h", "W_hy", "b_y"))
    T = len(xs)
    hs, ps, loss = {-1: h0}, {}, 0.0
    for t in range(T):
        hs[t] = np.tanh(W_xh @ xs[t] + W_hh @ hs[t - 1] + b_h)
        o = W_hy @ hs[t] + b_y
        e = np.exp(o - np.max(o))
        ps[t] = e / np.sum(e)
        loss += -np.log(ps[t][targets[t]])
    g = {k: np.zeros_like(v) for k, v in params.items()}
    dh_next = np.zeros_like(h0)
    for t in reversed(range(T)):
        dy = np.copy(ps[t])
        dy[targets[t]] -= 1
        g["W_hy"] += np.outer(dy, hs[t])
        g["b_y"] += dy
        da = (1 - hs[t] * hs[t]) * (W_hy.T @ dy + dh_next)
        g["b_h"] += da
        g["W_xh"] += np.outer(da, xs[t])
        g["W_hh"] += np.outer(da, hs[t - 1])
        dh_next = W_hh @ da                     # BUG: W_hh.T @ da
    g["h0"] = dh_next
    return loss, g


def row(x, h0, Wx, Wh, b, dh):
    N, T, D = x.shape
    hs = np.zeros((N, T + 1, h0.shape[1]))
    hs[:, 0] = h0
    for t in range(T):
        hs[:, t + 1] = np.tanh(x[:, t] @ Wx + hs[:, t] @ Wh + b)
    dx, dWx, dWh, db = np.zeros_like(x), np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)
    carry = np.zeros_like(h0)
    for t in reversed(range(T)):
        da = (dh[:, t] + carry) * (1 - hs[:, t + 1] ** 2)
        dx[:, t] = da @ Wx.T
        dWx += x[:, t].T @ da
        dWh += hs[:, t].T @ da
        db += da.sum(0)
        carry = da @ Wh                         # BUG: da @ Wh.T
    return dx, carry, dWx, dWh, db
