"""BROKEN: the hidden state is carried between calls in a module global (a char-RNN habit).

Convention: column (a function of (params, xs, targets, h0) must not keep state; the row
convention's layer function has the same duty, but the habit comes from training scripts).
Mistake: the first call starts from h0; later calls start from the last state of the previous
call and ignore h0.
Expected: wrong (everything, the loss too) and "state carried between calls"; the failure
depends on call order, so it may not shrink.
"""

import numpy as np

EXPECT = {"column": {"wrong": {"loss": 1, "W_xh": 1, "W_hh": 1, "b_h": 1, "W_hy": 1, "b_y": 1},
                     "state": True, "hint": "state carried"}}

_hprev = None


def column(params, xs, targets, h0):
    global _hprev
    W_xh, W_hh, b_h, W_hy, b_y = (params[k] for k in ("W_xh", "W_hh", "b_h", "W_hy", "b_y"))
    if _hprev is None or _hprev.shape != h0.shape:
        _hprev = h0                             # BUG: h0 is used only on the first call
    T = len(xs)
    hs, ps, loss = {-1: _hprev}, {}, 0.0
    for t in range(T):
        hs[t] = np.tanh(W_xh @ xs[t] + W_hh @ hs[t - 1] + b_h)
        o = W_hy @ hs[t] + b_y
        ps[t] = np.exp(o - o.max()) / np.exp(o - o.max()).sum()
        loss += -np.log(ps[t][targets[t]])
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
    _hprev = hs[T - 1]
    return loss, g
