"""In-place NumPy kernels for the activations and losses of ``numeric/rules.py``.

The rules table is the specification; these are its fast, overflow-safe float kernels
(checked against the table in tests/test_rules.py). Each works in place on a buffer so the
engine allocates nothing per step.
"""

from __future__ import annotations

from typing import Callable

import numpy as np


# ---- activations: f applied in place, and g *= f'(a) written from h = f(a) ----------------
def _sigmoid_(a: np.ndarray) -> None:
    # 1/(1+e^-a) for a >= 0 and e^a/(1+e^a) for a < 0: never exponentiates a positive number.
    neg = a < 0
    np.abs(a, out=a)
    np.multiply(a, -1.0, out=a)          # not np.negative: see numeric/cells/kernels.py
    np.exp(a, out=a)                      # e = exp(-|a|) in (0, 1]
    num = np.where(neg, a, 1.0)
    a += 1.0
    np.divide(num, a, out=a)


def _tanh_deriv(h: np.ndarray, out: np.ndarray) -> None:
    np.multiply(h, h, out=out)
    np.subtract(1.0, out, out=out)                 # 1 - h²


def _sigmoid_deriv(h: np.ndarray, out: np.ndarray) -> None:
    np.subtract(1.0, h, out=out)
    out *= h                                       # h (1 - h)


def _relu_deriv(h: np.ndarray, out: np.ndarray) -> None:
    np.greater(h, 0, out=out)                      # f'(0) = 0 by convention, here and in derive/


ACTIVATE: dict[str, Callable[[np.ndarray], None]] = {
    "tanh":     lambda a: np.tanh(a, out=a),
    "sigmoid":  _sigmoid_,
    "relu":     lambda a: np.maximum(a, 0.0, out=a),
    "identity": lambda a: None,
}

# f'(a) written from h = f(a) into ``out`` (same shape); None where f' = 1 (nothing to multiply).
DERIV: dict[str, Callable[[np.ndarray, np.ndarray], None] | None] = {
    "tanh":     _tanh_deriv,
    "sigmoid":  _sigmoid_deriv,
    "relu":     _relu_deriv,
    "identity": None,
}


def _deriv_mul(name: str) -> Callable[[np.ndarray, np.ndarray, np.ndarray], None]:
    deriv = DERIV[name]
    if deriv is None:
        return lambda g, h, tmp: None

    def mul(g: np.ndarray, h: np.ndarray, tmp: np.ndarray) -> None:
        deriv(h, tmp)
        g *= tmp
    return mul


# g *= f'(a), f' written from h into the temporary ``tmp`` (same shape as g and h).
DERIV_MUL: dict[str, Callable[[np.ndarray, np.ndarray, np.ndarray], None]] = {
    name: _deriv_mul(name) for name in DERIV
}


# ---- losses: per-step loss values, and dL/do written in place over the outputs -------------
def loss_and_grad_(loss: str, o: np.ndarray, y: np.ndarray, w: np.ndarray | None,
                   scale: float) -> np.ndarray:
    """Overwrite o (n, B, V) with dL/do and return the per-step losses L_t, shape (n,).

    y: class indices (n, B) for cross_entropy, else real targets (n, B, V).
    w: per-(step, sequence) weights (n, B) or None; scale: 1, or 1/count for mse.
    """
    if loss == "cross_entropy":
        # log-sum-exp: shift by the max so exp never overflows.
        n, B = y.shape
        at_y = (np.arange(n)[:, None], np.arange(B), y)     # o[at_y]: o_t[y_t] per (step, sequence)
        oy = o[at_y]
        m = o.max(axis=-1, keepdims=True)
        o -= m
        np.exp(o, out=o)
        s = o.sum(axis=-1, keepdims=True)
        per = np.log(s[..., 0]) + m[..., 0] - oy           # (n, B)
        o /= s                                              # softmax p
        o[at_y] -= 1.0                                      # p - onehot(y)
        factor = 1.0
    else:
        o -= y
        per = np.einsum("nbv,nbv->nb", o, o)
        factor = {"half_sse": 1.0, "sse": 2.0, "mse": 2.0}[loss]
        if loss == "half_sse":
            per *= 0.5
    if w is not None:
        per = per * w
        o *= w[..., None]
    if factor * scale != 1.0:
        o *= factor * scale
    if scale != 1.0:
        per = per * scale
    return per.sum(axis=1)
