"""Broken course LSTM: the cell-state gradient goes back to c_{t-1} without the forget gate
(dprev_c = dc instead of dc * f). Gates stacked i, f, o, g; written with its own names."""
import numpy as np


def sig(v):
    return 1.0 / (1.0 + np.exp(-v))


def lstm_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    H = h0.shape[1]
    hs = np.zeros((N, T, H))
    h, c = h0, np.zeros_like(h0)
    steps = []
    for t in range(T):
        z = x[:, t] @ Wx + h @ Wh + b
        ig, fg, og, gg = sig(z[:, :H]), sig(z[:, H:2 * H]), sig(z[:, 2 * H:3 * H]), np.tanh(z[:, 3 * H:])
        c_new = fg * c + ig * gg
        h_new = og * np.tanh(c_new)
        steps.append((x[:, t], h, c, ig, fg, og, gg, c_new))
        h, c = h_new, c_new
        hs[:, t] = h
    return hs, (steps, Wx, Wh)


def lstm_backward(dh, cache):
    steps, Wx, Wh = cache
    N, T, H = dh.shape
    dx = np.zeros((N, T, Wx.shape[0]))
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(Wx.shape[1])
    dh_next = np.zeros((N, H))
    dc_next = np.zeros((N, H))
    for t in range(T - 1, -1, -1):
        xt, hp, cp, ig, fg, og, gg, c = steps[t]
        dht = dh[:, t] + dh_next
        tc = np.tanh(c)
        dc = dc_next + dht * og * (1 - tc * tc)
        dz = np.concatenate([dc * gg * ig * (1 - ig), dc * cp * fg * (1 - fg), dht * tc * og * (1 - og),
                             dc * ig * (1 - gg * gg)], axis=1)
        dx[:, t] = dz @ Wx.T
        dWx += xt.T @ dz
        dWh += hp.T @ dz
        db += dz.sum(0)
        dh_next = dz @ Wh.T
        dc_next = dc                      # BUG: should be dc * fg
    return dx, dh_next, dWx, dWh, db
