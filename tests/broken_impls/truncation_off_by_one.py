"""BROKEN: the truncation window reaches one step too far back (k2 + 1 steps instead of k2).

Convention: column only (truncation is a choice of the whole BPTT; the row convention's layer
backward receives the complete upstream gradient and has no window). Takes `truncation`
(None or numeric.Truncation(k1, k2)), so the checker draws both full and truncated problems.
Mistake: start = tau - k2 - 1 instead of tau - k2 (0-based) — a classic fencepost error.
Expected: right for full BPTT; wrong only when truncated, from T = 2 (k1 = k2 = 1);
the output layer and the loss (always the full loss) are right.
"""

import numpy as np

EXPECT = {
    "column": {"mistake": "window_too_long", "wrong": {"W_xh": 2, "W_hh": 2, "b_h": 2, "h0": 2},
               "depends": {"truncation": ["truncated"]}, "hint": "truncation window"},
}


def column(params, xs, targets, h0, truncation=None):
    W_xh, W_hh, b_h, W_hy, b_y = (params[k] for k in ("W_xh", "W_hh", "b_h", "W_hy", "b_y"))
    T = len(xs)
    hs, dys, loss = {-1: h0}, {}, 0.0
    for t in range(T):
        hs[t] = np.tanh(W_xh @ xs[t] + W_hh @ hs[t - 1] + b_h)
        o = W_hy @ hs[t] + b_y
        p = np.exp(o - o.max())
        p /= p.sum()
        loss -= np.log(p[targets[t]])
        p[targets[t]] -= 1
        dys[t] = p
    g = {k: np.zeros_like(v) for k, v in params.items()}
    g["h0"] = np.zeros_like(h0)
    for t, dy in dys.items():
        g["W_hy"] += np.outer(dy, hs[t])
        g["b_y"] += dy
    k1, k2 = (T, T) if truncation is None else (truncation.k1, truncation.k2)
    taus = list(range(k1, T + 1, k1))
    if not taus or taus[-1] != T:
        taus.append(T)
    prev = 0
    for tau in taus:
        start = max(0, tau - k2 - 1)            # BUG: max(0, tau - k2)
        dh_next = np.zeros_like(h0)
        for t in range(tau - 1, start - 1, -1):
            dh = dh_next + (W_hy.T @ dys[t] if t >= prev else 0)
            da = dh * (1 - hs[t] ** 2)
            g["W_xh"] += np.outer(da, xs[t])
            g["W_hh"] += np.outer(da, hs[t - 1])
            g["b_h"] += da
            dh_next = W_hh.T @ da
        if start == 0:
            g["h0"] += dh_next
        prev = tau
    return loss, g
