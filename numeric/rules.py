"""The single table of activation and loss rules, shared by numeric/ and derive/.

Each rule's functions take a namespace ``ns`` first, so the same line evaluates with NumPy
(``ns = numpy``) and with SymPy (``ns = derive.namespace.SYMPY_NS``). The NumPy engine uses
its own in-place, overflow-safe kernels (``numeric/kernels.py``); ``tests/test_rules.py``
checks those kernels against this table and this table against ``sympy.diff``.

Conventions (column vectors, one time step, one sequence):
  a = W_xh x + W_hh h_prev + b_h,  h = f(a),  o = W_hy h + b_y,  L_t = loss(o, y).
"""

from __future__ import annotations

import math

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, Callable, Mapping

import numpy as np


@dataclass(frozen=True)
class ActivationRule:
    """f, its derivative written from the output h = f(a), and gamma = sup |f'|.

    ``deriv(ns, h)`` is f'(a) expressed through h (tanh: 1 - h**2). For relu, f'(0) = 0.
    """

    name: str
    value: Callable[[Any, Any], Any]
    deriv: Callable[[Any, Any], Any]
    gamma: tuple[int, int]  # sup |f'| as an exact fraction (numerator, denominator)


@dataclass(frozen=True)
class LossRule:
    """A per-step loss of the logits/outputs o against a target y, and dL/do.

    For ``cross_entropy`` y is a one-hot vector here (class indices in the engine) and the
    loss is the fused softmax + negative log-likelihood, whose gradient is p - y.
    ``scale_by_count`` marks mse: the sum is divided by (steps with a loss) x batch x outputs.
    """

    name: str
    value: Callable[[Any, Any, Any], Any]
    grad: Callable[[Any, Any, Any], Any]
    real_targets: bool
    scale_by_count: bool = False


# ---- activations ------------------------------------------------------------------------
ACTIVATIONS: Mapping[str, ActivationRule] = {
    r.name: r
    for r in (
        ActivationRule("tanh",     lambda ns, a: ns.tanh(a),            lambda ns, h: 1 - h**2,       (1, 1)),
        ActivationRule("sigmoid",  lambda ns, a: 1 / (1 + ns.exp(-a)),  lambda ns, h: h * (1 - h),    (1, 4)),
        ActivationRule("relu",     lambda ns, a: ns.maximum(a, 0),      lambda ns, h: ns.where(h > 0, 1, 0), (1, 1)),
        ActivationRule("identity", lambda ns, a: a,                     lambda ns, h: h**0,           (1, 1)),
    )
}

# ---- losses (o: outputs of one step, y: its target; sums over the output entries) -----------
LOSSES: Mapping[str, LossRule] = {
    r.name: r
    for r in (
        LossRule("cross_entropy", lambda ns, o, y: ns.logsumexp(o) - ns.dot(y, o),
                                  lambda ns, o, y: ns.softmax(o) - y,            real_targets=False),
        LossRule("half_sse",      lambda ns, o, y: ns.sum((o - y) ** 2) / 2,
                                  lambda ns, o, y: o - y,                        real_targets=True),
        LossRule("sse",           lambda ns, o, y: ns.sum((o - y) ** 2),
                                  lambda ns, o, y: 2 * (o - y),                  real_targets=True),
        LossRule("mse",           lambda ns, o, y: ns.sum((o - y) ** 2),
                                  lambda ns, o, y: 2 * (o - y),                  real_targets=True,
                                  scale_by_count=True),
    )
}

LOSS_AT = ("all", "last")

# ---- induced matrix norms of the gradient-norm bounds: CLI name -> (name, NumPy ord) ----------
NORMS: Mapping[str, tuple[str, float]] = {"2": ("spectral", 2), "1": ("1-norm", 1), "inf": ("inf-norm", math.inf)}

# The losses whose targets are real numbers (not class indices), in the table's order: the
# ones a scalar worked example with one real output can use.
REAL_TARGET_LOSSES = tuple(name for name, rule in LOSSES.items() if rule.real_targets)


def gamma(activation: str) -> float:
    """sup |f'(a)| over a, the activation's factor in the Jacobian bound (1 or 1/4)."""
    num, den = ACTIVATIONS[activation].gamma
    return num / den


# ---- the NumPy namespace the table is evaluated with (one step, one sequence) --------------
def _logsumexp(o):
    m = np.max(o)
    return m + np.log(np.sum(np.exp(o - m)))


def _softmax(o):
    e = np.exp(o - np.max(o))
    return e / np.sum(e)


NUMPY_NS = SimpleNamespace(tanh=np.tanh, exp=np.exp, log=np.log, maximum=np.maximum, where=np.where,
                           sum=np.sum, dot=np.dot, logsumexp=_logsumexp, softmax=_softmax)
