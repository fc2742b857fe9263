"""BROKEN: with the loss at the last step only, the earlier steps still send ∂L_t/∂o_t back.

Convention: column (takes `loss_at`, so the checker tries "all" and "last"). The row analogue,
where the upstream gradient is ignored before T, is upstream_last_only.py.
Mistake: the loss honours loss_at, the backward pass does not.
Expected: right with a loss at every step; with loss_at="last", every gradient is wrong from
T = 2 (at T = 1 the two placements coincide); the loss is right.
"""

import numpy as np

EXPECT = {
    "column": {"mistake": "backward_ignores_loss_at", "wrong": {"W_xh": 2, "W_hh": 2, "b_h": 2, "W_hy": 2, "b_y": 2, "h0": 2},
               "depends": {"loss_at": ["last"]}, "hint": "last step only"},
}


def column(params, xs, targets, h0, loss_at="all"):
    W_xh, W_hh, b_h, W_hy, b_y = (params[k] for k in ("W_xh", "W_hh", "b_h", "W_hy", "b_y"))
    T = len(xs)
    hs, ps, loss = {-1: h0}, {}, 0.0
    for t in range(T):
        hs[t] = np.tanh(W_xh @ xs[t] + W_hh @ hs[t - 1] + b_h)
        o = W_hy @ hs[t] + b_y
        ps[t] = np.exp(o - o.max()) / np.exp(o - o.max()).sum()
        if loss_at == "all" or t == T - 1:
            loss += -np.log(ps[t][targets[t]])
    g = {k: np.zeros_like(v) for k, v in params.items()}
    dh_next = np.zeros_like(h0)
    for t in reversed(range(T)):
        dy = ps[t].copy()                       # BUG: zero unless loss_at == "all" or t == T - 1
        dy[targets[t]] -= 1
        g["W_hy"] += np.outer(dy, hs[t])
        g["b_y"] += dy
        da = (1 - hs[t] ** 2) * (W_hy.T @ dy + dh_next)
        g["W_xh"] += np.outer(da, xs[t])
        g["W_hh"] += np.outer(da, hs[t - 1])
        g["b_h"] += da
        dh_next = W_hh.T @ da
    g["h0"] = dh_next
    return loss, g
