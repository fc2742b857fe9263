"""The symbolic derivation, evaluated at drawn values, equals numeric.bptt to float64 round-off.

derive.evaluate.evaluate_problem computes every node, δ and gradient of the SymPy derivation
at 30 significant digits and rounds once to float64, so its error is half an ulp; the
engine's own error after O(T (D + H + V)) float64 operations on values of size O(1..100) is
a few ulps of the largest intermediate term. The comparison therefore allows
|symbolic - numeric| <= RTOL * (|symbolic| + SCALE), SCALE the problem's magnitude: 1, the
largest parameter or input, and the largest value in the compared results (cancellation can
leave an entry, e.g. a cross-entropy loss of 0, far smaller than the terms it came from).
RTOL = 1e-10 is 1e5 times the worst error seen in 150 drawn problems (1.5e-15) and far
below any real discrepancy, which moves results in their leading digits.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from derive.route import evaluate_problem
from numeric import Truncation, bptt
from numeric.strategies import symbolic_problems

RTOL = 1e-10


def magnitude(kw: dict, *results) -> float:
    arrays = [a for _, a in kw["params"]] + [kw["xs"]]
    arrays += [a for r in results for a in (r.loss, r.dh0, r.dxs, *(g for _, g in r.grads))]
    return max([1.0] + [float(np.max(np.abs(a), initial=0.0)) for a in arrays])


def assert_round_off_equal(name: str, sym, num, scale: float) -> None:
    sym, num = np.asarray(sym, dtype=np.float64), np.asarray(num, dtype=np.float64)
    assert sym.shape == num.shape, f"{name}: shape {sym.shape} != {num.shape}"
    err = np.abs(sym - num)
    bound = RTOL * (np.abs(sym) + scale)
    worst = np.unravel_index(int(np.argmax(err - bound)), err.shape) if err.size else ()
    assert np.all(err <= bound), (f"{name}: worst entry {worst}\n  symbolic {sym[worst]!r}\n"
                                  f"  numeric  {num[worst]!r}\n  |diff| {err[worst]:.3e} > {bound[worst]:.3e}")


def assert_results_equal(kw: dict) -> None:
    sym, num = evaluate_problem(**kw), bptt(**kw)
    scale = magnitude(kw, sym, num)
    assert_round_off_equal("loss", sym.loss, num.loss, scale)
    for (name, a), (_, b) in zip(sym.grads, num.grads):
        assert_round_off_equal(name, a, b, scale)
    assert_round_off_equal("dh0", sym.dh0, num.dh0, scale)
    assert_round_off_equal("dxs", sym.dxs, num.dxs, scale)
    assert_round_off_equal("h_last", sym.h_last, num.h_last, scale)


@settings(deadline=None)
@given(symbolic_problems(max_T=4, max_size=2, loss_weights=None, relu_margin=0.0))
def test_symbolic_gradients_equal_engine_for_full_bptt(problem):
    assert_results_equal(problem.kwargs(truncation=False))


@settings(deadline=None)
@given(symbolic_problems(max_T=4, max_size=2, truncation=True, relu_margin=0.0))
def test_symbolic_gradients_equal_engine_for_truncated_bptt(problem):
    assert_results_equal(problem.kwargs())


@settings(deadline=None, max_examples=15)
@given(symbolic_problems(max_T=3, max_size=2, activations=["relu"], relu_margin=0.0),
       st.sampled_from([None, Truncation(1, 1), Truncation(1, 2), Truncation(2, 2)]))
def test_relu_derivative_convention_matches_engine_even_at_zero_weights(problem, truncation):
    # relu'(0) = 0 in both halves (Piecewise with h > 0 here, h > 0 mask there); drawn
    # problems include all-zero weights, where every a_t = 0 lies exactly on the kink.
    assert_results_equal(dict(problem.kwargs(), truncation=truncation))
