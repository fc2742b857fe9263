"""BROKEN: δ is not carried through time — each step back-propagates only its own loss.

Conventions: column and row (the through-time term exists in both).
Mistake: dh_t = W_hyᵀ dy_t (column) / dh[:, t] (row) without the W_hhᵀ δ_{t+1} term.
Expected: T = 1 is right; from T = 2 every recurrent-layer gradient (W_xh, W_hh, b_h, h0 /
dx, dh0, dWx, dWh, db) is wrong; the output layer and the loss are right.
"""

import numpy as np

EXPECT = {
    "column": {"mistake": "delta_not_carried", "wrong": {"W_xh": 2, "W_hh": 2, "b_h": 2, "h0": 2}, "hint": "through-time"},
    "row": {"mistake": "delta_not_carried", "wrong": {"dx": 2, "dh0": 2, "dWx": 2, "dWh": 2, "db": 2}, "hint": "through-time",
            "depends": {"loss_at": ["all"]}},
}


def column(params, xs, targets, h0):
    W_xh, W_hh, b_h, W_hy, b_y = (params[k] for k in ("W_xh", "W_hh", "b_h", "W_hy", "b_y"))
    hs, ps, loss = {-1: h0}, {}, 0.0
    for t in range(len(xs)):
        hs[t] = np.tanh(W_xh @ xs[t] + W_hh @ hs[t - 1] + b_h)
        o = W_hy @ hs[t] + b_y
        ps[t] = np.exp(o - o.max()) / np.exp(o - o.max()).sum()
        loss -= np.log(ps[t][targets[t]])
    g = {k: np.zeros_like(v) for k, v in params.items()}
    for t in reversed(range(len(xs))):
        dy = ps[t].copy()
        dy[targets[t]] -= 1
        g["W_hy"] += np.outer(dy, hs[t])
        g["b_y"] += dy
        dh = W_hy.T @ dy                       # BUG: + W_hh.T @ da_next is missing
        da = (1 - hs[t] ** 2) * dh
        g["W_xh"] += np.outer(da, xs[t])
        g["W_hh"] += np.outer(da, hs[t - 1])
        g["b_h"] += da
        g["h0"] = W_hh.T @ da
    return loss, g


def row(x, h0, Wx, Wh, b, dh):
    N, T, D = x.shape
    hs = [h0]
    for t in range(T):
        hs.append(np.tanh(x[:, t] @ Wx + hs[-1] @ Wh + b))
    dx, dWx, dWh, db = np.zeros_like(x), np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)
    dh0 = np.zeros_like(h0)
    for t in reversed(range(T)):
        da = dh[:, t] * (1 - hs[t + 1] ** 2)   # BUG: the gradient from step t + 1 is not added
        dx[:, t] = da @ Wx.T
        dWx += x[:, t].T @ da
        dWh += hs[t].T @ da
        db += da.sum(axis=0)
        dh0 = da @ Wh.T
    return dx, dh0, dWx, dWh, db
