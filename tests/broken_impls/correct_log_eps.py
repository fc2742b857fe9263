"""CORRECT, the log-epsilon idiom: a char-RNN lossFun whose loss is -np.log(p + 1e-12).

The gradients are the usual p - onehot(y). The loss differs from Σ −log p only where p[y] is
not ≫ 1e-12 (large weights) or where the true loss is 0 (one class, V = 1): not a bug, so the
verdict is correct (exit 0) with a note naming the idiom.
"""

import numpy as np

EXPECT = {"column": {"wrong": {}, "note": "log-epsilon idiom"}}


def column(params, xs, targets, h0):
    Wxh, Whh, Why, bh, by = (params[k] for k in ("W_xh", "W_hh", "W_hy", "b_h", "b_y"))
    x, h, y, p = {}, {}, {}, {}
    h[-1] = np.copy(h0)
    loss = 0
    for t in range(len(xs)):
        x[t] = xs[t]
        h[t] = np.tanh(np.dot(Wxh, x[t]) + np.dot(Whh, h[t - 1]) + bh)
        y[t] = np.dot(Why, h[t]) + by
        p[t] = np.exp(y[t] - np.max(y[t])) / np.sum(np.exp(y[t] - np.max(y[t])))
        loss += -np.log(p[t][targets[t]] + 1e-12)
    dWxh, dWhh, dWhy = np.zeros_like(Wxh), np.zeros_like(Whh), np.zeros_like(Why)
    dbh, dby = np.zeros_like(bh), np.zeros_like(by)
    dhnext = np.zeros_like(h[0])
    for t in reversed(range(len(xs))):
        dy = np.copy(p[t])
        dy[targets[t]] -= 1
        dWhy += np.outer(dy, h[t])
        dby += dy
        dh = np.dot(Why.T, dy) + dhnext
        dhraw = (1 - h[t] * h[t]) * dh
        dbh += dhraw
        dWxh += np.outer(dhraw, x[t])
        dWhh += np.outer(dhraw, h[t - 1])
        dhnext = np.dot(Whh.T, dhraw)
    return loss, {"W_xh": dWxh, "W_hh": dWhh, "W_hy": dWhy, "b_h": dbh, "b_y": dby, "h0": dhnext}
