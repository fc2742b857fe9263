"""CORRECT, partial option support: activation= supports only tanh and sigmoid and raises
ValueError("unknown activation ...") for the others, in both layouts.

The refused values are "not supported by fn" (listed in the report, not checked); tanh and
sigmoid are checked, and the verdict is correct (exit 0).
"""

import numpy as np

EXPECT = {"row": {"wrong": {}, "note": "not supported by fn: activation='identity'"},
          "column": {"wrong": {}, "note": "not supported by fn: activation='relu'"}}


def _act(activation):
    if activation == "tanh":
        return np.tanh, lambda h: 1 - h ** 2
    if activation == "sigmoid":
        return (lambda a: 1 / (1 + np.exp(-a))), (lambda h: h * (1 - h))
    raise ValueError(f"unknown activation {activation!r}")


def row(x, h0, Wx, Wh, b, dh, activation="tanh"):
    f, df = _act(activation)
    N, T, D = x.shape
    h = [h0]
    for t in range(T):
        h.append(f(x[:, t] @ Wx + h[t] @ Wh + b))
    dx = np.zeros_like(x)
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)
    dprev = np.zeros_like(h0)
    for t in range(T - 1, -1, -1):
        da = (dh[:, t] + dprev) * df(h[t + 1])
        dx[:, t] = da @ Wx.T
        dWx += x[:, t].T @ da
        dWh += h[t].T @ da
        db += da.sum(0)
        dprev = da @ Wh.T
    return dx, dprev, dWx, dWh, db


def column(params, xs, targets, h0, activation="tanh"):
    f, df = _act(activation)
    W_xh, W_hh, b_h, W_hy, b_y = (params[k] for k in ("W_xh", "W_hh", "b_h", "W_hy", "b_y"))
    hs, ps, loss = [h0], [], 0.0
    for t in range(len(xs)):
        hs.append(f(W_xh @ xs[t] + W_hh @ hs[-1] + b_h))
        o = W_hy @ hs[-1] + b_y
        e = np.exp(o - o.max())
        ps.append(e / e.sum())
        loss -= np.log(ps[-1][targets[t]])
    g = {k: np.zeros_like(v) for k, v in params.items()}
    nxt = np.zeros_like(h0)
    for t in reversed(range(len(xs))):
        dy = ps[t].copy()
        dy[targets[t]] -= 1
        g["W_hy"] += np.outer(dy, hs[t + 1])
        g["b_y"] += dy
        da = df(hs[t + 1]) * (W_hy.T @ dy + nxt)
        g["W_xh"] += np.outer(da, xs[t])
        g["W_hh"] += np.outer(da, hs[t])
        g["b_h"] += da
        nxt = W_hh.T @ da
    g["h0"] = nxt
    return loss, g
