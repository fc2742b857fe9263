"""BROKEN: the activation derivative is missing — ∂L/∂a_t is taken to be ∂L/∂h_t.

Conventions: column (takes `activation`, so the checker varies it) and row (tanh layer).
Mistake: da = dh instead of da = dh * f'(a).
Expected: every recurrent-layer gradient is wrong from T = 1, the output layer and loss are
right; in the column convention it is right for the identity activation (f' = 1) only.
"""

import numpy as np

EXPECT = {
    "column": {"mistake": "derivative_missing", "wrong": {"W_xh": 1, "W_hh": 1, "b_h": 1, "h0": 1},
               "depends": {"activation": ["relu", "sigmoid", "tanh"]}, "hint": "identity activation"},
    "row": {"mistake": "derivative_missing", "wrong": {"dx": 1, "dh0": 1, "dWx": 1, "dWh": 1, "db": 1}},
}

F = {"tanh": np.tanh, "sigmoid": lambda a: 1 / (1 + np.exp(-a)), "relu": lambda a: np.maximum(a, 0),
     "identity": lambda a: a}


def column(params, xs, targets, h0, activation="tanh"):
    W_xh, W_hh, b_h, W_hy, b_y = (params[k] for k in ("W_xh", "W_hh", "b_h", "W_hy", "b_y"))
    f = F[activation]
    T = len(xs)
    hs, dys, loss = [h0], [], 0.0
    for t in range(T):
        hs.append(f(W_xh @ xs[t] + W_hh @ hs[-1] + b_h))
        o = W_hy @ hs[-1] + b_y
        p = np.exp(o - o.max())
        p /= p.sum()
        loss += -np.log(p[targets[t]])
        p[targets[t]] -= 1
        dys.append(p)
    g = {k: np.zeros_like(v) for k, v in params.items()}
    dh_next = np.zeros_like(h0)
    for t in reversed(range(T)):
        g["W_hy"] += np.outer(dys[t], hs[t + 1])
        g["b_y"] += dys[t]
        da = W_hy.T @ dys[t] + dh_next          # BUG: should be multiplied by f'(a_t)
        g["W_xh"] += np.outer(da, xs[t])
        g["W_hh"] += np.outer(da, hs[t])
        g["b_h"] += da
        dh_next = W_hh.T @ da
    g["h0"] = dh_next
    return loss, g


def row(x, h0, Wx, Wh, b, dh):
    N, T, D = x.shape
    h = [h0]
    for t in range(T):
        h.append(np.tanh(x[:, t] @ Wx + h[-1] @ Wh + b))
    dx = np.zeros_like(x)
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)
    dnext = np.zeros_like(h0)
    for t in range(T - 1, -1, -1):
        da = dh[:, t] + dnext                   # BUG: * (1 - h[t + 1] ** 2) forgotten
        dx[:, t] = da @ Wx.T
        dWx += x[:, t].T @ da
        dWh += h[t].T @ da
        db += da.sum(axis=0)
        dnext = da @ Wh.T
    return dx, dnext, dWx, dWh, db
