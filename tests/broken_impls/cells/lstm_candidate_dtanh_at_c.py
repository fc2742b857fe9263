"""Broken course LSTM layer: the candidate g's tanh derivative is taken at the cell state
(1 - c_t^2) instead of at g (1 - g_t^2). Gates stacked i, f, o, g, one function."""
import numpy as np


def _sigmoid(a):
    return 1 / (1 + np.exp(-a))


def lstm_layer_backward(x, h0, Wx, Wh, b, dh):
    N, T, D = x.shape
    H = h0.shape[1]
    prev_h = [h0]
    prev_c = [np.zeros((N, H))]
    gates = []
    for t in range(T):
        a = np.dot(x[:, t, :], Wx) + np.dot(prev_h[-1], Wh) + b
        i = _sigmoid(a[:, 0:H])
        f = _sigmoid(a[:, H:2 * H])
        o = _sigmoid(a[:, 2 * H:3 * H])
        g = np.tanh(a[:, 3 * H:4 * H])
        c = f * prev_c[-1] + i * g
        prev_c.append(c)
        prev_h.append(o * np.tanh(c))
        gates.append((i, f, o, g))
    dx = np.zeros_like(x)
    dWx = np.zeros_like(Wx)
    dWh = np.zeros_like(Wh)
    db = np.zeros_like(b)
    dnext_h = np.zeros((N, H))
    dnext_c = np.zeros((N, H))
    for t in reversed(range(T)):
        i, f, o, g = gates[t]
        c = prev_c[t + 1]
        dh_t = dh[:, t, :] + dnext_h
        dc = dnext_c + dh_t * o * (1 - np.tanh(c) ** 2)
        di = dc * g * i * (1 - i)
        df = dc * prev_c[t] * f * (1 - f)
        do = dh_t * np.tanh(c) * o * (1 - o)
        dg = dc * i * (1 - c ** 2)          # BUG: tanh' of the candidate is 1 - g**2
        da = np.hstack([di, df, do, dg])
        dx[:, t, :] = np.dot(da, Wx.T)
        dWx += np.dot(x[:, t, :].T, da)
        dWh += np.dot(prev_h[t].T, da)
        db += np.sum(da, axis=0)
        dnext_h = np.dot(da, Wh.T)
        dnext_c = dc * f
    return dx, dnext_h, dWx, dWh, db
