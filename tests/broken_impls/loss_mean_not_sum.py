"""BROKEN: the loss is averaged over time while the gradients are of the sum.

Convention: column only (the row convention returns no loss).
Mistake: return loss / T — a wrong loss with right gradients is a bug as well (a training
curve or a gradient check against it would be off by the factor T).
Expected: only the loss is wrong, from T = 2; every gradient is right.
"""

import numpy as np

EXPECT = {"column": {"mistake": "loss_mean_over_steps", "wrong": {"loss": 2}, "hint": "averaged over the steps"}}


def column(params, xs, targets, h0):
    W_xh, W_hh, b_h, W_hy, b_y = (params[k] for k in ("W_xh", "W_hh", "b_h", "W_hy", "b_y"))
    T = len(xs)
    hs, ps, losses = {-1: h0}, {}, []
    for t in range(T):
        hs[t] = np.tanh(W_xh @ xs[t] + W_hh @ hs[t - 1] + b_h)
        o = W_hy @ hs[t] + b_y
        ps[t] = np.exp(o - o.max()) / np.exp(o - o.max()).sum()
        losses.append(-np.log(ps[t][targets[t]]))
    g = {k: np.zeros_like(v) for k, v in params.items()}
    dh_next = np.zeros_like(h0)
    for t in reversed(range(T)):
        dy = ps[t].copy()
        dy[targets[t]] -= 1
        g["W_hy"] += np.outer(dy, hs[t])
        g["b_y"] += dy
        da = (1 - hs[t] ** 2) * (W_hy.T @ dy + dh_next)
        g["W_xh"] += np.outer(da, xs[t])
        g["W_hh"] += np.outer(da, hs[t - 1])
        g["b_h"] += da
        dh_next = W_hh.T @ da
    g["h0"] = dh_next
    return np.mean(losses), g                   # BUG: np.sum(losses)
