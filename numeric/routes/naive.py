"""A naive BPTT reference: one sequence at a time, one step at a time, outer products.

The classic char-RNN backward pass, written straight from the rules table (numeric/rules.py
evaluated with NUMPY_NS) with no in-place tricks and no stacked GEMMs. Slow on purpose: the
benchmark's baseline and an independent check of the engine. Full BPTT only.
"""

from __future__ import annotations

import numpy as np

from ..bptt import BPTTResult, prepare
from ..finite import quiet, report_overflow
from ..params import Params
from ..rules import ACTIVATIONS, LOSSES, NUMPY_NS as ns


def naive_bptt(params, xs, targets, *, h0=None, activation: str = "tanh",
               loss: str = "cross_entropy", loss_at: str = "all", loss_weights=None) -> BPTTResult:
    """Same arguments and result as ``numeric.bptt`` (without truncation), computed naively."""
    p = prepare(params, xs, targets, h0=h0, activation=activation, loss=loss, loss_at=loss_at,
                loss_weights=loss_weights)
    with np.errstate(**quiet):                      # overflow is reported once, below
        result = _naive(p)
    report_overflow("numeric.routes.naive_bptt", result.loss, result.grads, p.params, p.activation, p.T)
    return result


def _naive(p) -> BPTTResult:
    """The per-sequence, per-step loops of ``naive_bptt`` on prepared (checked) arguments."""
    act, rule, prm = ACTIVATIONS[p.activation], LOSSES[p.loss], p.params
    T, B, _ = p.xs.shape
    grads = {name: np.zeros_like(a) for name, a in prm}
    dxs, dh0, h_last = np.zeros_like(p.xs), np.zeros_like(p.h0), np.zeros_like(p.h0)
    total = 0.0
    for b in range(B):
        hs, dys = [p.h0[b]], {}
        for t in range(T):                                   # forward, keeping every h_t
            a = prm.W_xh @ p.xs[t, b] + prm.W_hh @ hs[-1] + prm.b_h
            hs.append(act.value(ns, a))
            if p.loss_range(t, t + 1) is None:
                continue
            o = prm.W_hy @ hs[-1] + prm.b_y
            y = p.targets[t, b]
            if not rule.real_targets:
                y = np.eye(prm.output_size, dtype=prm.dtype)[y]
            w = (1.0 if p.weights is None else p.weights[t, b]) * p.loss_scale
            total += w * rule.value(ns, o, y)
            dys[t] = w * rule.grad(ns, o, y)
        h_last[b] = hs[-1]
        dh_next = np.zeros_like(p.h0[b])
        for t in reversed(range(T)):                         # backward, outer products
            dh = dh_next.copy()
            if t in dys:
                grads["W_hy"] += np.outer(dys[t], hs[t + 1])
                grads["b_y"] += dys[t]
                dh += prm.W_hy.T @ dys[t]
            da = act.deriv(ns, hs[t + 1]) * dh
            grads["b_h"] += da
            grads["W_xh"] += np.outer(da, p.xs[t, b])
            grads["W_hh"] += np.outer(da, hs[t])
            dxs[t, b] = prm.W_xh.T @ da
            dh_next = prm.W_hh.T @ da
        dh0[b] = dh_next
    return BPTTResult(float(total), Params(**grads), p.unbatch(dh0), p.unbatch(dxs, axis=1),
                      p.unbatch(h_last))
