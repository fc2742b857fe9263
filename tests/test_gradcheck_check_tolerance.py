"""bptt check / assert_bptt_correct follow gradcheck's rules: NaN/inf in fn's answer is never
right, and a case whose reference itself is not finite is not judged (neither right nor wrong)."""

import warnings

import numpy as np
import pytest

from numeric import Params, bptt
from numeric.check.compare import evaluate, relative_errors
from numeric.check.problems import make_case
from numeric.check.spec import TOLERANCES, make_spec
from numeric.check.testing import assert_bptt_correct

TOL = TOLERANCES[np.dtype(np.float64)]


def _engine(params, xs, targets, h0, activation="tanh"):
    r = bptt(params, xs, targets, h0=h0, activation=activation)
    return r.loss, dict(r.grads) | {"h0": r.dh0}


def _spec(fn, **kw):
    opts = dict(convention="column", activation="identity", loss="cross_entropy", loss_at="all",
                truncation=None, inputs="real", examples=5, seed=0, dtype="float64", max_T=6)
    return make_spec(fn, **(opts | kw))


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_a_non_finite_answer_is_wrong_even_against_a_non_finite_bound(bad):
    got, expected = {"W_hh": np.array([bad, 1.0])}, {"W_hh": np.array([1.0, 1.0])}
    errs = relative_errors(got, expected, lambda: {"W_hh": np.array([np.inf, np.inf])}, TOL)
    assert not errs["W_hh"] < TOL.rtol


def test_an_infinite_magnitude_bound_never_makes_an_answer_right():
    # before: the floor tol.floor·‖ν‖ = inf made err = 0 for any finite answer
    got, expected = {"W_hh": np.array([5.0, -3.0])}, {"W_hh": np.array([1.0, 1.0])}
    errs = relative_errors(got, expected, lambda: {"W_hh": np.array([np.inf, 1.0])}, TOL)
    assert "W_hh" not in errs


def test_a_non_finite_reference_is_not_judged():
    got, expected = {"loss": 1.0, "W_hh": np.ones(2)}, {"loss": np.inf, "W_hh": np.ones(2)}
    errs = relative_errors(got, expected, lambda: {}, TOL)
    assert "loss" not in errs and errs["W_hh"] == 0.0


def test_a_case_whose_engine_overflows_is_unreliable_not_a_traceback_or_wrong():
    # identity, weights 10 and T = 400: the states overflow to inf, the logits to nan (before:
    # ValueError "params.W_hy must be finite" from scaling the logits by 30 / nan)
    spec = _spec(_engine)
    rng = np.random.default_rng(0)
    H = 4
    p = Params(rng.uniform(-10, 10, (H, 2)), 10 * np.eye(H), np.ones(H), np.ones((2, H)), np.zeros(2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        case = make_case(spec, params=p, xs=rng.uniform(-1, 1, (400, 2)), targets=rng.integers(0, 2, 400),
                         h0=np.ones(H), dhs=None, activation="identity", loss_at="all", truncation=None,
                         scale=10.0)
        out = evaluate(_engine, case, spec)
    assert out.unreliable and not out.wrong and out.ok


def test_assert_bptt_correct_fails_an_implementation_that_answers_nan():
    def nan_grads(params, xs, targets, h0):
        loss, g = _engine(params, xs, targets, h0)
        return loss, {k: np.full_like(v, np.nan) for k, v in g.items()}
    with pytest.raises(AssertionError, match="WRONG"):
        assert_bptt_correct(nan_grads, examples=5, shrink=False, max_T=3)


def test_a_check_whose_reference_is_never_finite_is_inconclusive_not_correct(monkeypatch):
    # A reference that can judge nothing must not lead to CORRECT: every case's reference answer
    # is made non-finite (as an overflowing engine's would be), so no quantity is ever judged.
    import numeric.check.conventions as conventions

    real = conventions.bptt

    def overflowing(*args, **kwargs):
        r = real(*args, **kwargs)
        return type(r)(np.inf, r.grads.map(lambda g: np.full_like(g, np.inf)), np.full_like(r.dh0, np.inf),
                       np.full_like(r.dxs, np.inf), r.h_last)

    monkeypatch.setattr(conventions, "bptt", overflowing)
    from numeric import check_implementation
    report = check_implementation(_engine, examples=5, shrink=False, max_T=3)
    assert report.verdict == "inconclusive" and report.exit_status == 3 and not report.passed
    assert "INCONCLUSIVE" in report.to_text() and "could not be judged" in report.to_text()
    with pytest.raises(AssertionError, match="INCONCLUSIVE"):
        assert_bptt_correct(_engine, examples=5, shrink=False, max_T=3)
