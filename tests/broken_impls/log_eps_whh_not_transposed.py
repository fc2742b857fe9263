"""BROKEN, behind the log-epsilon idiom: -np.log(p + 1e-12) (fine) and W_hh not transposed (the bug).

Convention: column. The idiom makes the loss differ on cases with p ≪ 1e-12 or one class; the
bug makes the recurrent gradients wrong from T = 2 (∂L/∂h0 from T = 1). Expected: the idiom is
never the counterexample — the loss is judged right — and the hint names the mistake: W_hh is
not transposed.
"""

import numpy as np

EXPECT = {"column": {"wrong": {"W_xh": 2, "W_hh": 2, "b_h": 2, "h0": 1}, "mistake": "whh_not_transposed",
                     "hint": "W_hh is not transposed"}}


def column(params, xs, targets, h0):
    Wxh, Whh, Why, bh, by = (params[k] for k in ("W_xh", "W_hh", "W_hy", "b_h", "b_y"))
    h, p, loss = {-1: h0}, {}, 0.0
    for t in range(len(xs)):
        h[t] = np.tanh(Wxh @ xs[t] + Whh @ h[t - 1] + bh)
        y = Why @ h[t] + by
        p[t] = np.exp(y - y.max()) / np.sum(np.exp(y - y.max()))
        loss += -np.log(p[t][targets[t]] + 1e-12)
    d = {k: np.zeros_like(v) for k, v in params.items()}
    dhnext = np.zeros_like(h0)
    for t in reversed(range(len(xs))):
        dy = p[t].copy()
        dy[targets[t]] -= 1
        d["W_hy"] += np.outer(dy, h[t])
        d["b_y"] += dy
        dhraw = (1 - h[t] ** 2) * (Why.T @ dy + dhnext)
        d["W_xh"] += np.outer(dhraw, xs[t])
        d["W_hh"] += np.outer(dhraw, h[t - 1])
        d["b_h"] += dhraw
        dhnext = Whh @ dhraw                       # BUG: Whh.T @ dhraw
    d["h0"] = dhnext
    return loss, d
