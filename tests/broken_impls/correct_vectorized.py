"""CORRECT (column convention), written differently: stacked arrays, one δ loop, then GEMMs.

Takes activation and loss_at. ``column_half_sse`` is the same with the loss ½‖o − y‖² (check it
with loss="half_sse"); ``column`` uses softmax cross-entropy in log-sum-exp form.
"""

import numpy as np

F = {"tanh": np.tanh, "sigmoid": lambda a: 0.5 * (1.0 + np.tanh(0.5 * a)),
     "relu": lambda a: np.where(a > 0, a, 0.0), "identity": lambda a: a + 0.0}
DF = {"tanh": lambda h: 1.0 - h ** 2, "sigmoid": lambda h: h - h ** 2,
      "relu": lambda h: np.sign(h), "identity": lambda h: np.ones_like(h)}


def _forward(params, xs, h0, activation):
    T, H = len(xs), len(h0)
    hs = np.zeros((T + 1, H), dtype=xs.dtype)
    hs[0] = h0
    A = xs @ params["W_xh"].T + params["b_h"]                 # input projections of every step
    for t in range(T):
        hs[t + 1] = F[activation](A[t] + params["W_hh"] @ hs[t])
    return hs, hs[1:] @ params["W_hy"].T + params["b_y"]


def _backward(params, xs, hs, dO, activation):
    T = len(xs)
    dH = dO @ params["W_hy"]                                   # ∂L_t/∂h_t, (T, H)
    dA = np.zeros_like(dH)
    for t in range(T - 1, -1, -1):
        carry = dA[t + 1] @ params["W_hh"] if t + 1 < T else 0.0
        dA[t] = (dH[t] + carry) * DF[activation](hs[t + 1])
    return {"W_xh": dA.T @ xs, "W_hh": dA.T @ hs[:-1], "b_h": dA.sum(0),
            "W_hy": dO.T @ hs[1:], "b_y": dO.sum(0), "h0": params["W_hh"].T @ dA[0]}


def column(params, xs, targets, h0, activation="tanh", loss_at="all"):
    hs, O = _forward(params, xs, h0, activation)
    T = len(xs)
    m = O.max(axis=1, keepdims=True)
    logp = O - m - np.log(np.exp(O - m).sum(axis=1, keepdims=True))
    mask = np.ones(T) if loss_at == "all" else np.eye(T)[-1]
    loss = -(mask * logp[np.arange(T), targets]).sum()
    dO = np.exp(logp)
    dO[np.arange(T), targets] -= 1.0
    dO *= mask[:, None]
    return loss, _backward(params, xs, hs, dO, activation)


def column_half_sse(params, xs, targets, h0, activation="tanh", loss_at="all"):
    hs, O = _forward(params, xs, h0, activation)
    mask = np.ones(len(xs)) if loss_at == "all" else np.eye(len(xs))[-1]
    dO = (O - targets) * mask[:, None]
    return 0.5 * float((dO * (O - targets)).sum()), _backward(params, xs, hs, dO, activation)
