"""gradcheck is sound: PASS only when finite differences can tell, FAIL only when they agree
with each other and not with the analytic gradient, otherwise INCONCLUSIVE with the reason."""

import importlib
import json
import warnings

import numpy as np
import pytest

from derive.cli import main
from numeric import BPTTResult, Params, bptt, gradcheck, numerical_gradient

gc = importlib.import_module("numeric.gradcheck")


def _problem(T=5, H=4, scale=0.5, seed=0):
    rng = np.random.default_rng(seed)
    p = Params.init(3, H, 3, scale=scale, seed=seed)
    return p, rng.standard_normal((T, 3)), rng.integers(0, 3, T), rng.standard_normal(H)


def _patched(monkeypatch, change):
    """Make gradcheck see an engine whose W_hh gradient is change(correct one)."""
    def broken(*args, **kw):
        r = bptt(*args, **kw)
        g = r.grads
        return BPTTResult(r.loss, Params(g.W_xh, change(g.W_hh.copy()), g.b_h, g.W_hy, g.b_y),
                          r.dh0, r.dxs, r.h_last)
    monkeypatch.setattr(gc, "bptt", broken)


def test_an_overflowing_loss_is_never_a_pass():
    # scale 1e300 with identity: the loss and every gradient are NaN/inf (before: PASS, rel 0, abs nan)
    p, xs, ys, h0 = _problem(scale=1e300)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")       # the engine's own overflow warning
        rep = gradcheck(p, xs, ys, h0=h0, activation="identity")
    assert rep.verdict == "inconclusive" and not rep.passed and rep.exit_status == 3
    assert all(e.status == "inconclusive" for e in rep) and "not finite" in rep.reason


def test_a_nan_in_the_analytic_gradient_with_a_finite_loss_is_a_fail(monkeypatch):
    _patched(monkeypatch, lambda W: np.where(np.eye(len(W), dtype=bool), np.nan, W))
    rep = gc.gradcheck(*_problem()[:3])
    assert rep["W_hh"].status == "fail" and rep.verdict == "fail" and rep.exit_status == 1
    assert all(e.passed for e in rep if e.name != "W_hh")


def test_a_step_lost_to_rounding_is_inconclusive_with_a_suggested_eps():
    # eps=1e-30: x ± eps == x for every non-zero entry, so the differences are 0 (before: PASS
    # of 0.0 against -0.749, the atol floor being ~1e23)
    p, xs, ys, h0 = _problem()
    rep = gradcheck(p, xs, ys, h0=h0, eps=1e-30)
    assert rep.verdict == "inconclusive" and "lost to rounding" in rep.reason
    assert rep.suggested_eps is not None and 1e-8 <= rep.suggested_eps <= 1e-4


def test_numerical_gradient_refuses_a_step_lost_to_rounding():
    p = Params.init(2, 3, 2, scale=1.0, seed=2)
    with pytest.raises(ValueError) as info:
        numerical_gradient(lambda q: float((q.W_hh ** 2).sum()), p, eps=1e-30)
    assert "eps=1e-30" in str(info.value) and "x ± eps == x" in str(info.value)


@pytest.mark.parametrize("zero_analytic", [False, True])
def test_a_noise_floor_near_the_gradient_is_inconclusive_not_pass(monkeypatch, zero_analytic):
    # eps=1e-14: round-off ~ε·|L|/eps ≈ 1e-2·|L| per entry, the floor ~1 against gradients of norm
    # ~1 (before: PASS with absolute errors of 0.12, and of an all-zero W_hh gradient)
    if zero_analytic:
        _patched(monkeypatch, np.zeros_like)
    p, xs, ys, h0 = _problem()
    rep = gc.gradcheck(p, xs, ys, h0=h0, eps=1e-14)
    assert rep["W_hh"].status == "inconclusive" and "noise floor" in rep["W_hh"].reason
    assert rep.verdict == "inconclusive" and rep.suggested_eps == pytest.approx(1e-6)


