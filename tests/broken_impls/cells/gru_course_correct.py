"""A correct GRU layer in the row layout (gates stacked r, z, n; PyTorch's equations with
b_hn = 0): n = tanh(x W_xn + b_n + r * (h_prev W_hn)), h = (1 - z) n + z h_prev."""
import numpy as np


def sigm(a):
    return 1 / (1 + np.exp(-a))


def gru_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    H = h0.shape[1]
    h = np.zeros((N, T, H))
    hp = h0
    cache = []
    for t in range(T):
        ax = x[:, t] @ Wx + b
        ah = hp @ Wh
        r = sigm(ax[:, :H] + ah[:, :H])
        z = sigm(ax[:, H:2 * H] + ah[:, H:2 * H])
        n = np.tanh(ax[:, 2 * H:] + r * ah[:, 2 * H:])
        cache.append((x[:, t], hp, r, z, n, ah[:, 2 * H:]))
        hp = (1 - z) * n + z * hp
        h[:, t] = hp
    return h, (cache, Wx, Wh)


def gru_backward(dh, cache):
    steps, Wx, Wh = cache
    N, T, H = dh.shape
    dx = np.zeros((N, T, Wx.shape[0]))
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(3 * H)
    dnext = np.zeros((N, H))
    for t in reversed(range(T)):
        xt, hp, r, z, n, hn = steps[t]
        d = dh[:, t] + dnext
        dn = d * (1 - z) * (1 - n ** 2)
        dz = d * (hp - n) * z * (1 - z)
        dr = dn * hn * r * (1 - r)
        dax = np.hstack([dr, dz, dn])
        dah = np.hstack([dr, dz, dn * r])
        dx[:, t] = dax @ Wx.T
        dWx += xt.T @ dax
        db += dax.sum(0)
        dWh += hp.T @ dah
        dnext = d * z + dah @ Wh.T
    return dx, dnext, dWx, dWh, db


def gru_layer(x, h0, Wx, Wh, b, dh):
    h, cache = gru_forward(x, h0, Wx, Wh, b)
    return gru_backward(dh, cache)
