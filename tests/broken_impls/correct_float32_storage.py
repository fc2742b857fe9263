"""CORRECT, float32 storage: a course-assignment layer (row) and a char-RNN step (column) that keep
their results in arrays made with np.empty(..., dtype='f'), as many hand-written layers do.

Handed float64 inputs, they return float32: the checker must say "fn returns float32 while the
inputs were float64" and judge them at float32's tolerance and range (exit 0), never blame the
loop bounds for a value that underflowed float32.
"""

import numpy as np

EXPECT = {"row": {"wrong": {}, "note": "fn returns float32 while the inputs were float64"},
          "column": {"wrong": {}, "note": "fn returns float32 while the inputs were float64"}}


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h = np.tanh(prev_h.dot(Wh) + x.dot(Wx) + b)
    return next_h, (x, prev_h, Wx, Wh, next_h)


def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    dtanh = dnext_h * (1 - next_h ** 2)
    return dtanh.dot(Wx.T), dtanh.dot(Wh.T), x.T.dot(dtanh), prev_h.T.dot(dtanh), dtanh.sum(axis=0)


def row(x, h0, Wx, Wh, b, dh):
    N, T, D = x.shape
    H = h0.shape[1]
    h = np.empty((N, T, H), dtype='f')
    caches = []
    prev = h0
    for t in range(T):
        prev, cache = rnn_step_forward(x[:, t, :], prev, Wx, Wh, b)
        h[:, t, :] = prev
        caches.append(cache)
    dx = np.empty((N, T, D), dtype='f')
    dWx, dWh, db = np.zeros((D, H), dtype='f'), np.zeros((H, H), dtype='f'), np.zeros(H, dtype='f')
    dprev = np.zeros((N, H))
    for t in reversed(range(T)):
        dxt, dprev, dWxt, dWht, dbt = rnn_step_backward(dh[:, t, :] + dprev, caches[t])
        dx[:, t, :] = dxt
        dWx += dWxt
        dWh += dWht
        db += dbt
    dh0 = np.empty((N, H), dtype='f')
    dh0[:] = dprev
    return dx, dh0, dWx, dWh, db


def column(params, xs, targets, h0):
    Wxh, Whh, bh, Why, by = params["W_xh"], params["W_hh"], params["b_h"], params["W_hy"], params["b_y"]
    n = len(xs)
    hs = np.empty((n + 1, len(h0)), dtype='f')
    hs[0] = h0
    probs = np.empty((n, len(by)), dtype='f')
    loss = 0.0
    for t in range(n):
        hs[t + 1] = np.tanh(Wxh @ xs[t] + Whh @ hs[t] + bh)
        z = Why @ hs[t + 1] + by
        z = z - z.max()
        probs[t] = np.exp(z) / np.exp(z).sum()
        loss += np.log(np.exp(z).sum()) - z[targets[t]]
    grads = {k: np.zeros(v.shape, dtype='f') for k, v in params.items()}
    carry = np.zeros(len(h0), dtype='f')
    for t in reversed(range(n)):
        dz = probs[t].copy()
        dz[targets[t]] -= 1
        grads["W_hy"] += np.outer(dz, hs[t + 1])
        grads["b_y"] += dz
        draw = (1 - hs[t + 1] ** 2) * (Why.T @ dz + carry)
        grads["W_xh"] += np.outer(draw, xs[t])
        grads["W_hh"] += np.outer(draw, hs[t])
        grads["b_h"] += draw
        carry = Whh.T @ draw
    grads["h0"] = carry
    return loss, grads
