"""BROKEN: a char-RNN lossFun that clips its gradients before returning them.

Convention: column, through the adapter recipe (char_rnn_adapter.py, inputs one-hot).
Mistake: np.clip(dparam, -5, 5) inside lossFun — fine for training, but then lossFun no longer
returns the gradient. Expected: right with small and moderate weights; wrong only with large
weights (scale 10), where some gradient entries exceed 5. Which gradients get clipped depends
on the draws (W_hh typically from T = 2, b_y only when six steps push it past 5), so the
expectation lists the quantities that may be wrong rather than an exact set.
"""

import numpy as np

import char_rnn_script as base

EXPECT = {"check_fn": {"wrong_among": ["W_xh", "W_hh", "b_h", "W_hy", "b_y"],
                       "depends": {"scale": ["10"]}, "hint": "clipped", "inputs": "one_hot"}}


def lossFun(inputs, targets, hprev):
    loss, *grads, h = base.lossFun(inputs, targets, hprev)
    for dparam in grads:
        np.clip(dparam, -5, 5, out=dparam)      # BUG: clipping inside the gradient function
    return (loss, *grads, h)


def check_fn(params, xs, targets, h0):
    """The adapter of docs/check.md, pointed at this module's lossFun."""
    base.Wxh, base.Whh, base.Why = params["W_xh"], params["W_hh"], params["W_hy"]
    base.bh, base.by = params["b_h"][:, None], params["b_y"][:, None]
    base.vocab_size = xs.shape[1]
    inputs = [int(i) for i in np.argmax(xs, axis=1)]
    loss, dWxh, dWhh, dWhy, dbh, dby, _ = lossFun(inputs, [int(t) for t in targets], h0[:, None])
    return loss, {"W_xh": dWxh, "W_hh": dWhh, "b_h": dbh[:, 0], "W_hy": dWhy, "b_y": dby[:, 0]}
