"""The properties of ``bptt verify``: what is drawn, what is measured, and the tolerance.

Every exact route pair is compared with ``numeric.routes.compare.roundoff_error``: the largest, over
the result's arrays, of ‖a − b‖ divided by the array's first-order rounding-error bound
(numeric/routes/compare.py: what ε·E_X a computation rounded at every operation can be off by). A
correct float64 route differs from another by at most ~n·ε in that measure, n the longest
chain of operations (~T(D + H + V) <= 6·10 = 60 here): 60 · 2.2e-16 ≈ 1.3e-14. ROUNDOFF =
1e-13 leaves a factor ~7 over that and ~250 over the largest value seen in 3000 draws of
every weight regime per route (4e-16). A wrong gradient scores ~1: tests/test_routes_agree.py
checks that a 1e-3 relative error in one entry scores above 1e-10.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
from hypothesis import strategies as st

from numeric import Truncation, bptt
from numeric.analysis.jacobians import jacobian_chain, step_jacobians
from numeric.analysis.truncation_bound import truncation_bound
from numeric.bptt import BPTTResult
from numeric.generated import load
from numeric.gradcheck import gradcheck
from numeric.params import Params
from numeric.problem import Dims, Problem
from numeric.routes.compare import magnitudes, result_arrays, roundoff_error
from numeric.routes.naive import naive_bptt
from numeric.routes.rtrl import rtrl
from numeric.routes.windowed import windowed_bptt
from numeric.rules import ACTIVATIONS, LOSSES
from numeric.strategies import WEIGHT_REGIMES, dims, problems, symbolic_problems, truncations

from ..codegen.unrolled import UnrolledTarget, load_unrolled
from ..route import evaluate_problem
from .symbolic import SymbolicCase, dropped_residual, dropped_values

ROUNDOFF = 1e-13       # float64 route vs route, running-error measure (module docstring)
ROUNDOFF32 = 1e-4      # float32: ε32/ε64 = 5.4e8 times ROUNDOFF's ~n·ε, with the same margin
FD_RTOL = 1e-7         # gradcheck's own bar (numeric/gradcheck.py: ~1e-9 expected)
BOUND = 1.0            # a ratio error / bound
ALL = sorted(WEIGHT_REGIMES)
EPS64 = float(np.finfo(np.float64).eps)
SYMBOLIC_LOSS_FLOOR = 1e-25   # absolute, per step and sequence: see symbolic_error


@dataclass(frozen=True)
class Property:
    """One checked property: cases from ``strategy()``, error from ``measure(case)``."""

    name: str
    routes: str
    measure_name: str          # what the error is: roundoff | fd-rel | ratio | nonzero
    tolerance: float
    strategy: Callable[[], st.SearchStrategy]
    measure: Callable[[Any], float]
    kind: str = "numeric"      # numeric | unrolled | symbolic (sets the share of --examples)


def generated(p: Problem):
    return load(p.activation, p.loss).bptt


def pair_error(route: Callable[..., BPTTResult], *, truncated: bool = True) -> Callable[[Problem], float]:
    def measure(p: Problem) -> float:
        kw = p.kwargs(truncation=truncated)
        return roundoff_error(bptt(**kw), route(p)(**kw), magnitudes(**kw))[0]
    return measure


def fd_error(p: Problem) -> float:
    """gradcheck's error, with its noise floor taken from L's running-error magnitude.

    Each difference quotient carries the rounding error of two loss evaluations over 2·eps,
    ~ε·|L|_mag/eps, and |L|_mag (numeric/routes/compare.py) exceeds gradcheck's default max(1, |L|)
    when L is a cancellation (cross-entropy with confident logits: logsumexp(o) − o_y ≈ 1e-7
    for o ≈ 16). The floor is gradcheck's formula with |L|_mag in its place.
    """
    kw = p.kwargs(truncation=False)
    eps, n = 1e-6, max(a.size for _, a in p.params)
    L_mag = float(magnitudes(**kw)["loss"][0])
    atol = 4 * EPS64 * max(1.0, L_mag) / eps * math.sqrt(max(n, p.xs.size)) / FD_RTOL
    return gradcheck(**kw, eps=eps, rtol=FD_RTOL, atol=atol).max_rel_error


def fd_problems() -> st.SearchStrategy[Problem]:
    """The regimes where central differences resolve 1e-7 with room to spare.

    Their truncation error eps²·|∂³L|/6 grows with the curvature: at the saturating scale
    (entries up to 10) identity and relu RNNs explode (‖W_hh‖₂ up to 40) and even tanh with
    confident logits reaches 8e-8 (seen at T = 6, ρ = 11.8); there the exact routes (RTRL,
    symbolic, generated, naive) check the engine instead. Elsewhere the largest error seen
    in 3000 draws per regime is 6e-9.
    """
    return problems(regime=["small", "moderate", "contracting", "exploding"], h0=None, loss_weights=None)


def with_truncation(strategy, choose) -> st.SearchStrategy:
    """Problems with their truncation replaced by one drawn from ``choose(T)``."""
    return strategy.flatmap(lambda p: choose(p.dims.T).map(lambda tr: p.replace(truncation=tr)))


def k2_at_least_T(T: int) -> st.SearchStrategy[Truncation]:
    return st.integers(1, T + 1).flatmap(
        lambda k1: st.integers(max(k1, T), T + 1).map(lambda k2: Truncation(k1, k2)))


def k2_equals_full(p: Problem) -> float:
    kw = p.kwargs(truncation=False)
    return roundoff_error(bptt(**kw, truncation=p.truncation), bptt(**kw), magnitudes(**kw))[0]


def batch_sum_error(p: Problem) -> float:
    kw = p.kwargs()
    whole = bptt(**kw)
    parts = [bptt(**p.sequence(b).kwargs()) for b in range(p.dims.B)]
    c = 1.0 / p.dims.B if p.loss == "mse" else 1.0          # mse divides by B in the batch
    summed = BPTTResult(c * sum(r.loss for r in parts),
                        Params(*(c * sum(np.asarray(r.grads[n]) for r in parts) for n, _ in whole.grads)),
                        c * np.stack([r.dh0 for r in parts]), c * np.stack([r.dxs for r in parts], axis=1),
                        np.stack([r.h_last for r in parts]))
    return roundoff_error(whole, summed, magnitudes(**kw))[0]


def bound_ratio(p: Problem) -> float:

    kw = p.kwargs(truncation=False)
    full, trunc = result_arrays(bptt(**kw)), result_arrays(bptt(**kw, truncation=p.truncation))
    bound, mag = truncation_bound(**kw, truncation=p.truncation), magnitudes(**kw)
    worst = 0.0
    for name, b in bound.bounds.items():
        diff = float(np.linalg.norm(full[name] - trunc[name]))
        # both sides' rounding, and below the smallest normal float64 (2.2e-308) absolute rounding
        slack = ROUNDOFF * float(np.linalg.norm(mag[name])) + 100 * float(np.finfo(np.float64).smallest_normal)
        worst = max(worst, 0.0 if diff == 0 else diff / (b + slack))
    return worst


def jacobian_ratio(p: Problem) -> float:
    """max over sequences and 0 <= k < t <= T of ‖∂h_t/∂h_k‖₂ / (ρ^(t−k) + 100·tiny).

    tiny = 2.2e-308, the smallest normal float64: a product that underflows into subnormals
    keeps only a few bits (seen: W_hh = 1.3e-161, whose square is 1.8e-322 to 3 digits), so
    below it the comparison is absolute.
    """

    log_rho = math.log(p.rho) if p.rho > 0 else -math.inf
    floor = 100 * float(np.finfo(np.float64).smallest_normal)
    worst = 0.0
    for b in range(p.dims.B or 1):
        q = p if p.dims.B is None else p.sequence(b)
        J = step_jacobians(q.params, q.xs, h0=q.h0, activation=q.activation)
        for k in range(p.dims.T):
            for t in range(k + 1, p.dims.T + 1):
                norm = float(np.linalg.norm(jacobian_chain(J, t, k), 2))
                bound = math.exp(max(-745.0, min(700.0, (t - k) * log_rho))) if p.rho > 0 else 0.0
                worst = max(worst, norm / (bound + floor))
    return worst


def dropped_values_error(p: Problem) -> float:

    kw = p.kwargs(truncation=False)
    full, trunc = result_arrays(bptt(**kw)), result_arrays(bptt(**p.kwargs()))
    mag = magnitudes(**kw)
    errors = [float(np.linalg.norm(full[n] - trunc[n] - v)) / max(float(np.linalg.norm(mag[n])), 1e-300)
              for n, v in dropped_values(p).items()]
    return max(errors)


def symbolic_error(p: Problem) -> float:
    """The engine against the derivation evaluated at 30 significant digits.

    The derivation writes cross-entropy as log Σ exp(o) − y·o, unshifted: at 30 digits
    log(exp(o)) loses any |o| below ~1e-30 next to the 1 it is added to, so its loss carries an
    absolute error up to ~1e-30 per step that the engine's bound (shifted log-sum-exp) does
    not contain (seen: o = 1.3e-39, V = 1, where L is exactly 0). The loss's bound is widened
    by 1e-25 per step for that; gradients are unaffected (softmax stays relative-accurate).
    """

    kw = p.kwargs()
    mag = dict(magnitudes(**kw))
    mag["loss"] = mag["loss"] + SYMBOLIC_LOSS_FLOOR / EPS64 * p.dims.T * (p.dims.B or 1)
    return roundoff_error(bptt(**kw), evaluate_problem(**kw), mag)[0]


def symbolic_cases() -> st.SearchStrategy:

    sizes = st.sampled_from([(1, 1), (1, 2), (2, 1)])        # (H, V): keeps the exact check quick
    names = st.tuples(st.sampled_from(sorted(ACTIVATIONS)), st.sampled_from(sorted(LOSSES)),
                      st.sampled_from(["all", "last"]))
    return st.integers(2, 4).flatmap(lambda T: st.builds(
        lambda hv, n, tr: SymbolicCase(T, hv[0], 1, hv[1], n[0], n[1], n[2], tr),
        sizes, names, truncations(T, dropping=True)))


def dropped_exact(case) -> float:
    return float(dropped_residual(case))


def unrolled_cases() -> st.SearchStrategy:

    targets = [UnrolledTarget(3, 2, 2, 2, "tanh", "half_sse"),
               UnrolledTarget(3, 2, 2, 2, "sigmoid", "cross_entropy", "last"),
               UnrolledTarget(3, 1, 2, 2, "identity", "mse", "all", Truncation(1, 2)),
               UnrolledTarget(4, 1, 1, 1, "tanh", "sse", "all", Truncation(2, 2)),
               UnrolledTarget(2, 1, 1, 2, "relu", "sse")]

    def for_target(t):
        d = st.builds(Dims, st.just(t.T), st.one_of(st.none(), st.integers(1, 3)), st.just(t.D),
                      st.just(t.H), st.just(t.V))
        return problems(dims_strategy=d, activations=[t.activation], losses=[t.loss], loss_at=[t.loss_at],
                        regime=ALL, h0=None, loss_weights=None).map(
            lambda p: (t, p.replace(truncation=t.truncation)))
    return st.sampled_from(targets).flatmap(for_target)


def unrolled_error(case) -> float:

    target, p = case
    kw = p.kwargs()
    return roundoff_error(bptt(**kw), load_unrolled(target).bptt(**kw), magnitudes(**kw))[0]


def anything(**kw) -> Callable[[], st.SearchStrategy]:
    return lambda: problems(regime=ALL, h0=None, loss_weights=None, **kw)


PROPERTIES: tuple[Property, ...] = (
    Property("engine = generated code", "numeric.bptt vs numeric.generated (full + truncated)",
             "roundoff", ROUNDOFF, anything(truncation=True), pair_error(generated)),
    Property("engine = generated code (float32)", "both in float32 vs float64 magnitudes",
             "roundoff", ROUNDOFF32,
             lambda: problems(regime=ALL, h0=None, loss_weights=None, truncation=True, dtype=np.float32),
             pair_error(generated)),
    Property("engine = RTRL", "numeric.bptt vs numeric.routes.rtrl (forward mode)", "roundoff", ROUNDOFF,
             anything(), pair_error(lambda p: rtrl, truncated=False)),
    Property("engine = naive loop", "numeric.bptt vs numeric.routes.naive_bptt", "roundoff", ROUNDOFF,
             anything(), pair_error(lambda p: naive_bptt, truncated=False)),
    Property("engine = finite differences", "numeric.gradcheck (central, eps 1e-6)", "fd-rel", FD_RTOL,
             fd_problems, fd_error),
    Property("engine = symbolic derivation", "derive.evaluate_problem (30 digits), T <= 4",
             "roundoff", ROUNDOFF,
             lambda: symbolic_problems(regime=ALL, h0=None, loss_weights=None, truncation=True),
             symbolic_error, kind="symbolic"),
    Property("engine = straight-line code", "bptt generate --unrolled (fixed T, sizes)", "roundoff",
             ROUNDOFF, unrolled_cases, unrolled_error, kind="unrolled"),
    Property("truncated = windowed definition", "numeric.bptt vs numeric.routes.windowed_bptt", "roundoff",
             ROUNDOFF, anything(truncation=True), pair_error(lambda p: windowed_bptt)),
    Property("k2 >= T: truncated = full", "numeric.bptt, Truncation(k1, k2 >= T) vs None",
             "roundoff", ROUNDOFF, lambda: with_truncation(anything()(), k2_at_least_T), k2_equals_full),
    Property("full - truncated = dropped terms", "derive: exactly zero, T <= 4 (symbolic)",
             "nonzero", 0.0, symbolic_cases, dropped_exact, kind="symbolic"),
    Property("full - truncated = dropped (values)", "engine difference vs symbolic dropped terms",
             "roundoff", ROUNDOFF,
             lambda: with_truncation(symbolic_problems(min_T=2, batched=False, regime=ALL, h0=None,
                                                        loss_weights=None),
                                      lambda T: truncations(T, dropping=True)),
             dropped_values_error, kind="symbolic"),
    Property("truncation error <= bound", "C·ρ^(k2-k1+1)/(1-ρ) when ρ < 1 (docs/truncation-bound.md)",
             "ratio", BOUND,
             lambda: with_truncation(problems(dims_strategy=dims(min_T=2, max_T=8), rho=st.floats(0, 0.99),
                                               h0=None, loss_weights=None),
                                      lambda T: truncations(T, dropping=True)),
             bound_ratio),
    Property("Jacobian product <= (γ‖W_hh‖)^(t-k)", "numeric.analysis.jacobians, every 0 <= k < t <= T", "ratio",
             BOUND + 1e-12, anything(), jacobian_ratio),
    Property("batch = sum over sequences", "numeric.bptt on (T, B, D) vs B runs", "roundoff", ROUNDOFF,
             lambda: problems(dims_strategy=dims(batched=True), regime=ALL, h0=None, loss_weights=None,
                              truncation=True), batch_sum_error),
    Property("W_hh = 0: truncated = full", "numeric.bptt with any truncation", "roundoff", ROUNDOFF,
             lambda: problems(w_hh_norm=0.0, h0=None, loss_weights=None, truncation=True), k2_equals_full),
)


def share(kind: str, examples: int) -> int:
    """Draws for a property of this kind: all of --examples for numeric routes, 1/4 for the
    straight-line route, a fixed 5% (at least 2) for the symbolic ones."""
    if kind == "numeric":
        return examples
    if kind == "unrolled":
        return max(2, math.ceil(examples / 4))
    return max(2, math.ceil(examples / 20))
