"""Broken LSTM in the column layout (per-gate dicts, a char-RNN style loss function): the
forget gate's pre-activation gradient lacks sigmoid' (df is used as da_f)."""
import numpy as np


def sigmoid(v):
    return 1.0 / (1.0 + np.exp(-v))


def lstm_loss(params, xs, targets, state0):
    p = params
    h, c = {-1: state0["h"]}, {-1: state0["c"]}
    I, F, G, O, P = {}, {}, {}, {}, {}
    loss = 0.0
    for t in range(len(xs)):
        x = xs[t]
        I[t] = sigmoid(p["W_xi"] @ x + p["W_hi"] @ h[t - 1] + p["b_i"])
        F[t] = sigmoid(p["W_xf"] @ x + p["W_hf"] @ h[t - 1] + p["b_f"])
        G[t] = np.tanh(p["W_xg"] @ x + p["W_hg"] @ h[t - 1] + p["b_g"])
        O[t] = sigmoid(p["W_xo"] @ x + p["W_ho"] @ h[t - 1] + p["b_o"])
        c[t] = F[t] * c[t - 1] + I[t] * G[t]
        h[t] = O[t] * np.tanh(c[t])
        y = p["W_hy"] @ h[t] + p["b_y"]
        P[t] = np.exp(y - y.max()) / np.exp(y - y.max()).sum()
        loss += -np.log(P[t][targets[t]])
    grads = {k: np.zeros_like(v) for k, v in p.items()}
    dh_next, dc_next = np.zeros_like(h[-1]), np.zeros_like(c[-1])
    for t in reversed(range(len(xs))):
        dy = P[t].copy()
        dy[targets[t]] -= 1
        grads["W_hy"] += np.outer(dy, h[t])
        grads["b_y"] += dy
        dh = p["W_hy"].T @ dy + dh_next
        tc = np.tanh(c[t])
        dc = dc_next + dh * O[t] * (1 - tc ** 2)
        da = {"i": dc * G[t] * I[t] * (1 - I[t]),
              "f": dc * c[t - 1],                      # BUG: missing * F[t] * (1 - F[t])
              "g": dc * I[t] * (1 - G[t] ** 2),
              "o": dh * tc * O[t] * (1 - O[t])}
        dh_next = np.zeros_like(dh)
        for k, d in da.items():
            grads["W_x" + k] += np.outer(d, xs[t])
            grads["W_h" + k] += np.outer(d, h[t - 1])
            grads["b_" + k] += d
            dh_next += p["W_h" + k].T @ d
        dc_next = dc * F[t]
    grads["h0"], grads["c0"] = dh_next, dc_next
    return loss, grads
