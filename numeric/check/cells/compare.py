"""evaluate(fn, case, spec): run the user's cell implementation on one case and judge it, with
the elman checker's verdict rule (numeric/check/compare.py ``relative_errors``):

    err = ‖got − expected‖ / max(‖got‖ + ‖expected‖, tol.floor · ‖ν‖, tol.tiny),  wrong ⇔ err >= rtol

ν, the quantity's magnitude, is estimated here by the reference's sensitivity to its inputs
(the elman checker's absolute-value recursion has no general counterpart for a gated cell):
every input (weights, xs, initial states, dh) is perturbed by a relative δ = 1e-6 in two
random directions, and ‖ν‖ = NU · max ‖Δ‖ / δ. A correct implementation's rounding error is
about ε times that sensitivity times a small constant (the forward error of backward-stable
sums and products), so NU = 10 puts the float32 floor at rtol · floor · 10 = 5e-4 of it — some
100x above the float32 noise and far below the 1e-2 .. 1 relative errors of a real bug; it
matters only where a quantity is much smaller than its own terms (cancellation).

Input perturbations miss the rounding of the intermediate values themselves — a saturated
gate σ(a) ≈ 1 − 1e-6 holds 1 − σ to a few digits in float32, and every σ'(a) = σ (1 − σ)
with it — so the engine is also run in float32 on the same values: its distance from the
float64 answer is what a correct float32 implementation's rounding does on this case, scaled
to the judged dtype by the ratio of the epsilons, and ‖ν‖ is at least K = 100 times that
over rtol · floor. Both are estimates, not bounds (docs/check.md, "Gated cells").
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..compare import Outcome, relative_errors
from ..conventions import ContractError
from ...cells import forward as cell_forward
from .cases import CellCase
from .layouts import call, named
from .reference import engine
from .spec import CellSpec

DELTA = 1e-6
NU = 10.0
K = 100.0
EPS32 = float(np.finfo(np.float32).eps)


def expected(case: CellCase, spec: CellSpec) -> dict[str, Any]:
    return named(engine(case, spec), case, spec)


def sensitivity_magnitudes(case: CellCase, spec: CellSpec, ref: dict[str, Any]) -> dict[str, float]:
    """‖ν‖ per quantity: NU times the reference's largest response per unit relative perturbation."""
    rng = np.random.default_rng(7)
    worst: dict[str, float] = {}
    for _ in range(2):
        bump = lambda a: a * (1 + DELTA * rng.uniform(-1, 1, np.shape(a)))  # noqa: E731
        P = {n: bump(a) for n, a in case.params.items()}
        out = named(engine(case, spec, P, bump(case.xs), {s: bump(v) for s, v in case.state0.items()},
                           None if case.dhs is None else bump(case.dhs)), case, spec)
        for n, v in ref.items():
            d = float(np.linalg.norm(np.ravel(np.asarray(out[n], float) - np.asarray(v, float)))) / DELTA
            worst[n] = max(worst.get(n, 0.0), d)
    f32 = np.float32
    low = named(engine(case, spec, {n: a.astype(f32) for n, a in case.params.items()}, case.xs.astype(f32),
                       {s: v.astype(f32) for s, v in case.state0.items()},
                       None if case.dhs is None else case.dhs.astype(f32)), case, spec)
    judged = spec.values_dtype                        # the dtype the answers are judged in
    c = K * float(np.finfo(judged).eps) / EPS32 / (spec.tol.rtol * spec.tol.floor)
    noise = {n: c * float(np.linalg.norm(np.ravel(np.asarray(low[n], float) - np.asarray(v, float))))
             for n, v in ref.items()}
    out = {n: max(NU * v, noise[n]) for n, v in worst.items()}
    if "loss" in out:
        out["loss"] = max(out["loss"], loss_terms(case, spec))
    return out


def loss_terms(case: CellCase, spec: CellSpec) -> float:
    """The size of the loss's own terms, Σ_t (2 max_j |o_tj| + log V) (as the elman checker's
    bound): −log p_t is computed to an absolute accuracy of ε |o_t| (a loss of 5e-10 from logits
    of 17 carries 1e-15 of rounding), which no relative perturbation shows."""
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        o = cell_forward(spec.module, case.params, case.xs[:, 0], {s: v[0] for s, v in case.state0.items()}).logits
    steps = o if case.loss_at == "all" else o[-1:]
    return float(np.sum(2 * np.abs(steps).max(axis=-1) + np.log(steps.shape[-1])))


def evaluate(fn: Any, case: CellCase, spec: CellSpec) -> Outcome:
    """Call fn on the case and compare with the engine at spec.tol (G's Outcome, G's rule)."""
    ref = expected(case, spec)
    try:
        got, mutated, dtypes = call(fn, case, spec, ref)
    except ContractError as e:
        return Outcome(case, ref, None, failure=str(e))
    errs = judge(case, spec, got, ref)
    wrong = tuple(n for n, v in errs.items() if not v < spec.tol.rtol)
    unreliable = tuple(n for n in ref if n in got and n not in errs)
    return Outcome(case, ref, got, errs, wrong, None, mutated, unreliable, dtypes)


def judge(case: CellCase, spec: CellSpec, got: dict[str, Any], want: dict[str, Any], cache: dict | None = None,
          tol=None) -> dict[str, float]:
    """err per quantity of ``got`` against ``want`` (the magnitudes computed at most once)."""
    memo = {} if cache is None else cache

    def nu():
        if "nu" not in memo:
            memo["nu"] = sensitivity_magnitudes(case, spec, want)
        return memo["nu"]
    return relative_errors(got, want, nu, tol or spec.tol)
