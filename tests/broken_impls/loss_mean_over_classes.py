"""BROKEN: the cross-entropy averaged over the classes, -np.mean(onehot * log p), instead of summed.

Convention: column. Mistake: loss = -np.mean(Y * np.log(P)) per step, i.e. Σ_t −log p_t[y_t] / V;
the gradients are the right p − onehot(y). Expected: only the loss is wrong, from T = 1 (when
V > 1); the hint must name the mistake: the loss averaged over the classes.
"""

import numpy as np

EXPECT = {"column": {"wrong": {"loss": 1}, "mistake": "loss_mean_over_classes",
                     "hint": "averaged over the classes"}}


def column(params, xs, targets, h0):
    Wxh, Whh, bh, Why, by = params["W_xh"], params["W_hh"], params["b_h"], params["W_hy"], params["b_y"]
    T, V = len(xs), len(by)
    Y = np.eye(V)[targets]
    hs = [h0]
    P = np.zeros((T, V))
    for t in range(T):
        hs.append(np.tanh(Wxh @ xs[t] + Whh @ hs[t] + bh))
        z = Why @ hs[t + 1] + by
        P[t] = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
    loss = -np.mean(Y * np.log(P), axis=1).sum()          # BUG: np.sum over the classes
    dZ = P - Y
    g = {"W_hy": dZ.T @ np.array(hs[1:]), "b_y": dZ.sum(axis=0)}
    dWxh, dWhh, dbh, dnext = np.zeros_like(Wxh), np.zeros_like(Whh), np.zeros_like(bh), np.zeros_like(h0)
    for t in reversed(range(T)):
        da = (Why.T @ dZ[t] + dnext) * (1 - hs[t + 1] ** 2)
        dWxh += np.outer(da, xs[t])
        dWhh += np.outer(da, hs[t])
        dbh += da
        dnext = Whh.T @ da
    g.update(W_xh=dWxh, W_hh=dWhh, b_h=dbh, h0=dnext)
    return loss, g
