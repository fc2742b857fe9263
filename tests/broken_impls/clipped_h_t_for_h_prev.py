"""BROKEN twice: gradients clipped inside fn (np.clip(g, -1, 1)) and h_t where h_{t-1} belongs.

Convention: column. Clipping is recognised first (on the cases where it alone explains the
answer); the remaining hints are computed on the others and name the second mistake: the W_hh
gradient uses h_t in place of the previous state h_{t-1}.
"""

import numpy as np

EXPECT = {"column": {"wrong_among": ["W_xh", "W_hh", "b_h", "W_hy", "b_y", "h0"],
                     "mistake": "h_t_for_h_prev", "hint": "in place of the previous state"}}


def column(params, xs, targets, h0):
    Wxh, Whh, bh, Why, by = params["W_xh"], params["W_hh"], params["b_h"], params["W_hy"], params["b_y"]
    hs, ps, loss = [h0], [], 0.0
    for t in range(len(xs)):
        hs.append(np.tanh(Wxh @ xs[t] + Whh @ hs[t] + bh))
        o = Why @ hs[t + 1] + by
        ps.append(np.exp(o - o.max()) / np.exp(o - o.max()).sum())
        loss -= np.log(ps[t][targets[t]])
    g = {k: np.zeros_like(v) for k, v in params.items()}
    dnext = np.zeros_like(h0)
    for t in reversed(range(len(xs))):
        dy = ps[t].copy()
        dy[targets[t]] -= 1
        g["W_hy"] += np.outer(dy, hs[t + 1])
        g["b_y"] += dy
        da = (1 - hs[t + 1] ** 2) * (Why.T @ dy + dnext)
        g["W_xh"] += np.outer(da, xs[t])
        g["W_hh"] += np.outer(da, hs[t + 1])          # BUG 2: hs[t]
        g["b_h"] += da
        dnext = Whh.T @ da
    for k in ("W_xh", "W_hh", "b_h", "W_hy", "b_y"):
        np.clip(g[k], -1, 1, out=g[k])                # BUG 1: clip in the training loop
    g["h0"] = dnext
    return loss, g
