"""Truncated BPTT: its definition, its relation to full BPTT, and the bounds on what it drops.

Tolerances: "equals" between two float64 computations that differ only in summation order is
judged with numeric.routes.compare.roundoff_error <= ROUNDOFF = 1e-13 (~n·ε with n ≈ T(D+H+V) <= 60
is 1.3e-14; see numeric/routes/compare.py). The exact identity full − truncated = dropped terms is
checked symbolically (zero, no tolerance). Bounds are checked as ratios measured/bound <= 1,
the bound padded by the two results' rounding (ROUNDOFF times their error bound).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from derive.verify.properties import (ROUNDOFF, batch_sum_error, bound_ratio, dropped_exact,
                                      dropped_values_error, jacobian_ratio, k2_at_least_T, k2_equals_full,
                                      symbolic_cases, with_truncation)
from numeric import Params, Truncation, bptt
from numeric.routes.compare import magnitudes, roundoff_error
from numeric.routes.rtrl import rtrl
from numeric.strategies import WEIGHT_REGIMES, dims, problems, symbolic_problems, truncations
from numeric.analysis.truncation_bound import truncation_bound
from numeric.routes.windowed import windowed_bptt

ALL = sorted(WEIGHT_REGIMES)
anything = problems(regime=ALL, h0=None, loss_weights=None)


@given(with_truncation(anything, k2_at_least_T))
def test_truncation_with_k2_at_least_T_equals_full(problem):
    assert k2_equals_full(problem) <= ROUNDOFF


@given(problems(regime=ALL, h0=None, loss_weights=None, truncation=True))
def test_truncated_engine_equals_the_windowed_definition_computed_by_rtrl(problem):
    # the definition run window by window with RTRL: no BPTT backward code on that side
    kw = problem.kwargs()
    by_definition = windowed_bptt(**kw, full=rtrl)
    assert roundoff_error(bptt(**kw), by_definition, magnitudes(**kw))[0] <= ROUNDOFF


@settings(max_examples=10, deadline=None)
@given(symbolic_cases())
def test_full_minus_truncated_is_exactly_the_dropped_jacobian_product_terms(case):
    assert dropped_exact(case) == 0


@settings(max_examples=10, deadline=None)
@given(with_truncation(symbolic_problems(min_T=2, batched=False, regime=ALL, h0=None, loss_weights=None),
                       lambda T: truncations(T, dropping=True)))
def test_engine_full_minus_truncated_equals_the_dropped_terms_evaluated(problem):
    assert dropped_values_error(problem) <= ROUNDOFF


@given(with_truncation(problems(dims_strategy=dims(min_T=2, max_T=8), rho=st.floats(0, 0.99), h0=None,
                                loss_weights=None), lambda T: truncations(T, dropping=True)))
def test_truncation_error_respects_the_bound_when_rho_below_one(problem):
    assert bound_ratio(problem) <= 1.0


def test_truncation_bound_is_tight_for_a_scalar_identity_rnn():
    # h_t = w h_{t-1} + 1, one loss at the end, Truncation(1, K): the dropped terms are exactly
    # the geometric tail g·(w^K + ... + w^(T-1)) the bound sums to g·w^K/(1 − w)
    T, w, K = 40, 0.5, 3
    p = Params(np.zeros((1, 1)), np.array([[w]]), np.array([1.0]), np.array([[1.0]]), np.zeros(1))
    xs, ys = np.zeros((T, 1)), np.zeros((T, 1))
    kw = dict(activation="identity", loss="half_sse", loss_at="last")
    trunc = Truncation(1, K)
    diff = abs(bptt(p, xs, ys, **kw).grads.b_h[0] - bptt(p, xs, ys, truncation=trunc, **kw).grads.b_h[0])
    b = truncation_bound(p, xs, ys, trunc, **kw).bounds["b_h"]
    assert 0.99 * b <= diff <= b


def test_truncation_bound_is_none_when_rho_is_at_least_one():
    p = Params.init(2, 3, 2, scale=2.0, seed=0)
    tb = truncation_bound(p, np.zeros((5, 2)), np.zeros(5, dtype=int), 2)
    assert tb.rho >= 1 and tb.bounds is None
    with pytest.raises(ValueError, match="needs a truncation"):
        truncation_bound(p, np.zeros((5, 2)), np.zeros(5, dtype=int), None)


@given(problems(w_hh_norm=0.0, h0=None, loss_weights=None, truncation=True))
def test_rnn_with_zero_w_hh_has_truncated_gradient_equal_to_full(problem):
    assert k2_equals_full(problem) <= ROUNDOFF


@given(anything)
def test_jacobian_products_respect_the_bound(problem):
    # ‖∂h_t/∂h_k‖₂ <= (γ‖W_hh‖₂)^(t−k); 1e-12 covers the rounding of the product and its norm
    assert jacobian_ratio(problem) <= 1.0 + 1e-12


@given(problems(dims_strategy=dims(batched=True), regime=ALL, h0=None, loss_weights=None, truncation=True))
def test_gradient_of_a_batch_is_the_sum_over_its_sequences(problem):
    assert batch_sum_error(problem) <= ROUNDOFF
