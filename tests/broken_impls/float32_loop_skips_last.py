"""BROKEN, in float32 storage: a course-style layer whose backward loop starts one step too early.

Convention: row, results stored with np.empty(..., dtype='f') (so judged at float32's
tolerance: the precision is not the bug). Mistake: for t in range(T - 2, -1, -1) — the last
step t = T is never visited, and dx[:, T] keeps whatever np.empty left (zeroed here first).
Expected: every quantity wrong from T = 1; the hint names the off-by-one loop bounds.
"""

import numpy as np

EXPECT = {"row": {"wrong": {"dx": 1, "dh0": 1, "dWx": 1, "dWh": 1, "db": 1}, "mistake": "loop_skips_last",
                  "hint": "never visiting the last step t = T", "note": "fn returns float32"}}


def row(x, h0, Wx, Wh, b, dh):
    N, T, D = x.shape
    H = Wh.shape[0]
    hs = np.empty((N, T + 1, H), dtype='f')
    hs[:, 0] = h0
    for t in range(T):
        hs[:, t + 1] = np.tanh(x[:, t] @ Wx + hs[:, t] @ Wh + b)
    dx = np.empty((N, T, D), dtype='f')
    dx[:] = 0
    dWx, dWh, db = np.zeros((D, H), 'f'), np.zeros((H, H), 'f'), np.zeros(H, 'f')
    dnext = np.zeros((N, H), 'f')
    for t in range(T - 2, -1, -1):                # BUG: range(T - 1, -1, -1)
        da = (dh[:, t] + dnext) * (1 - hs[:, t + 1] ** 2)
        dx[:, t] = da @ Wx.T
        dWx += x[:, t].T @ da
        dWh += hs[:, t].T @ da
        db += da.sum(axis=0)
        dnext = da @ Wh.T
    return dx, dnext, dWx, dWh, db
