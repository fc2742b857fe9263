"""BROKEN: another activation than declared — the file says sigmoid, the code computes tanh.

Convention: column, checked with --activation sigmoid (fn takes no activation argument).
Mistake: a tanh RNN (copied from a tanh tutorial) used as the sigmoid model. Expected: every
quantity is wrong from T = 1; the hint must name the mistake: computed with tanh in place of
the declared activation.
"""

import numpy as np

EXPECT = {"column": {"wrong": {"loss": 1, "W_xh": 1, "W_hh": 1, "b_h": 1, "W_hy": 1, "b_y": 1, "h0": 1},
                     "options": {"activation": "sigmoid"}, "mistake": "computes_tanh",
                     "hint": "computed with tanh in place of the declared activation"}}


def column(params, xs, targets, h0):
    Wxh, Whh, bh, Why, by = params["W_xh"], params["W_hh"], params["b_h"], params["W_hy"], params["b_y"]
    hs, ps, loss = {-1: h0}, {}, 0.0
    for t in range(len(xs)):
        hs[t] = np.tanh(Wxh @ xs[t] + Whh @ hs[t - 1] + bh)       # BUG: declared sigmoid
        o = Why @ hs[t] + by
        ps[t] = np.exp(o - o.max()) / np.exp(o - o.max()).sum()
        loss += -np.log(ps[t][targets[t]])
    g = {k: np.zeros_like(v) for k, v in params.items()}
    dhnext = np.zeros_like(h0)
    for t in reversed(range(len(xs))):
        dy = ps[t].copy()
        dy[targets[t]] -= 1
        g["W_hy"] += np.outer(dy, hs[t])
        g["b_y"] += dy
        dhraw = (1 - hs[t] ** 2) * (Why.T @ dy + dhnext)
        g["W_xh"] += np.outer(dhraw, xs[t])
        g["W_hh"] += np.outer(dhraw, hs[t - 1])
        g["b_h"] += dhraw
        dhnext = Whh.T @ dhraw
    g["h0"] = dhnext
    return loss, g
