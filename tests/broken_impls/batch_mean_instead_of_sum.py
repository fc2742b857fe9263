"""BROKEN: the bias gradient averages over the batch instead of summing.

Convention: row only (the column convention is one sequence; there is no batch axis).
Mistake: db += da.mean(axis=0) instead of da.sum(axis=0) — right for one sequence.
Expected: only db is wrong, from T = 1, and only for batch size N > 1.
"""

import numpy as np

EXPECT = {"row": {"mistake": "bias_batch_mean", "wrong": {"db": 1}, "depends": {"batch": [">1"]}, "hint": "batch"}}


def row(x, h0, Wx, Wh, b, dh):
    N, T, D = x.shape
    hs = [h0]
    for t in range(T):
        hs.append(np.tanh(x[:, t] @ Wx + hs[-1] @ Wh + b))
    dx, dWx, dWh, db = np.zeros_like(x), np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)
    dprev = np.zeros_like(h0)
    for t in reversed(range(T)):
        da = (dh[:, t] + dprev) * (1 - hs[t + 1] ** 2)
        dx[:, t] = da @ Wx.T
        dWx += x[:, t].T @ da
        dWh += hs[t].T @ da
        db += da.mean(axis=0)                   # BUG: da.sum(axis=0)
        dprev = da @ Wh.T
    return dx, dprev, dWx, dWh, db
