"""BROKEN: the hidden bias gradient is summed over the wrong axis (char-RNN column vectors).

Convention: column, written with (H, 1) column vectors as char-RNN scripts are. In the row
convention the same slip changes db's shape ((N,) or (N, 1) instead of (H,)), which the checker
reports as an unusable answer, not as a wrong gradient; the row analogue that keeps the shape
is batch_mean_instead_of_sum.py.
Mistake: dbh += np.sum(da, axis=0) on da (H, 1): sums over the hidden units and broadcasts the
total into every entry, instead of dbh += da.
Expected: only b_h is wrong, from T = 1 (it is right only when H = 1).
"""

import numpy as np

EXPECT = {"column": {"wrong": {"b_h": 1}, "hint": "bias"}}


def column(params, xs, targets, h0):
    Wxh, Whh, Why = params["W_xh"], params["W_hh"], params["W_hy"]
    bh, by = params["b_h"][:, None], params["b_y"][:, None]
    T = len(xs)
    hs, ps, loss = {-1: h0[:, None]}, {}, 0.0
    for t in range(T):
        x = xs[t][:, None]
        hs[t] = np.tanh(Wxh @ x + Whh @ hs[t - 1] + bh)
        y = Why @ hs[t] + by
        ps[t] = np.exp(y - y.max()) / np.sum(np.exp(y - y.max()))
        loss += -np.log(ps[t][targets[t], 0])
    dWxh, dWhh, dWhy = np.zeros_like(Wxh), np.zeros_like(Whh), np.zeros_like(Why)
    dbh, dby = np.zeros_like(bh), np.zeros_like(by)
    dhnext = np.zeros_like(hs[0])
    for t in reversed(range(T)):
        dy = np.copy(ps[t])
        dy[targets[t]] -= 1
        dWhy += dy @ hs[t].T
        dby += dy
        dh = Why.T @ dy + dhnext
        dhraw = (1 - hs[t] * hs[t]) * dh
        dbh += np.sum(dhraw, axis=0)            # BUG: dbh += dhraw
        dWxh += dhraw @ xs[t][None, :]
        dWhh += dhraw @ hs[t - 1].T
        dhnext = Whh.T @ dhraw
    return loss, {"W_xh": dWxh, "W_hh": dWhh, "b_h": dbh[:, 0], "W_hy": dWhy, "b_y": dby[:, 0],
                  "h0": dhnext[:, 0]}
