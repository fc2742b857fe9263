"""CORRECT (column convention), written differently: every loss L_t is back-propagated on its
own, down the chain of Jacobians ∂h_s/∂h_{s-1} = diag(f'(a_s)) W_hh, and the contributions are
summed — the "sum over paths" form of the article's unrolled graph, O(T²) instead of O(T).

Takes activation, loss_at and truncation (None or numeric.Truncation(k1, k2)): a loss L_t of
the segment ending at update point tau reaches back to step max(1, tau - k2 + 1).
"""

import numpy as np

F = {"tanh": (np.tanh, lambda h: 1 - h * h),
     "sigmoid": (lambda a: np.exp(-np.logaddexp(0, -a)), lambda h: h * (1 - h)),
     "relu": (lambda a: np.maximum(a, 0), lambda h: 1.0 * (h > 0)),
     "identity": (lambda a: a, lambda h: 1.0 + 0 * h)}


def _segments(T, truncation):
    """For each loss step t (1-based): the first step its gradient may reach."""
    if truncation is None:
        return {t: 1 for t in range(1, T + 1)}
    reach, prev = {}, 0
    taus = sorted(set(list(range(truncation.k1, T + 1, truncation.k1)) + [T]))
    for tau in taus:
        for t in range(prev + 1, tau + 1):
            reach[t] = max(1, tau - truncation.k2 + 1)
        prev = tau
    return reach


def column(params, xs, targets, h0, activation="tanh", loss_at="all", truncation=None):
    W_xh, W_hh, b_h, W_hy, b_y = (params[k] for k in ("W_xh", "W_hh", "b_h", "W_hy", "b_y"))
    f, df = F[activation]
    T = len(xs)
    h = [h0]
    for t in range(1, T + 1):
        h.append(f(W_xh @ xs[t - 1] + W_hh @ h[t - 1] + b_h))
    g = {k: np.zeros_like(v) for k, v in params.items()}
    g["h0"] = np.zeros_like(h0)
    loss = 0.0
    reach = _segments(T, truncation)
    for t in range(1, T + 1):
        if loss_at == "last" and t < T:
            continue
        o = W_hy @ h[t] + b_y
        lse = np.logaddexp.reduce(o)
        loss += lse - o[targets[t - 1]]
        dy = np.exp(o - lse)
        dy[targets[t - 1]] -= 1
        g["W_hy"] += np.outer(dy, h[t])
        g["b_y"] += dy
        dh = W_hy.T @ dy                                  # ∂L_t/∂h_s, starting at s = t
        for s in range(t, reach[t] - 1, -1):
            da = dh * df(h[s])
            g["W_xh"] += np.outer(da, xs[s - 1])
            g["W_hh"] += np.outer(da, h[s - 1])
            g["b_h"] += da
            dh = W_hh.T @ da
            if s == 1:
                g["h0"] += dh
    return loss, g
