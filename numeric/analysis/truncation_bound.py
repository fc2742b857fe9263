"""An upper bound on the truncation error of Truncation(k1, k2) when ρ = γ‖W_hh‖₂ < 1.

docs/truncation-bound.md derives it. With g_t = ∂L_t/∂h_t (direct: (∂L_t/∂o_t) W_hy, loss
weights and mse scale included), every dropped path term runs from a loss L_t back to a
step s with t − s >= k2 − k1 + 1, and ‖∂h_t/∂h_s‖₂ <= ρ^(t−s), so summing the geometric
tail gives, for each gradient X::

    ‖∇_X^full − ∇_X^trunc‖_F <= C_X · ρ^(k2−k1+1) / (1 − ρ),   C_X = γ · U_X · G

    G       = Σ_sequences Σ_{t in windows that start after step 1} ‖g_t‖₂
    U_W_hh  = max_s ‖h_{s−1}‖₂,   U_W_xh = max_s ‖x_s‖₂,   U_b_h = 1,
    U_xs    = ‖W_xh‖₂ (dxs),      C_h0 = G (no f' between h_0 and the chain)

and 0 for W_hy and b_y (never truncated). It is an upper bound, not a rate: the actual error
is usually far smaller (f' < γ, and the dropped terms need not align).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..bptt import prepare
from ..finite import quiet, warn_overflow
from ..forward import outputs, run_states
from ..kernels import loss_and_grad_
from ..rules import gamma
from ..truncation import Truncation, update_points
from ..validate import check_truncation


@dataclass(frozen=True)
class TruncationBound:
    """ρ, G, the exponent k2 − k1 + 1, and the bound per gradient name (W_xh, W_hh, b_h,
    W_hy, b_y, dh0, dxs); ``bounds`` is None when ρ >= 1 (the series does not converge)."""

    rho: float
    G: float
    exponent: int
    constants: dict[str, float]
    bounds: dict[str, float] | None


def truncation_bound(params, xs, targets, truncation: Truncation | int, *, h0=None,
                     activation: str = "tanh", loss: str = "cross_entropy", loss_at: str = "all",
                     loss_weights=None) -> TruncationBound:
    """The bound C_X ρ^(k2−k1+1) / (1 − ρ) on ‖full − truncated‖_F for each gradient X.

    Args: as numeric.bptt (truncation required).
    Returns: TruncationBound; ``bounds[X]`` compares with the Frobenius norm of
    bptt(...).grads.X − bptt(..., truncation=...).grads.X (dh0, dxs: of those arrays).
    """
    p = prepare(params, xs, targets, h0=h0, activation=activation, loss=loss, loss_at=loss_at,
                loss_weights=loss_weights)
    trunc = check_truncation(truncation)
    if trunc is None:
        raise ValueError("truncation_bound needs a truncation (Truncation(k1, k2) or an int k); got None.")
    with np.errstate(**quiet):
        result = _bound(p, trunc)
    values = [result.rho, result.G, *result.constants.values(), *(result.bounds or {}).values()]
    if not all(math.isfinite(v) for v in values):
        warn_overflow("numeric.analysis.truncation_bound", ["the bound's constants"], p.params, p.activation,
                      p.xs.shape[0])
    return result


def _bound(p, trunc: Truncation) -> TruncationBound:
    prm, (T, B, _) = p.params, p.xs.shape
    hs = np.empty((T + 1, B, prm.hidden_size), prm.dtype)
    hs[0] = p.h0
    run_states(prm, p.xs, p.h0, hs[1:], p.activation)
    G = 0.0
    for tau_prev, tau, start in update_points(T, trunc):
        lr = p.loss_range(tau_prev, tau)
        if lr is None or start == 1:                # nothing dropped from this window's losses
            continue
        l1, l2 = lr
        do = outputs(prm, hs[l1:l2 + 1])
        w = None if p.weights is None else p.weights[l1 - 1:l2]
        loss_and_grad_(p.loss, do, p.targets[l1 - 1:l2], w, p.loss_scale)
        g = do.astype(np.float64) @ prm.W_hy.astype(np.float64)          # (m, B, H)
        G += float(np.linalg.norm(g, axis=-1).sum())
    gam = gamma(p.activation)
    rho = gam * float(np.linalg.norm(prm.W_hh.astype(np.float64), 2))
    U = {"W_hh": float(np.linalg.norm(hs[:T].astype(np.float64), axis=-1).max()),
         "W_xh": float(np.linalg.norm(p.xs.astype(np.float64), axis=-1).max()),
         "b_h": 1.0, "dxs": float(np.linalg.norm(prm.W_xh.astype(np.float64), 2))}
    constants = {n: gam * u * G for n, u in U.items()} | {"dh0": G, "W_hy": 0.0, "b_y": 0.0}
    exponent = trunc.k2 - trunc.k1 + 1
    bounds = None if rho >= 1 else {n: c * rho ** exponent / (1 - rho) for n, c in constants.items()}
    return TruncationBound(rho, G, exponent, constants, bounds)
