"""The symbolic route of the cross-checks: ``numeric.bptt``'s arguments and result type
(BPTTResult), computed from the SymPy derivation at 30 digits (tests/test_symbolic_vs_numeric.py,
``bptt verify``). Also ``derive.evaluate_problem``.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import sympy as sp

from numeric.bptt import BPTTResult, prepare
from numeric.params import PARAM_NAMES, Params
from numeric.rules import LOSSES
from numeric.validate import check_truncation

from .evaluate import evaluate
from .gradients import Derivation, derive_bptt
from .graph import unroll
from .symbols import GRADIENT_NAMES


@lru_cache(maxsize=64)
def cached_derivation(T: int, H: int, D: int, V: int, activation: str, loss: str, loss_at: str,
                      weighted: bool, truncation) -> Derivation:
    """derive_bptt(unroll(...)) memoised on its settings (a derivation is immutable)."""
    u = unroll(T, hidden_size=H, input_size=D, output_size=V, activation=activation, loss=loss,
               loss_at=loss_at, weighted=weighted)
    return derive_bptt(u, truncation=truncation)


def evaluate_problem(params, xs, targets, *, h0=None, activation: str = "tanh",
                     loss: str = "cross_entropy", loss_at: str = "all", loss_weights=None,
                     truncation=None, digits: int = 30):
    """``numeric.bptt`` computed from the symbolic derivation (same arguments, same result type).

    Each sequence of a batch is evaluated on its own and the results summed (mse's 1/B is
    applied), at ``digits`` significant digits, then rounded to float64.

    Args:
      params: numeric.Params or dict; W_xh (H, D), W_hh (H, H), b_h (H,), W_hy (V, H), b_y (V,).
      xs: (T, D) or (T, B, D). targets: class indices (T,[B]) for cross_entropy, else (T,[B,]V).
      h0: None, (H,) or (B, H). loss_weights: None, (T,) or (T, B). truncation: as numeric.bptt.
    Returns:
      numeric.BPTTResult(loss, grads, dh0, dxs, h_last), float64.
    """
    p = prepare(params, xs, targets, h0=h0, activation=activation, loss=loss, loss_at=loss_at,
                loss_weights=loss_weights)
    trunc = check_truncation(truncation)
    prm, (T, B, D) = p.params, p.xs.shape
    H, V = prm.hidden_size, prm.output_size
    d = cached_derivation(T, H, D, V, p.activation, p.loss, p.loss_at, p.weights is not None, trunc)
    f = lambda a: [sp.Float(float(v), digits) for v in np.ravel(a)]  # noqa: E731
    batch_scale = sp.Rational(1, B) if LOSSES[p.loss].scale_by_count else sp.Integer(1)
    acc = {n: np.zeros(d.shape(n)) for n in GRADIENT_NAMES}
    total, dxs, dh0, h_last = 0.0, np.zeros_like(p.xs), np.zeros_like(p.h0), np.zeros_like(p.h0)
    for b in range(B):
        values = {n: np.reshape(f(getattr(prm, n)), d.shape(n)).tolist() for n in PARAM_NAMES}
        values["h0"] = np.reshape(f(p.h0[b]), (H, 1)).tolist()
        values["x"] = [np.reshape(f(x), (D, 1)).tolist() for x in p.xs[:, b]]
        values["targets"] = [int(y) for y in p.targets[:, b]] if p.loss == "cross_entropy" else \
            [np.reshape(f(y), (V, 1)).tolist() for y in p.targets[:, b]]
        if p.weights is not None:
            values["w"] = f(p.weights[:, b])
        ev = evaluate(d, values, digits=digits)
        to_np = lambda v: np.array(sp.Matrix([[v]]) if d.unrolled.scalar and not isinstance(v, sp.MatrixBase)  # noqa: E731
                                   else v, dtype=np.float64)
        for n in GRADIENT_NAMES:
            acc[n] += to_np(ev[n] * batch_scale)
        total += float(ev.loss * batch_scale)
        dh0[b] = to_np(ev["h0"] * batch_scale).ravel()
        dxs[:, b] = np.stack([to_np(x * batch_scale).ravel() for x in ev.dxs])
        h_last[b] = to_np(ev.node("h", T)).ravel()
    grads = Params(W_xh=acc["W_xh"], W_hh=acc["W_hh"], b_h=acc["b_h"].ravel(), W_hy=acc["W_hy"],
                   b_y=acc["b_y"].ravel())
    return BPTTResult(total, grads, p.unbatch(dh0), p.unbatch(dxs, axis=1), p.unbatch(h_last))
