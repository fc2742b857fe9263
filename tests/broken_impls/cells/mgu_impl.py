"""A stranger's minimal gated unit in the column layout; `mgu_loss` is right, `mgu_loss_no_fh`
forgets the f ⊙ term of ∂L/∂h_{t-1} that goes through the candidate's W_hn (f ⊙ h_{t-1})."""
import numpy as np


def _run(P, xs, targets, state0, broken):
    sig = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    hs, fs, ns, ps, loss = [state0["h"]], [], [], [], 0.0
    for t, x in enumerate(xs):
        f = sig(P["W_xf"] @ x + P["W_hf"] @ hs[-1] + P["b_f"])
        n = np.tanh(P["W_xn"] @ x + P["W_hn"] @ (f * hs[-1]) + P["b_n"])
        hs.append((1 - f) * hs[-1] + f * n)
        o = P["W_hy"] @ hs[-1] + P["b_y"]
        p = np.exp(o - o.max())
        p /= p.sum()
        loss -= np.log(p[targets[t]])
        fs.append(f)
        ns.append(n)
        ps.append(p)
    G = {k: np.zeros_like(v) for k, v in P.items()}
    dnext = np.zeros_like(hs[0])
    for t in reversed(range(len(xs))):
        f, n, hp = fs[t], ns[t], hs[t]
        dy = ps[t].copy()
        dy[targets[t]] -= 1
        G["W_hy"] += np.outer(dy, hs[t + 1])
        G["b_y"] += dy
        dh = P["W_hy"].T @ dy + dnext
        dan = dh * f * (1 - n ** 2)
        dfh = P["W_hn"].T @ dan
        df = dh * (n - hp) + dfh * hp
        daf = df * f * (1 - f)
        G["W_xn"] += np.outer(dan, xs[t])
        G["W_hn"] += np.outer(dan, f * hp)
        G["b_n"] += dan
        G["W_xf"] += np.outer(daf, xs[t])
        G["W_hf"] += np.outer(daf, hp)
        G["b_f"] += daf
        dnext = dh * (1 - f) + P["W_hf"].T @ daf + (dfh if broken else dfh * f)
    G["h0"] = dnext
    return loss, G


def mgu_loss(params, xs, targets, state0):
    return _run(params, xs, targets, state0, False)


def mgu_loss_no_fh(params, xs, targets, state0):
    return _run(params, xs, targets, state0, True)
