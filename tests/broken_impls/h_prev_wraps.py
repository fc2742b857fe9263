"""BROKEN: h_{t-1} read as hs[:, t - 1], which at t = 1 wraps to the last state h_T.

Convention: row (a course-assignment rnn_backward that keeps the states in one (N, T, H) array
and forgets that h_0 is not in it). Mistake: prev_h = h[:, t - 1, :] for every t, so at t = 0
(0-based) it is h[:, -1, :] = h_T instead of h0. Expected: only dWh is wrong, from T = 1 (at
T = 1, h_T = h_1 ≠ h_0); the hint must name the mistake: h_T in place of h_0 at t = 1.
"""

import numpy as np

EXPECT = {"row": {"wrong": {"dWh": 1}, "mistake": "h_prev_wraps", "hint": "h_T in place of h_0 at t = 1"}}


def row(x, h0, Wx, Wh, b, dh):
    N, T, D = x.shape
    H = h0.shape[1]
    h = np.zeros((N, T, H))
    prev_h = h0
    for t in range(T):
        h[:, t, :] = np.tanh(prev_h @ Wh + x[:, t, :] @ Wx + b)
        prev_h = h[:, t, :]
    dx = np.zeros((N, T, D))
    dWx, dWh, db = np.zeros((D, H)), np.zeros((H, H)), np.zeros(H)
    dprev_h = np.zeros((N, H))
    for t in reversed(range(T)):
        dtanh = (dh[:, t, :] + dprev_h) * (1 - h[:, t, :] ** 2)
        prev_h = h[:, t - 1, :]                      # BUG: at t = 0 this is h[:, -1] = h_T, not h0
        dx[:, t, :] = dtanh @ Wx.T
        dWx += x[:, t, :].T @ dtanh
        dWh += prev_h.T @ dtanh
        db += dtanh.sum(axis=0)
        dprev_h = dtanh @ Wh.T
    return dx, dprev_h, dWx, dWh, db
