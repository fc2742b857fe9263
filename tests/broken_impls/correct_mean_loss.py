"""CORRECT, a mean-reduced loss (PyTorch's default): L = (1/T) Σ_t L_t and gradients to match.

Checked with --reduction mean (exit 0); under the default sum every quantity is T times too
small, which is what the checker reports without the flag.
"""

import numpy as np

EXPECT = {"column": {"wrong": {}, "options": {"reduction": "mean"}}}


def column(params, xs, targets, h0):
    Wx, Wh, bh, Wy, by = params["W_xh"], params["W_hh"], params["b_h"], params["W_hy"], params["b_y"]
    T = len(xs)
    states = [h0]
    for t in range(T):
        states.append(np.tanh(Wx @ xs[t] + Wh @ states[-1] + bh))
    H = np.array(states[1:])
    logits = H @ Wy.T + by
    logits = logits - logits.max(axis=1, keepdims=True)
    logp = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    loss = -logp[np.arange(T), targets].mean()
    dlogits = np.exp(logp)
    dlogits[np.arange(T), targets] -= 1
    dlogits /= T
    g = {"W_hy": dlogits.T @ H, "b_y": dlogits.sum(0)}
    dH = dlogits @ Wy
    gx, gh, gb, back = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(bh), np.zeros_like(h0)
    for t in range(T - 1, -1, -1):
        da = (dH[t] + back) * (1 - H[t] ** 2)
        gx += np.outer(da, xs[t])
        gh += np.outer(da, states[t])
        gb += da
        back = Wh.T @ da
    g.update(W_xh=gx, W_hh=gh, b_h=gb, h0=back)
    return loss, g
