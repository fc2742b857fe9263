"""CORRECT (column convention): the article's backward pass, one step at a time, 1-D vectors.

Takes activation, loss_at and truncation keywords, so the checker varies all three.
Truncated BPTT follows docs/truncation.md: at each update point tau (k1, 2 k1, ..., T) the
losses tau_prev < t <= tau are back-propagated through the steps max(1, tau - k2 + 1) .. tau.
"""

import numpy as np

ACTIVATIONS = {
    "tanh": (np.tanh, lambda h: 1.0 - h * h),
    "sigmoid": (lambda a: 1.0 / (1.0 + np.exp(-a)), lambda h: h * (1.0 - h)),
    "relu": (lambda a: np.maximum(a, 0.0), lambda h: (h > 0).astype(h.dtype)),
    "identity": (lambda a: a, lambda h: np.ones_like(h)),
}


def softmax(o):
    e = np.exp(o - o.max())
    return e / e.sum()


def update_points(T, truncation):
    if truncation is None:
        return [(0, T, 0)]
    k1, k2 = truncation.k1, truncation.k2
    taus = list(range(k1, T + 1, k1))
    if not taus or taus[-1] != T:
        taus.append(T)
    points, prev = [], 0
    for tau in taus:
        points.append((prev, tau, max(0, tau - k2)))      # 0-based: steps start .. tau-1
        prev = tau
    return points


def column(params, xs, targets, h0, activation="tanh", loss_at="all", truncation=None):
    W_xh, W_hh, b_h, W_hy, b_y = (params[k] for k in ("W_xh", "W_hh", "b_h", "W_hy", "b_y"))
    f, df = ACTIVATIONS[activation]
    T = len(xs)
    hs, dys, loss = {-1: h0}, {}, 0.0
    for t in range(T):
        hs[t] = f(W_xh @ xs[t] + W_hh @ hs[t - 1] + b_h)
        if loss_at == "all" or t == T - 1:
            p = softmax(W_hy @ hs[t] + b_y)
            loss += -np.log(p[targets[t]])
            dy = p.copy()
            dy[targets[t]] -= 1.0
            dys[t] = dy
    g = {k: np.zeros_like(v) for k, v in params.items()}
    g["h0"] = np.zeros_like(h0)
    for t, dy in dys.items():
        g["W_hy"] += np.outer(dy, hs[t])
        g["b_y"] += dy
    for prev, tau, start in update_points(T, truncation):
        dh_next = np.zeros_like(h0)
        for t in reversed(range(start, tau)):
            dh = dh_next + (W_hy.T @ dys[t] if t >= prev and t in dys else 0.0)
            da = dh * df(hs[t])
            g["W_xh"] += np.outer(da, xs[t])
            g["W_hh"] += np.outer(da, hs[t - 1])
            g["b_h"] += da
            dh_next = W_hh.T @ da
        if start == 0:
            g["h0"] += dh_next
    return loss, g
