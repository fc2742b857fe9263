"""Broken GRU layer (row layout, gates stacked r, z, n): the reset gate multiplies h_{t-1}
before W_hn (the original GRU), where the declared cell (PyTorch's) has r * (h_{t-1} W_hn).
Forward and backward agree with each other; the model is the wrong one."""
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
        r = sigm(ax[:, :H] + hp @ Wh[:, :H])
        z = sigm(ax[:, H:2 * H] + hp @ Wh[:, H:2 * H])
        n = np.tanh(ax[:, 2 * H:] + (r * hp) @ Wh[:, 2 * H:])      # BUG: r applied to h_prev
        hn = (1 - z) * n + z * hp
        cache.append((x[:, t], hp, r, z, n))
        h[:, t] = hn
        hp = hn
    return h, (cache, Wx, Wh)


def gru_backward(dh, cache):
    steps, Wx, Wh = cache
    N, T, H = dh.shape
    dx = np.zeros((N, T, Wx.shape[0]))
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(3 * H)
    dnext = np.zeros((N, H))
    for t in reversed(range(T)):
        xt, hp, r, z, n = steps[t]
        d = dh[:, t] + dnext
        dn = d * (1 - z) * (1 - n ** 2)
        dz = d * (hp - n) * z * (1 - z)
        drh = dn @ Wh[:, 2 * H:].T
        dr = drh * hp * r * (1 - r)
        dax = np.hstack([dr, dz, dn])
        dx[:, t] = dax @ Wx.T
        dWx += xt.T @ dax
        db += dax.sum(0)
        dWh[:, :H] += hp.T @ dr
        dWh[:, H:2 * H] += hp.T @ dz
        dWh[:, 2 * H:] += (r * hp).T @ dn
        dnext = d * z + dr @ Wh[:, :H].T + dz @ Wh[:, H:2 * H].T + drh * r
    return dx, dnext, dWx, dWh, db
