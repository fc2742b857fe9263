"""BROKEN: the softmax cross-entropy gradient forgets the −1 at the target: dy = p, not p − y.

Convention: column only (the row convention's layer receives dh from above; it has no loss).
Expected: the loss is right; every gradient is wrong from T = 1, the output layer included.
"""

import numpy as np

EXPECT = {
    "column": {"mistake": "softmax_without_minus_one", "wrong": {"W_xh": 1, "W_hh": 1, "b_h": 1, "W_hy": 1, "b_y": 1, "h0": 1},
               "hint": "p_t in place of p_t − onehot(y_t)"},
}


def column(params, xs, targets, h0):
    W_xh, W_hh, b_h, W_hy, b_y = (params[k] for k in ("W_xh", "W_hh", "b_h", "W_hy", "b_y"))
    T = len(xs)
    hs, ps, loss = {-1: h0}, {}, 0.0
    for t in range(T):
        hs[t] = np.tanh(W_xh @ xs[t] + W_hh @ hs[t - 1] + b_h)
        o = W_hy @ hs[t] + b_y
        ps[t] = np.exp(o - o.max()) / np.sum(np.exp(o - o.max()))
        loss += -np.log(ps[t][targets[t]])
    g = {k: np.zeros_like(v) for k, v in params.items()}
    dh_next = np.zeros_like(h0)
    for t in reversed(range(T)):
        dy = ps[t].copy()                       # BUG: dy[targets[t]] -= 1 is missing
        g["W_hy"] += np.outer(dy, hs[t])
        g["b_y"] += dy
        da = (1 - hs[t] ** 2) * (W_hy.T @ dy + dh_next)
        g["W_xh"] += np.outer(da, xs[t])
        g["W_hh"] += np.outer(da, hs[t - 1])
        g["b_h"] += da
        dh_next = W_hh.T @ da
    g["h0"] = dh_next
    return loss, g
