"""CORRECT, the model people write: no biases, and the state always starts at zero.

fn(params, xs, targets) takes no h0 at all; params has only W_xh, W_hh, W_hy and so do the
gradients. Checked with --no-bias --h0 zero (exit 0); without those flags the checker cannot
call it.
"""

import numpy as np

EXPECT = {"column": {"wrong": {}, "options": {"bias": False, "h0": "zero"}}}


def column(params, xs, targets):
    U, W, V = params["W_xh"], params["W_hh"], params["W_hy"]
    T = xs.shape[0]
    s = np.zeros((T + 1, W.shape[0]))          # s[-1] stays zero: the initial state
    o = np.zeros((T, V.shape[0]))
    for t in np.arange(T):
        s[t] = np.tanh(U.dot(xs[t]) + W.dot(s[t - 1]))
        z = V.dot(s[t])
        o[t] = np.exp(z - np.max(z)) / np.sum(np.exp(z - np.max(z)))
    L = -np.sum(np.log(o[np.arange(T), targets]))
    dLdU, dLdV, dLdW = np.zeros(U.shape), np.zeros(V.shape), np.zeros(W.shape)
    delta_o = o.copy()
    delta_o[np.arange(T), targets] -= 1.0
    for t in np.arange(T)[::-1]:
        dLdV += np.outer(delta_o[t], s[t])
        delta_t = V.T.dot(delta_o[t]) * (1 - s[t] ** 2)
        for step in np.arange(0, t + 1)[::-1]:       # the tutorial's inner loop back to step 0
            dLdW += np.outer(delta_t, s[step - 1])
            dLdU += np.outer(delta_t, xs[step])
            delta_t = W.T.dot(delta_t) * (1 - s[step - 1] ** 2)
    return L, {"W_xh": dLdU, "W_hh": dLdW, "W_hy": dLdV}
