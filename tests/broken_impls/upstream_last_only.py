"""BROKEN: the layer backward uses only the upstream gradient of the last step.

Convention: row (a many-to-one habit: dh[:, -1] alone is back-propagated, dh[:, t] for t < T is
dropped). The column analogue is loss_at_last_mishandled.py.
Expected: right when only the last step has an upstream gradient; when dh is non-zero earlier,
every result is wrong from T = 2.
"""

import numpy as np

EXPECT = {"row": {"mistake": "upstream_last_only", "wrong": {"dx": 2, "dh0": 2, "dWx": 2, "dWh": 2, "db": 2},
                  "depends": {"dh_at": ["all"]}, "hint": "not only at T"}}


def row(x, h0, Wx, Wh, b, dh):
    N, T, D = x.shape
    hs = [h0]
    for t in range(T):
        hs.append(np.tanh(x[:, t] @ Wx + hs[-1] @ Wh + b))
    dx, dWx, dWh, db = np.zeros_like(x), np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)
    dcur = dh[:, -1]                            # BUG: dh[:, t] must be added at every step
    for t in reversed(range(T)):
        da = dcur * (1 - hs[t + 1] ** 2)
        dx[:, t] = da @ Wx.T
        dWx += x[:, t].T @ da
        dWh += hs[t].T @ da
        db += da.sum(axis=0)
        dcur = da @ Wh.T
    return dx, dcur, dWx, dWh, db
