"""numerical_gradient and gradcheck: correct gradients pass, wrong ones are caught and located."""

import numpy as np
import pytest

import importlib
from numeric import BPTTResult, Params, bptt, gradcheck, numerical_gradient

gc = importlib.import_module("numeric.gradcheck")  # the module (numeric.gradcheck is the function)


def test_numerical_gradient_of_a_quadratic_is_exact_to_round_off():
    p = Params.init(2, 3, 2, scale=1.0, seed=2)
    g = numerical_gradient(lambda q: sum(float((a ** 2).sum()) for _, a in q), p)
    for name, a in p:
        # central differences are exact for quadratics up to round-off ~1e-16/1e-6
        np.testing.assert_allclose(g[name], 2 * a, rtol=0, atol=1e-8)


def test_gradcheck_reports_every_gradient_and_passes_a_correct_engine():
    p = Params.init(3, 4, 3, scale=0.5, seed=0)
    rng = np.random.default_rng(0)
    rep = gradcheck(p, rng.standard_normal((4, 2, 3)), rng.integers(0, 3, (4, 2)),
                    h0=rng.standard_normal((2, 4)))
    assert [e.name for e in rep] == ["W_xh", "W_hh", "b_h", "W_hy", "b_y", "h0", "xs"]
    assert rep.passed and rep.max_rel_error < 1e-7


def test_gradcheck_catches_and_locates_a_wrong_gradient(monkeypatch):
    def broken(*args, **kw):
        r = bptt(*args, **kw)
        W_hh = r.grads.W_hh.copy()
        W_hh[1, 2] *= 1.001                       # a 0.1 % error in one entry
        return BPTTResult(r.loss, Params(r.grads.W_xh, W_hh, r.grads.b_h, r.grads.W_hy, r.grads.b_y),
                          r.dh0, r.dxs, r.h_last)
    monkeypatch.setattr(gc, "bptt", broken)
    p = Params.init(2, 3, 2, scale=0.8, seed=1)
    rng = np.random.default_rng(1)
    rep = gc.gradcheck(p, rng.standard_normal((3, 2)), rng.integers(0, 2, 3))
    assert not rep.passed
    bad = [e.name for e in rep if not e.passed]
    assert bad == ["W_hh"] and rep["W_hh"].worst_index == (1, 2)
    text = str(rep)
    assert "worst entry W_hh[1, 2]" in text and "analytic" in text and "numeric" in text


def test_gradcheck_refuses_truncation():
    p = Params.init(1, 2, 2)
    with pytest.raises(ValueError, match="truncation must be None"):
        gradcheck(p, np.zeros((3, 1)), np.zeros(3, int), truncation=2)


def test_float32_gradcheck_uses_the_looser_stated_tolerance():
    p = Params.init(2, 3, 2, scale=0.5, seed=3, dtype=np.float32)
    rng = np.random.default_rng(3)
    rep = gradcheck(p, rng.standard_normal((4, 2)), rng.integers(0, 2, 4))
    assert all(e.rtol == 1e-3 for e in rep) and rep.passed


@pytest.mark.parametrize("kw, exc, words", [
    (dict(eps=0), ValueError, ["eps", "> 0", "0.0"]),
    (dict(eps=-1e-6), ValueError, ["eps", "> 0"]),
    (dict(eps=float("nan")), ValueError, ["eps", "finite"]),
    (dict(eps="1e-6"), TypeError, ["eps", "str"]),
    (dict(rtol=0), ValueError, ["rtol", "> 0"]),
    (dict(atol=-1.0), ValueError, ["atol", ">= 0"]),
    (dict(atol=True), TypeError, ["atol", "bool"]),
])
def test_gradcheck_rejects_bad_tolerances_with_their_names(kw, exc, words):
    p = Params.init(2, 3, 2, scale=0.5, seed=0)
    with pytest.raises(exc) as info:
        gradcheck(p, np.zeros((3, 2)), np.zeros(3, int), **kw)
    for w in words:
        assert w in str(info.value), (w, str(info.value))


def test_gradcheck_of_an_all_zero_gradient_with_atol_zero_passes():
    # every loss weight 0: the loss and every gradient are exactly 0, and so are the differences
    p = Params.init(2, 3, 2, scale=0.5, seed=0)
    rep = gradcheck(p, np.ones((3, 2)), np.zeros(3, int), atol=0.0, loss_weights=np.zeros(3))
    assert rep.passed and rep.max_rel_error == 0.0


def test_numerical_gradient_accepts_numpy_eps_and_dict_params():
    p = Params.init(2, 3, 2, scale=1.0, seed=2)
    f = lambda q: sum(float((a ** 2).sum()) for _, a in q)  # noqa: E731
    g = numerical_gradient(f, dict(p), eps=np.float32(1e-3))
    # central differences are exact for quadratics: only round-off ~1e-16 / 1e-3 remains
    np.testing.assert_allclose(g.W_hh, 2 * p.W_hh, rtol=0, atol=1e-10)
    with pytest.raises(TypeError, match="eps"):
        numerical_gradient(f, p, eps=True)


def test_numerical_gradient_of_float32_params_is_taken_in_float64():
    # perturbing float32 entries by 1e-6 would round the step itself away (float32 spacing near 1
    # is 1.2e-7, so eps would be off by up to ~10 %); the float64 copy keeps the
    # differences at the float64 accuracy of the gradcheck module docstring (~1e-9)
    p64 = Params.init(3, 4, 3, scale=0.5, seed=3)
    p32 = p64.astype(np.float32)
    rng = np.random.default_rng(3)
    xs, ys = rng.standard_normal((4, 3)), rng.integers(0, 3, 4)
    g = numerical_gradient(lambda q: bptt(q, xs, ys).loss, p32)
    exact = bptt(p32.astype(np.float64), xs, ys).grads
    for name, a in exact:
        assert g[name].dtype == np.float64
        assert np.linalg.norm(g[name] - a) <= 1e-7 * np.linalg.norm(a), name
