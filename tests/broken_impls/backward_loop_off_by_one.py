"""BROKEN: the backward loop stops one step early — step 1 is never back-propagated.

Conventions: column and row (both run a reversed loop over the steps).
Mistake: for t in range(T - 1, 0, -1) instead of range(T - 1, -1, -1); the output layer is done
in a separate, correct pass (column).
Expected: the recurrent-layer gradients are wrong from T = 1 (at T = 1 the loop is empty, so
they come back zero); output layer and loss right. W_hh is wrong only when h0 ≠ 0: the missing
step-1 term of ∂L/∂W_hh is ∂L/∂a_1 h0ᵀ, which vanishes for h0 = 0.
"""

import numpy as np

EXPECT = {
    "column": {"mistake": "loop_skips_first", "wrong": {"W_xh": 1, "W_hh": 1, "b_h": 1, "h0": 1}, "hint": "loop bounds",
               "depends_of": {"W_hh": {"h0": ["nonzero"]}}},
    "row": {"mistake": "loop_skips_first", "wrong": {"dx": 1, "dh0": 1, "dWx": 1, "dWh": 1, "db": 1}, "hint": "loop bounds",
            "depends_of": {"dWh": {"h0": ["nonzero"]}}},
}


def column(params, xs, targets, h0):
    W_xh, W_hh, b_h, W_hy, b_y = (params[k] for k in ("W_xh", "W_hh", "b_h", "W_hy", "b_y"))
    T = len(xs)
    H = np.empty((T + 1, len(h0)))
    H[0] = h0
    for t in range(T):
        H[t + 1] = np.tanh(W_xh @ xs[t] + W_hh @ H[t] + b_h)
    O = H[1:] @ W_hy.T + b_y
    P = np.exp(O - O.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    loss = -np.log(P[np.arange(T), targets]).sum()
    dO = P.copy()
    dO[np.arange(T), targets] -= 1
    g = {"W_hy": dO.T @ H[1:], "b_y": dO.sum(axis=0), "W_xh": np.zeros_like(W_xh),
         "W_hh": np.zeros_like(W_hh), "b_h": np.zeros_like(b_h)}
    dH = dO @ W_hy                              # direct part of ∂L/∂h_t, rows t = 1..T
    carry = np.zeros_like(h0)
    for t in range(T - 1, 0, -1):               # BUG: stops before t = 0 (step 1)
        da = (dH[t] + carry) * (1 - H[t + 1] ** 2)
        g["W_xh"] += np.outer(da, xs[t])
        g["W_hh"] += np.outer(da, H[t])
        g["b_h"] += da
        carry = W_hh.T @ da
    g["h0"] = carry
    return loss, g


def row(x, h0, Wx, Wh, b, dh):
    N, T, D = x.shape
    hs = [h0]
    for t in range(T):
        hs.append(np.tanh(x[:, t] @ Wx + hs[-1] @ Wh + b))
    dx, dWx, dWh, db = np.zeros_like(x), np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)
    dprev = np.zeros_like(h0)
    for t in range(T - 1, 0, -1):               # BUG: range(T - 1, -1, -1)
        da = (dh[:, t] + dprev) * (1 - hs[t + 1] ** 2)
        dx[:, t] = da @ Wx.T
        dWx += x[:, t].T @ da
        dWh += hs[t].T @ da
        db += da.sum(axis=0)
        dprev = da @ Wh.T
    return dx, dprev, dWx, dWh, db
