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
    np.negative(a, out=a)
    np.exp(a, out=a)                      # e = exp(-|a|) in (0, 1]
    num = np.where(neg, a, 1.0)
    a += 1.0
    np.divide(num, a, out=a)


def _tanh_deriv_mul_(g: np.ndarray, h: np.ndarray, tmp: np.ndarray) -> None:
    np.multiply(h, h, out=tmp)
    np.subtract(1.0, tmp, out=tmp)
    g *= tmp


def _sigmoid_deriv_mul_(g: np.ndarray, h: np.ndarray, tmp: np.ndarray) -> None:
    np.subtract(1.0, h, out=tmp)
    tmp *= h
    g *= tmp


def _relu_deriv_mul_(g: np.ndarray, h: np.ndarray, tmp: np.ndarray) -> None:
    g *= h > 0  # f'(0) = 0 by convention, here and in derive/


ACTIVATE: dict[str, Callable[[np.ndarray], None]] = {
    "tanh":     lambda a: np.tanh(a, out=a),
    "sigmoid":  _sigmoid_,
    "relu":     lambda a: np.maximum(a, 0.0, out=a),
    "identity": lambda a: None,
}

DERIV_MUL: dict[str, Callable[[np.ndarray, np.ndarray, np.ndarray], None]] = {
    "tanh":     _tanh_deriv_mul_,
    "sigmoid":  _sigmoid_deriv_mul_,
    "relu":     _relu_deriv_mul_,
    "identity": lambda g, h, tmp: None,
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
        oy = np.take_along_axis(o, y[..., None], axis=-1)[..., 0]
        m = o.max(axis=-1, keepdims=True)
        o -= m
        np.exp(o, out=o)
        s = o.sum(axis=-1, keepdims=True)
        per = np.log(s[..., 0]) + m[..., 0] - oy           # (n, B)
        o /= s                                              # softmax p
        np.put_along_axis(o, y[..., None], np.take_along_axis(o, y[..., None], -1) - 1.0, -1)
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
