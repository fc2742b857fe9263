"""CORRECT for truncated BPTT with k1 = k2 = 2, hard-wired (no `truncation` parameter).

The article's chunked scheme: after every 2 steps (and at T) the losses since the last update
are back-propagated through the last 2 steps only; the hidden state, not the gradient, is
carried on. As in numeric/truncation.py, the last update point tau = T reaches back k2 = 2
steps even when it falls in the middle of a chunk (an implementation that cuts the sequence
into independent chunks differs there when 2 does not divide T).
Checked with --truncation 2 it is correct; checked as full BPTT it is (rightly) wrong from T = 3.
"""

import numpy as np

K = 2
EXPECT = {"column": {"wrong": {}, "truncation": 2}}


def column(params, xs, targets, h0):
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
    prev = 0
    for tau in sorted(set(list(range(K, T + 1, K)) + [T])):
        dh_next = np.zeros_like(h0)
        for t in range(tau - 1, max(0, tau - K) - 1, -1):     # the last K steps up to tau
            da = (1 - hs[t] ** 2) * (dh_next + (W_hy.T @ dys[t] if t >= prev else 0))
            g["W_xh"] += np.outer(da, xs[t])
            g["W_hh"] += np.outer(da, hs[t - 1])
            g["b_h"] += da
            dh_next = W_hh.T @ da
        if tau <= K:
            g["h0"] += dh_next
        prev = tau
    return loss, g
