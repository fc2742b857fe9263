"""A classic character-level RNN training script (CORRECT), in the style of minimal char-RNNs.

Module-level weights, column vectors (H, 1), one-hot inputs built from character indices, and
one function lossFun(inputs, targets, hprev) -> (loss, dWxh, dWhh, dWhy, dbh, dby, h_last).
Gradient clipping is done by the training loop, not inside lossFun. The training loop runs
only as a script (python char_rnn_script.py), so importing this file for checking is harmless.
char_rnn_adapter.py is the adapter of docs/check.md that lets `bptt check` call lossFun.
"""

import numpy as np

text = "hello world, hello bptt. "
chars = sorted(set(text))
vocab_size, hidden_size, seq_length, learning_rate = len(chars), 16, 8, 0.1
rng = np.random.default_rng(0)
Wxh = rng.standard_normal((hidden_size, vocab_size)) * 0.01
Whh = rng.standard_normal((hidden_size, hidden_size)) * 0.01
Why = rng.standard_normal((vocab_size, hidden_size)) * 0.01
bh = np.zeros((hidden_size, 1))
by = np.zeros((vocab_size, 1))


def lossFun(inputs, targets, hprev):
    """inputs, targets: lists of character indices; hprev: (H, 1). Softmax cross-entropy."""
    xs, hs, ps = {}, {-1: np.copy(hprev)}, {}
    loss = 0.0
    for t in range(len(inputs)):
        xs[t] = np.zeros((vocab_size, 1))
        xs[t][inputs[t]] = 1
        hs[t] = np.tanh(Wxh @ xs[t] + Whh @ hs[t - 1] + bh)
        ys = Why @ hs[t] + by
        ps[t] = np.exp(ys - np.max(ys)) / np.sum(np.exp(ys - np.max(ys)))
        loss += -np.log(ps[t][targets[t], 0])
    dWxh, dWhh, dWhy = np.zeros_like(Wxh), np.zeros_like(Whh), np.zeros_like(Why)
    dbh, dby = np.zeros_like(bh), np.zeros_like(by)
    dhnext = np.zeros_like(hs[0])
    for t in reversed(range(len(inputs))):
        dy = np.copy(ps[t])
        dy[targets[t]] -= 1
        dWhy += dy @ hs[t].T
        dby += dy
        dh = Why.T @ dy + dhnext
        dhraw = (1 - hs[t] * hs[t]) * dh
        dbh += dhraw
        dWxh += dhraw @ xs[t].T
        dWhh += dhraw @ hs[t - 1].T
        dhnext = Whh.T @ dhraw
    return loss, dWxh, dWhh, dWhy, dbh, dby, hs[len(inputs) - 1]


def train(steps=200):
    ix = {c: i for i, c in enumerate(chars)}
    data = [ix[c] for c in text]
    hprev, p = np.zeros((hidden_size, 1)), 0
    for n in range(steps):
        if p + seq_length + 1 >= len(data):
            hprev, p = np.zeros((hidden_size, 1)), 0
        inputs, targets = data[p:p + seq_length], data[p + 1:p + seq_length + 1]
        loss, *grads, hprev = lossFun(inputs, targets, hprev)
        for param, dparam in zip((Wxh, Whh, Why, bh, by), grads):
            np.clip(dparam, -5, 5, out=dparam)      # clipping belongs here, not in lossFun
            param -= learning_rate * dparam
        p += seq_length
    return loss


if __name__ == "__main__":
    print("loss after training:", train())
