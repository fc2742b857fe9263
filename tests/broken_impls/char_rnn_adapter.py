"""The adapter recipe of docs/check.md for a classic char-RNN script (char_rnn_script.py).

Run:  bptt check tests/broken_impls/char_rnn_adapter.py:check_fn --inputs one-hot

The script keeps its weights in module globals and takes character indices, so the adapter
(1) writes the checker's params into the script's globals, as column vectors where the script
uses them; (2) turns the one-hot rows xs back into indices; (3) passes h0 as the (H, 1) hprev;
(4) returns (loss, grads) with the convention's names and shapes. It takes no hidden state from
the script between calls: h0 comes from the checker each time.
"""

import numpy as np

import char_rnn_script as script

EXPECT = {"check_fn": {"wrong": {}, "inputs": "one_hot"}}


def check_fn(params, xs, targets, h0):
    script.Wxh, script.Whh, script.Why = params["W_xh"], params["W_hh"], params["W_hy"]
    script.bh, script.by = params["b_h"][:, None], params["b_y"][:, None]
    script.vocab_size = xs.shape[1]                 # D = V: one-hot characters
    inputs = [int(i) for i in np.argmax(xs, axis=1)]
    loss, dWxh, dWhh, dWhy, dbh, dby, _ = script.lossFun(inputs, [int(t) for t in targets], h0[:, None])
    return loss, {"W_xh": dWxh, "W_hh": dWhh, "b_h": dbh[:, 0], "W_hy": dWhy, "b_y": dby[:, 0]}
