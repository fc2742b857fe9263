"""A correct LSTM written against PyTorch's state_dict names (nn.LSTM as `rnn`, nn.Linear as
`fc`): gates stacked i, f, g, o, the two biases added."""
import numpy as np


def loss_and_grads(params, xs, targets, state0):
    W_ih, W_hh = params["rnn.weight_ih_l0"], params["rnn.weight_hh_l0"]
    b = params["rnn.bias_ih_l0"] + params["rnn.bias_hh_l0"]
    W, bo = params["fc.weight"], params["fc.bias"]
    H = W_hh.shape[1]
    h, c = state0["h"], state0["c"]
    tape, loss = [], 0.0
    for t, x in enumerate(xs):
        a = W_ih @ x + W_hh @ h + b
        i, f = 1 / (1 + np.exp(-a[:H])), 1 / (1 + np.exp(-a[H:2 * H]))
        g, o = np.tanh(a[2 * H:3 * H]), 1 / (1 + np.exp(-a[3 * H:]))
        c2 = f * c + i * g
        h2 = o * np.tanh(c2)
        z = W @ h2 + bo
        p = np.exp(z - z.max())
        p = p / p.sum()
        loss += -np.log(p[targets[t]])
        tape.append((x, h, c, i, f, g, o, c2, h2, p))
        h, c = h2, c2
    d = {k: np.zeros_like(v) for k, v in params.items()}
    dh_n, dc_n = np.zeros(H), np.zeros(H)
    for t in reversed(range(len(xs))):
        x, hp, cp, i, f, g, o, c2, h2, p = tape[t]
        dz = p.copy()
        dz[targets[t]] -= 1
        d["fc.weight"] += np.outer(dz, h2)
        d["fc.bias"] += dz
        dh = W.T @ dz + dh_n
        tc = np.tanh(c2)
        dc = dc_n + dh * o * (1 - tc ** 2)
        da = np.concatenate([dc * g * i * (1 - i), dc * cp * f * (1 - f), dc * i * (1 - g ** 2), dh * tc * o * (1 - o)])
        d["rnn.weight_ih_l0"] += np.outer(da, x)
        d["rnn.weight_hh_l0"] += np.outer(da, hp)
        d["rnn.bias_ih_l0"] += da
        d["rnn.bias_hh_l0"] += da
        dh_n, dc_n = W_hh.T @ da, dc * f
    d["h0"], d["c0"] = dh_n, dc_n
    return loss, d