def test_a_zero_analytic_gradient_is_a_fail_where_the_differences_see_one(monkeypatch):
    _patched(monkeypatch, np.zeros_like)
    rep = gc.gradcheck(*_problem()[:3])
    assert rep["W_hh"].status == "fail" and "agree" in rep["W_hh"].reason and rep.exit_status == 1


def test_a_truncation_dominated_step_is_inconclusive_and_suggests_a_smaller_one():
    # eps=1e-2: truncation eps²·|∂³L|/6 ~ 1e-5 relative: far above rtol, far below a real bug
    p, xs, ys, h0 = _problem()
    rep = gradcheck(p, xs, ys, h0=h0, eps=1e-2)
    assert rep.verdict == "inconclusive" and not any(e.status == "fail" for e in rep)
    assert rep.suggested_eps is not None and rep.suggested_eps < 1e-2


def test_a_chaotic_loss_is_inconclusive_naming_the_spectral_norm():
    # ‖W_hh‖₂ ≈ 8 and T = 100: the analytic gradients reach ~1e20 and the differences at 1e-6
    # and 1e-5 never settle (before: FAIL on this correct engine)
    p, xs, ys, h0 = _problem(T=100, H=16, scale=1.0)
    rep = gradcheck(p, xs, ys, h0=h0)
    assert rep.verdict == "inconclusive" and rep.exit_status == 3
    w = f"{np.linalg.norm(p.W_hh, 2):.3g}"
    assert float(w) > 1
    assert f"finite differences unreliable here: the loss is chaotic in these weights (‖W_hh‖₂ = {w})" \
        in rep.reason


def test_report_json_has_schema_verdict_and_reason():
    p, xs, ys, h0 = _problem()
    doc = json.loads(gradcheck(p, xs, ys, h0=h0, eps=1e-14).to_json())
    assert doc["schema"] == 1 and doc["verdict"] == "inconclusive" and doc["exit_status"] == 3
    assert "noise floor" in doc["reason"] and [g["name"] for g in doc["gradients"]][:2] == ["W_xh", "W_hh"]


# ---- the CLI -------------------------------------------------------------------------------

@pytest.mark.parametrize("argv, status", [
    ([], 0),
    (["--eps", "1e-14"], 3),
    (["--eps", "1e-30"], 3),
    (["--scale", "1e300", "--activation", "identity"], 3),
])
def test_cli_exit_status_is_0_pass_3_inconclusive(argv, status, capsys):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["gradcheck", *argv]) == status
    out = capsys.readouterr().out
    assert {0: "PASS", 3: "INCONCLUSIVE"}[status] in out.splitlines()[0]


def test_cli_exit_status_is_1_for_a_real_failure(monkeypatch, capsys):
    _patched(monkeypatch, lambda W: W * 1.01)
    assert main(["gradcheck"]) == 1
    assert "FAIL" in capsys.readouterr().out.splitlines()[0]


def test_cli_json_is_one_document_with_the_verdict(capsys):
    assert main(["gradcheck", "--eps", "1e-14", "--format", "json"]) == 3
    doc = json.loads(capsys.readouterr().out)
    assert doc["schema"] == 1 and doc["verdict"] == "inconclusive" and doc["reason"]
    assert doc["suggested_eps"] == pytest.approx(1e-6)


@pytest.mark.parametrize("argv", [["--T", "100000"], ["--hidden-size", "2000"]])
def test_cli_refuses_unbounded_work_up_front_naming_the_limit_flag(argv, capsys):
    assert main(["gradcheck", *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--max-seconds" in err and "estimated" in err


@pytest.mark.parametrize("argv, words", [
    (["--seed", "-1"], "--seed must be an integer >= 0; got -1."),
    (["--loss", "bogus"], "--loss 'bogus' is not known; choose one of cross_entropy, half_sse, mse, sse."),
    (["--loss-at", "x"], "--loss-at 'x' is not known; choose one of all, last."),
    (["--eps", "0"], "--eps must be a finite number > 0"),
])
def test_cli_bad_values_name_the_flag_in_one_line(argv, words, capsys):
    assert main(["gradcheck", *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and words in err and "[" not in err
