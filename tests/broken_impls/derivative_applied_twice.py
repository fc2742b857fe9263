"""BROKEN: tanh's derivative is evaluated at the wrong point: 1 − tanh(h)² instead of 1 − h².

Conventions: column and row (both differentiate tanh; the slip is to apply tanh again to the
stored output h = tanh(a), the formula being 1 − tanh(a)²).
Expected: every recurrent-layer gradient is wrong from T = 1; output layer and loss right.
"""

import numpy as np

EXPECT = {
    "column": {"mistake": "derivative_at_h", "wrong": {"W_xh": 1, "W_hh": 1, "b_h": 1, "h0": 1}},
    "row": {"mistake": "derivative_at_h", "wrong": {"dx": 1, "dh0": 1, "dWx": 1, "dWh": 1, "db": 1}},
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
    dh_next = np.zeros_like(h0)
    for t in reversed(range(T)):
        dy = ps[t].copy()
        dy[targets[t]] -= 1
        g["W_hy"] += np.outer(dy, hs[t])
        g["b_y"] += dy
        da = (1 - np.tanh(hs[t]) ** 2) * (W_hy.T @ dy + dh_next)   # BUG: 1 - hs[t] ** 2
        g["W_xh"] += np.outer(da, xs[t])
        g["W_hh"] += np.outer(da, hs[t - 1])
        g["b_h"] += da
        dh_next = W_hh.T @ da
    g["h0"] = dh_next
    return loss, g


def row(x, h0, Wx, Wh, b, dh):
    N, T, D = x.shape
    hs = [h0]
    for t in range(T):
        hs.append(np.tanh(x[:, t] @ Wx + hs[-1] @ Wh + b))
    dx, dWx, dWh, db = np.zeros_like(x), np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)
    dprev = np.zeros_like(h0)
    for t in reversed(range(T)):
        da = (dh[:, t] + dprev) * (1 - np.tanh(hs[t + 1]) ** 2)     # BUG: 1 - hs[t + 1] ** 2
        dx[:, t] = da @ Wx.T
        dWx += x[:, t].T @ da
        dWh += hs[t].T @ da
        db += da.sum(axis=0)
        dprev = da @ Wh.T
    return dx, dprev, dWx, dWh, db
