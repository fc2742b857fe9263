"""The rules table is verified, not trusted: against sympy.diff, and the engine kernels against it."""

import numpy as np
import pytest
import sympy as sp

from derive.namespace import SYMPY_NS
from numeric.kernels import ACTIVATE, DERIV_MUL, loss_and_grad_
from numeric.rules import ACTIVATIONS, LOSSES, NUMPY_NS, gamma


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_rule_deriv_equals_sympy_diff(name):
    rule, a = ACTIVATIONS[name], sp.Symbol("a", real=True)
    h = rule.value(SYMPY_NS, a)
    diff = sp.diff(h, a) - rule.deriv(SYMPY_NS, h)
    # relu's Piecewise: compare away from the kink on both sides, and f'(0) = 0 by convention.
    for point in (sp.Rational(-3, 2), sp.Rational(-1, 7), sp.Rational(2, 9), sp.Integer(3)):
        assert sp.simplify(diff.subs(a, point)) == 0
    assert sp.simplify(diff.rewrite(sp.exp)) == 0 or name == "relu"
    if name == "relu":
        assert rule.deriv(SYMPY_NS, h).subs(a, 0) == 0


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_gamma_is_the_sup_of_the_derivative(name):
    z = np.linspace(-20, 20, 400001)
    h = ACTIVATIONS[name].value(NUMPY_NS, z)
    sup = float(np.max(np.abs(ACTIVATIONS[name].deriv(NUMPY_NS, h) * np.ones_like(z))))
    # the grid contains 0, where tanh' and sigmoid' attain their maximum exactly
    assert sup == pytest.approx(gamma(name), rel=1e-12)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_kernels_match_the_table(name):
    z = np.linspace(-30, 30, 1201)
    buf = z.copy()
    ACTIVATE[name](buf)
    np.testing.assert_allclose(buf, ACTIVATIONS[name].value(NUMPY_NS, z), rtol=1e-14, atol=1e-300)
    g = np.linspace(-1, 1, z.size)
    out = g.copy()
    DERIV_MUL[name](out, buf, np.empty_like(buf))
    np.testing.assert_allclose(out, g * ACTIVATIONS[name].deriv(NUMPY_NS, buf), rtol=1e-14, atol=0)


def test_sigmoid_kernel_is_overflow_safe():
    buf = np.array([-1e4, -800.0, 0.0, 800.0, 1e4])
    with np.errstate(over="raise", divide="raise", invalid="raise"):  # underflow to 0 is exact enough
        ACTIVATE["sigmoid"](buf)
    assert np.array_equal(buf, [0.0, 0.0, 0.5, 1.0, 1.0])


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_loss_rule_grad_matches_finite_differences(name):
    rng = np.random.default_rng(1)
    o = rng.standard_normal(4)
    y = np.eye(4)[2] if name == "cross_entropy" else rng.standard_normal(4)
    rule, eps = LOSSES[name], 1e-6
    fd = np.array([(rule.value(NUMPY_NS, o + eps * e, y) - rule.value(NUMPY_NS, o - eps * e, y)) / (2 * eps)
                   for e in np.eye(4)])
    # central differences on O(1) values: error ~ eps^2 + 1e-16/eps ~ 1e-10
    np.testing.assert_allclose(rule.grad(NUMPY_NS, o, y), fd, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_loss_kernel_matches_the_table(name):
    rng = np.random.default_rng(2)
    n, B, V = 3, 2, 4
    o = rng.standard_normal((n, B, V)) * 3
    y = rng.integers(0, V, (n, B)) if name == "cross_entropy" else rng.standard_normal((n, B, V))
    w = rng.random((n, B))
    buf = o.copy()
    per = loss_and_grad_(name, buf, y, w, 0.5)
    rule = LOSSES[name]
    onehot = lambda t, b: np.eye(V)[y[t, b]] if name == "cross_entropy" else y[t, b]  # noqa: E731
    want_per = [sum(0.5 * w[t, b] * rule.value(NUMPY_NS, o[t, b], onehot(t, b)) for b in range(B))
                for t in range(n)]
    np.testing.assert_allclose(per, want_per, rtol=1e-13)
    want_grad = [[0.5 * w[t, b] * rule.grad(NUMPY_NS, o[t, b], onehot(t, b)) for b in range(B)]
                 for t in range(n)]
    np.testing.assert_allclose(buf, want_grad, rtol=1e-13, atol=1e-15)


def test_cross_entropy_kernel_survives_huge_logits():
    o = np.array([[[1e5, -1e5, 0.0]]])
    with np.errstate(over="raise", divide="raise", invalid="raise"):  # underflow to 0 is exact enough
        per = loss_and_grad_("cross_entropy", o, np.array([[1]]), None, 1.0)
    assert per[0] == pytest.approx(2e5)
    np.testing.assert_allclose(o[0, 0], [1.0, -1.0, 0.0], atol=1e-300)
