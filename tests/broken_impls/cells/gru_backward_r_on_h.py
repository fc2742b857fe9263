"""Broken GRU in the column layout (per-gate dicts, PyTorch's cell): the forward is right, but
the backward was derived for n = tanh(W_xn x + W_hn (r * h) + ...), the reset gate on h_prev."""
import numpy as np


def gru_loss(params, xs, targets, state0):
    P = params
    sg = lambda v: 1.0 / (1.0 + np.exp(-v))  # noqa: E731
    hs, rec, loss = [state0["h"]], [], 0.0
    for t, x in enumerate(xs):
        hp = hs[-1]
        r = sg(P["W_xr"] @ x + P["W_hr"] @ hp + P["b_r"])
        z = sg(P["W_xz"] @ x + P["W_hz"] @ hp + P["b_z"])
        hn = P["W_hn"] @ hp + P["b_hn"]
        n = np.tanh(P["W_xn"] @ x + P["b_xn"] + r * hn)
        h = (1 - z) * n + z * hp
        o = P["W_hy"] @ h + P["b_y"]
        p = np.exp(o - o.max())
        p = p / p.sum()
        loss += -np.log(p[targets[t]])
        rec.append((x, hp, r, z, n, hn, p))
        hs.append(h)
    G = {k: np.zeros_like(v) for k, v in P.items()}
    dh_next = np.zeros_like(hs[0])
    for t in range(len(xs) - 1, -1, -1):
        x, hp, r, z, n, hn, p = rec[t]
        dy = p.copy()
        dy[targets[t]] -= 1.0
        G["W_hy"] += np.outer(dy, hs[t + 1])
        G["b_y"] += dy
        dh = P["W_hy"].T @ dy + dh_next
        dan = dh * (1 - z) * (1 - n * n)
        daz = dh * (hp - n) * z * (1 - z)
        drh = P["W_hn"].T @ dan                     # BUG: as if n had W_hn (r * h_prev)
        dar = drh * hp * r * (1 - r)
        G["W_xn"] += np.outer(dan, x)
        G["b_xn"] += dan
        G["W_hn"] += np.outer(dan, r * hp)
        G["b_hn"] += dan
        for g, d in (("r", dar), ("z", daz)):
            G["W_x" + g] += np.outer(d, x)
            G["W_h" + g] += np.outer(d, hp)
            G["b_" + g] += d
        dh_next = dh * z + drh * r + P["W_hr"].T @ dar + P["W_hz"].T @ daz
    G["h0"] = dh_next
    return loss, G
