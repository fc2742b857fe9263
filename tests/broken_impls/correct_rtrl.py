"""CORRECT (column convention), written very differently: forward-mode sensitivities (RTRL).

Instead of a backward pass, dh_t/dθ is carried forward with h_t and every loss is
differentiated on the spot: P_t = diag(f'(a_t)) (∂a_t/∂θ + W_hh P_{t-1}). Costly (H² D + H³
per step), exact, and independent of the δ recursion. Takes activation; full BPTT only.
"""

import numpy as np

F = {"tanh": (np.tanh, lambda h: 1 - h ** 2),
     "sigmoid": (lambda a: 1 / (1 + np.exp(-a)), lambda h: h * (1 - h)),
     "relu": (lambda a: np.maximum(a, 0), lambda h: (h > 0) * 1.0),
     "identity": (lambda a: a, lambda h: np.ones_like(h))}


def column(params, xs, targets, h0, activation="tanh"):
    W_xh, W_hh, b_h, W_hy, b_y = (params[k] for k in ("W_xh", "W_hh", "b_h", "W_hy", "b_y"))
    f, df = F[activation]
    H, D = W_xh.shape
    # Sensitivities of h (H,) w.r.t. each recurrent parameter, flattened: (H, size).
    S = {"W_xh": np.zeros((H, H * D)), "W_hh": np.zeros((H, H * H)), "b_h": np.zeros((H, H)),
         "h0": np.eye(H)}
    grads = {k: np.zeros(S[k].shape[1]) for k in S}
    gW_hy, gb_y = np.zeros_like(W_hy), np.zeros_like(b_y)
    h, loss = h0, 0.0
    for t in range(len(xs)):
        h_prev, h = h, f(W_xh @ xs[t] + W_hh @ h + b_h)
        d = df(h)[:, None]
        local = {"W_xh": np.kron(np.eye(H), xs[t][None, :]), "W_hh": np.kron(np.eye(H), h_prev[None, :]),
                 "b_h": np.eye(H), "h0": np.zeros((H, H))}
        S = {k: d * (local[k] + W_hh @ S[k]) for k in S}
        o = W_hy @ h + b_y
        p = np.exp(o - o.max())
        p /= p.sum()
        loss -= np.log(p[targets[t]])
        dy = p - np.eye(len(o))[targets[t]]
        gW_hy += np.outer(dy, h)
        gb_y += dy
        dh = W_hy.T @ dy
        for k in S:
            grads[k] += dh @ S[k]
    return loss, {"W_xh": grads["W_xh"].reshape(H, D), "W_hh": grads["W_hh"].reshape(H, H),
                  "b_h": grads["b_h"], "W_hy": gW_hy, "b_y": gb_y, "h0": grads["h0"]}
