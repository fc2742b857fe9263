"""Overflow in the forward or backward pass: one clear warning instead of NumPy's raw ones.

Valid inputs can still overflow: with an unbounded activation (identity, relu) the hidden
states grow like ‖W_hh‖^t, and with any activation the δ recursion grows like
(γ‖W_hh‖)^t (docs/vanishing.md). The engine runs with NumPy's floating-point warnings off
(``quiet``), checks the loss and the weight gradients once at the end (an inf anywhere in
the states or the step gradients reaches their sums), and when something is not finite it
emits a single RuntimeWarning that says what overflowed, why, and what to change.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from .params import Params
from .rules import ACTIVATIONS

# For the engine's hot loops: no floating-point warnings or errors from NumPy while they run
# (underflow to 0 is exact enough; overflow is reported by warn_overflow).
quiet = dict(over="ignore", invalid="ignore", divide="ignore", under="ignore")


def nonfinite_names(loss: float, grads: Params | None) -> list[str]:
    """'loss' and the gradient names whose arrays hold inf or nan (empty when all finite).

    Fast path, a few µs: an overflow in the forward pass makes the loss non-finite, and one
    in the δ recursion reaches ∂L/∂b_h = Σ_t δ_t (a sum with an inf or nan in it is not
    finite); only then is every array looked at, to name them.
    """
    if math.isfinite(loss) and (grads is None or math.isfinite(float(grads.b_h.sum()))):
        return []
    bad = [] if math.isfinite(loss) else ["loss"]
    if grads is not None:
        bad += [name for name, g in grads if not np.isfinite(g).all()]
    return bad or ["b_h (its sum overflows)"]


def warn_overflow(where: str, bad: list[str], params: Params, activation: str, T: int,
                  stacklevel: int = 3) -> None:
    """The one warning: which results are non-finite, the growth rate behind it, the remedies."""
    norm = float(np.linalg.norm(params.W_hh.astype(np.float64), 2))
    gamma = ACTIVATIONS[activation].gamma
    unbounded = activation in ("identity", "relu")
    cause = (f"with activation {activation!r} the hidden states are unbounded and can grow like "
             f"‖W_hh‖₂^t = {norm:.3g}^t" if unbounded else
             f"the δ recursion grows like (γ‖W_hh‖₂)^t = ({float(gamma) * norm:.3g})^t (γ = {gamma})")
    warnings.warn(
        f"{where}: the computation overflowed in {params.dtype} (non-finite: {', '.join(bad)}); "
        f"{cause} over T = {T} steps. Use smaller recurrent weights, a bounded activation "
        f"(tanh, sigmoid)" + (", truncation, or float64." if params.dtype == np.float32 else " or truncation."),
        RuntimeWarning, stacklevel=stacklevel)


def report_overflow(where: str, loss: float, grads: Params | None, params: Params, activation: str,
                    T: int) -> None:
    """warn_overflow when the loss or a gradient is not finite (for the engines' callers:
    rtrl, naive_bptt, the generated modules); the warning points at the user's call."""
    bad = nonfinite_names(loss, grads)
    if bad:
        warn_overflow(where, bad, params, activation, T, stacklevel=4)
