"""BROKEN: tanh's derivative 1 − h² is used whatever the activation.

Convention: column (takes `activation`, so the checker varies it). In the row convention the
layer is tanh, where this is not a mistake.
Expected: right for tanh only; for identity, relu and sigmoid every recurrent-layer gradient is
wrong from T = 1; the output layer and the loss are right.
"""

import numpy as np

EXPECT = {
    "column": {"mistake": "derivative_of_tanh", "wrong": {"W_xh": 1, "W_hh": 1, "b_h": 1, "h0": 1},
               "depends": {"activation": ["identity", "relu", "sigmoid"]}, "hint": "Right only for tanh"},
}

ACT = {"tanh": np.tanh, "sigmoid": lambda a: 0.5 * (1 + np.tanh(a / 2)),
       "relu": lambda a: a * (a > 0), "identity": lambda a: a}


def column(params, xs, targets, h0, activation="tanh"):
    W_xh, W_hh, b_h, W_hy, b_y = (params[k] for k in ("W_xh", "W_hh", "b_h", "W_hy", "b_y"))
    T = len(xs)
    hs, dys, loss = [h0], [], 0.0
    for t in range(T):
        hs.append(ACT[activation](W_xh @ xs[t] + W_hh @ hs[-1] + b_h))
        o = W_hy @ hs[-1] + b_y
        lse = o.max() + np.log(np.exp(o - o.max()).sum())
        loss += lse - o[targets[t]]
        dy = np.exp(o - lse)
        dy[targets[t]] -= 1
        dys.append(dy)
    g = {k: np.zeros_like(v) for k, v in params.items()}
    dh_next = np.zeros_like(h0)
    for t in reversed(range(T)):
        g["W_hy"] += np.outer(dys[t], hs[t + 1])
        g["b_y"] += dys[t]
        da = (1 - hs[t + 1] ** 2) * (W_hy.T @ dys[t] + dh_next)   # BUG: tanh' for every activation
        g["W_xh"] += np.outer(da, xs[t])
        g["W_hh"] += np.outer(da, hs[t])
        g["b_h"] += da
        dh_next = W_hh.T @ da
    g["h0"] = dh_next
    return loss, g
