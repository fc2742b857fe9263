"""The five routes agree: engine, generated code, RTRL, finite differences, symbolic derivation
(plus the naive loop and the straight-line code of the expanded derivation).

Route-vs-route tolerances (justified in derive/verify/properties.py and numeric/routes/compare.py):
exact routes are compared with numeric.routes.compare.roundoff_error, the difference divided by the
first-order rounding-error bound of the computation. A correct float64 route scores ~n·ε with
n ≈ T(D + H + V) <= 60, about 1.3e-14; we allow ROUNDOFF = 1e-13 (largest seen: 4e-16).
The symbolic route evaluates at 30 digits, so it is exact for this purpose and the same bound
applies to the engine alone. Finite differences (eps 1e-6) are judged by gradcheck's norm-wise
relative error < 1e-7, the article's bar (expected ~1e-9).
"""

from __future__ import annotations

import numpy as np
from hypothesis import assume, given, settings

from derive.verify.properties import (ROUNDOFF, fd_error, fd_problems, symbolic_error, unrolled_cases,
                                      unrolled_error)
from numeric import bptt
from numeric.routes import naive_bptt
from numeric.bptt import BPTTResult
from numeric.routes.compare import magnitudes, roundoff_error
from numeric.generated import load
from numeric.routes.rtrl import rtrl
from numeric.strategies import WEIGHT_REGIMES, problems, symbolic_problems

ALL = sorted(WEIGHT_REGIMES)


@given(problems(regime=ALL, h0=None, loss_weights=None))
def test_naive_loop_equals_engine(problem):
    kw = problem.kwargs(truncation=False)
    assert roundoff_error(bptt(**kw), naive_bptt(**kw), magnitudes(**kw))[0] <= ROUNDOFF


@settings(max_examples=25)
@given(fd_problems())
def test_engine_matches_finite_differences(problem):
    assert fd_error(problem) < 1e-7


@settings(max_examples=12, deadline=None)
@given(symbolic_problems(regime=ALL, h0=None, loss_weights=None, truncation=True))
def test_symbolic_derivation_equals_engine(problem):
    assert symbolic_error(problem) <= ROUNDOFF


@settings(max_examples=15, deadline=None)
@given(unrolled_cases())
def test_straight_line_code_equals_engine(case):
    assert unrolled_error(case) <= ROUNDOFF


@settings(max_examples=8, deadline=None)
@given(symbolic_problems(regime=["small", "moderate", "contracting"], h0=None, loss_weights=None))
def test_all_five_routes_agree_on_one_problem(problem):
    from derive.route import evaluate_problem

    kw = problem.kwargs(truncation=False)
    engine, mag = bptt(**kw), magnitudes(**kw)
    routes = {"generated": load(problem.activation, problem.loss).bptt(**kw), "rtrl": rtrl(**kw),
              "symbolic": evaluate_problem(**kw)}
    for name, result in routes.items():
        assert roundoff_error(engine, result, mag)[0] <= ROUNDOFF, name
    assert fd_error(problem) < 1e-7


@given(problems(regime=["small", "moderate", "contracting"], activations=["tanh", "sigmoid", "identity"],
                h0=None, loss_weights=None))
def test_roundoff_measure_flags_a_gradient_off_by_one_part_in_a_thousand(problem):
    # the measure must have teeth: a 1e-3 relative error in one gradient scores far above 1e-13
    kw = problem.kwargs(truncation=False)
    good = bptt(**kw)
    g = good.grads.W_hh
    assume(np.linalg.norm(g) > 1e-6 * max(1.0, abs(good.loss)))
    wrong = good.grads.map(np.copy)
    wrong.W_hh.flat[np.argmax(np.abs(g))] *= 1.001
    bad = BPTTResult(good.loss, wrong, good.dh0, good.dxs, good.h_last)
    assert roundoff_error(good, bad, magnitudes(**kw))[0] > 1e3 * ROUNDOFF
