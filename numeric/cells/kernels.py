"""The activation kernels of the generated cell engines (numeric/generated/cells/).

``ACT[name](a, out=None)`` writes f(a) into ``out`` (``a`` itself for in place; a new array when
None) and returns it; ``DACT[name](g, y, out=None)`` writes g ⊙ f'(a) into ``out``, f' written
from the output y = f(a) as in the rules table (numeric/rules.py: tanh 1 − y², sigmoid
y (1 − y), relu [y > 0], identity 1). Both are overflow-safe with NumPy's warnings off
(numeric.finite.quiet): sigmoid is 1 / (1 + e^(−a)), which is exactly 0 where e^(−a) overflows.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from ..kernels import DERIV


def _out(a: np.ndarray, out: np.ndarray | None) -> np.ndarray:
    return np.empty_like(a) if out is None else out


def _tanh(a, out=None):
    return np.tanh(a, out=_out(a, out))


def _sigmoid(a, out=None):
    out = _out(a, out)
    # −a by multiply, not np.negative: NumPy 2.4's in-place np.negative on AVX-512 reads wrong
    # elements of a strided view with a 16-byte (float32) or 64-byte (float64) row stride
    # (one gate column of a 4H = 4 stack); multiply and subtract are right (tests/test_kernels_strided.py).
    np.multiply(a, -1.0, out=out)
    np.exp(out, out=out)
    out += 1.0
    return np.reciprocal(out, out=out)


def _sigmoid_of_negated(na, out=None):
    # sigmoid(a) from na = −a: the generated forward stacks a sigmoid gate's weights and bias
    # negated (exact), so this is _sigmoid's result without its negation pass.
    out = _out(na, out)
    np.exp(na, out=out)
    out += 1.0
    return np.reciprocal(out, out=out)


def _relu(a, out=None):
    return np.maximum(a, 0.0, out=_out(a, out))


def _identity(a, out=None):
    out = _out(a, out)
    if out is not a:
        np.copyto(out, a)
    return out


ACT: dict[str, Callable] = {"tanh": _tanh, "sigmoid": _sigmoid, "relu": _relu, "identity": _identity}
NEG_ACT: dict[str, Callable] = {"sigmoid": _sigmoid_of_negated}   # f(a) from −a (numeric/generated/cells/)


def _dact(name: str) -> Callable:
    deriv = DERIV[name]

    def dact(g, y, out=None):
        out = np.empty_like(g) if out is None else out
        if deriv is None:                         # f' = 1
            if out is not g:
                np.copyto(out, g)
            return out
        deriv(y, out)                             # f'(a) from y, then ⊙ g
        out *= g
        return out
    dact.__name__ = f"d{name}"
    return dact


DACT: dict[str, Callable] = {name: _dact(name) for name in ACT}

__all__ = ["ACT", "DACT", "NEG_ACT"]
