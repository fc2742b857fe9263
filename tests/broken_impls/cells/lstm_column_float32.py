"""A correct LSTM in the column layout that stores its gradients in float32 (np.zeros(...,
dtype='f')) whatever it is given: judged at float32's tolerance, it must pass."""
import numpy as np

GATES = ("i", "f", "g", "o")


def lstm_loss_and_grads(params, xs, targets, state0):
    sg = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    hs, cs, acts, probs = [state0["h"]], [state0["c"]], [], []
    loss = 0.0
    for t, x in enumerate(xs):
        a = {k: params["W_x" + k] @ x + params["W_h" + k] @ hs[-1] + params["b_" + k] for k in GATES}
        gt = {"i": sg(a["i"]), "f": sg(a["f"]), "g": np.tanh(a["g"]), "o": sg(a["o"])}
        cs.append(gt["f"] * cs[-1] + gt["i"] * gt["g"])
        hs.append(gt["o"] * np.tanh(cs[-1]))
        acts.append(gt)
        o = params["W_hy"] @ hs[-1] + params["b_y"]
        p = np.exp(o - np.max(o))
        p /= p.sum()
        probs.append(p)
        loss -= np.log(p[targets[t]])
    g = {k: np.zeros(v.shape, dtype="f") for k, v in params.items()}
    dh_next = np.zeros(hs[0].shape, dtype="f")
    dc_next = np.zeros(hs[0].shape, dtype="f")
    for t in range(len(xs) - 1, -1, -1):
        gt, h, hp, c, cp = acts[t], hs[t + 1], hs[t], cs[t + 1], cs[t]
        dy = probs[t].copy()
        dy[targets[t]] -= 1
        g["W_hy"] += np.outer(dy, h)
        g["b_y"] += dy
        dh = params["W_hy"].T @ dy + dh_next
        dc = dc_next + dh * gt["o"] * (1 - np.tanh(c) ** 2)
        da = {"i": dc * gt["g"] * gt["i"] * (1 - gt["i"]), "f": dc * cp * gt["f"] * (1 - gt["f"]),
              "g": dc * gt["i"] * (1 - gt["g"] ** 2), "o": dh * np.tanh(c) * gt["o"] * (1 - gt["o"])}
        dh_next = sum(params["W_h" + k].T @ da[k] for k in GATES)
        for k in GATES:
            g["W_x" + k] += np.outer(da[k], xs[t])
            g["W_h" + k] += np.outer(da[k], hp)
            g["b_" + k] += da[k]
        dc_next = dc * gt["f"]
    g["h0"], g["c0"] = dh_next.astype("f"), dc_next.astype("f")
    return np.float32(loss), g
