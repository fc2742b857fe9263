"""BROKEN: weight gradients are overwritten at each step instead of accumulated.

Conventions: column and row (both sum per-step contributions over time).
Mistake: dW_xh = ..., dW_hh = ... (=) inside the backward loop; the bias uses += correctly.
Expected: right at T = 1; W_xh and W_hh wrong from T = 2 (only the step-1 term survives); the
bias, ∂L/∂h0, the output layer and the loss are right.
"""

import numpy as np

EXPECT = {
    "column": {"mistake": "overwritten", "wrong": {"W_xh": 2, "W_hh": 2}, "hint": "accumulated"},
    "row": {"mistake": "overwritten", "wrong": {"dWx": 2, "dWh": 2}, "hint": "accumulated"},
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
    dW_xh, dW_hh, db_h = np.zeros_like(W_xh), np.zeros_like(W_hh), np.zeros_like(b_h)
    dW_hy, db_y = np.zeros_like(W_hy), np.zeros_like(b_y)
    dh_next = np.zeros_like(h0)
    for t in reversed(range(T)):
        dy = ps[t].copy()
        dy[targets[t]] -= 1
        dW_hy += np.outer(dy, hs[t])
        db_y += dy
        da = (1 - hs[t] ** 2) * (W_hy.T @ dy + dh_next)
        dW_xh = np.outer(da, xs[t])             # BUG: +=
        dW_hh = np.outer(da, hs[t - 1])         # BUG: +=
        db_h += da
        dh_next = W_hh.T @ da
    return loss, {"W_xh": dW_xh, "W_hh": dW_hh, "b_h": db_h, "W_hy": dW_hy, "b_y": db_y, "h0": dh_next}


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
        dWx = x[:, t].T @ da                    # BUG: +=
        dWh = hs[t].T @ da                      # BUG: +=
        db += da.sum(axis=0)
        dprev = da @ Wh.T
    return dx, dprev, dWx, dWh, db
