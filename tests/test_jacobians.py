"""numeric.analysis.jacobians: ∂h_t/∂h_k, ‖∂L_t/∂h_k‖, spectral quantities, the Pascanu conditions."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from numeric import Params, bptt, forward
from numeric.analysis.jacobians import (analyze, decay_crossing, jacobian_chain, log_norms_to_last, loss_grad_norms,
                               random_inputs, random_rnn, spectral_norm, spectral_radius, step_jacobians)
from numeric.rules import gamma

ACTS = ["tanh", "sigmoid", "identity"]   # relu's kink would make finite differences unreliable


@st.composite
def problems(draw, max_T=6):
    T, D, H, V = draw(st.integers(1, max_T)), draw(st.integers(1, 3)), draw(st.integers(1, 4)), draw(st.integers(2, 3))
    seed = draw(st.integers(0, 2**16))
    params = Params.init(D, H, V, scale=draw(st.sampled_from([0.3, 0.8])), seed=seed)
    rng = np.random.default_rng(seed + 1)
    return params, rng.standard_normal((T, D)), rng.integers(0, V, T), rng.standard_normal(H) * 0.5, \
        draw(st.sampled_from(ACTS))


def _states_from(params, xs, h, activation):
    """h_T as a function of a state h placed before xs: the independent forward route."""
    return forward(params, xs, h0=h, activation=activation).hs[-1]


@settings(deadline=None)
@given(problems())
def test_jacobian_product_matches_finite_differences_of_the_forward_pass(problem):
    params, xs, _, h0, act = problem
    T, H = xs.shape[0], params.hidden_size
    hs = forward(params, xs, h0=h0, activation=act).hs
    J = step_jacobians(params, xs, h0=h0, activation=act)
    k = T // 2
    eps = 1e-6
    fd = np.empty((H, H))
    for j in range(H):
        e = np.zeros(H)
        e[j] = eps
        fd[:, j] = (_states_from(params, xs[k:], hs[k] + e, act) - _states_from(params, xs[k:], hs[k] - e, act)) / (2 * eps)
    # central differences: O(eps²) truncation + O(1e-16/eps) round-off, so 1e-8 absolute is ample
    np.testing.assert_allclose(jacobian_chain(J, T, k), fd, atol=1e-8)


@settings(deadline=None)
@given(problems())
def test_loss_grad_norms_equal_bptt_dh0_started_at_h_k(problem):
    # Independent route: ∂L_t/∂h_k is bptt's ∂L/∂h0 when the sequence starts at h_k and only L_t counts.
    params, xs, ys, h0, act = problem
    T = xs.shape[0]
    hs = forward(params, xs, h0=h0, activation=act).hs
    G = loss_grad_norms(params, xs, ys, h0=h0, activation=act)
    os = forward(params, xs, h0=h0, activation=act).os
    for t in range(1, T + 1):
        for k in range(1, T + 1):
            if k > t:
                assert G[t - 1, k - 1] == 0.0
            elif k == t:                        # ∂L_t/∂h_t = W_hyᵀ (softmax(o_t) - onehot(y_t))
                p = np.exp(os[t - 1] - os[t - 1].max())
                p /= p.sum()
                p[ys[t - 1]] -= 1.0
                assert math.isclose(G[t - 1, k - 1], np.linalg.norm(p @ params.W_hy), rel_tol=1e-9, abs_tol=1e-14)
            else:
                w = np.zeros(T - k)
                w[t - k - 1] = 1.0
                r = bptt(params, xs[k:], ys[k:], h0=hs[k], activation=act, loss_weights=w)
                # same products in a different order: float64 round-off only
                assert math.isclose(G[t - 1, k - 1], np.linalg.norm(r.dh0), rel_tol=1e-9, abs_tol=1e-14)


def test_log_norms_match_the_explicit_products_and_do_not_underflow():
    params, xs = random_rnn(4, 6, 4, scale=0.5, radius=0.05, seed=1), random_inputs(400, 4, seed=1)[0]
    J = step_jacobians(params, xs)
    ln = log_norms_to_last(J)
    for k in (400, 399, 390, 380):
        assert math.isclose(ln[k], math.log(np.linalg.norm(jacobian_chain(J, 400, k), 2)), rel_tol=1e-9,
                            abs_tol=1e-12)
    assert ln[400] == 0.0 and np.all(np.isfinite(ln)) and ln[0] < -745   # below float64's smallest exp


def test_identity_rnn_with_scaled_orthogonal_W_decays_exactly_by_the_scale():
    rng = np.random.default_rng(0)
    Q, _ = np.linalg.qr(rng.standard_normal((5, 5)))
    params = Params.init(2, 5, 2, scale=0.1, seed=0)
    np.copyto(params.W_hh, 0.5 * Q)
    r = analyze(params, rng.standard_normal((12, 2)), activation="identity")
    assert math.isclose(r.spectral_norm, 0.5, rel_tol=1e-12) and math.isclose(r.spectral_radius, 0.5, rel_tol=1e-12)
    np.testing.assert_allclose(r.norms, 0.5 ** np.arange(12, -1, -1), rtol=1e-10)
    assert math.isclose(r.decay_factor, 0.5, rel_tol=1e-10)
    assert r.vanishing_sufficient and not r.exploding_necessary


@settings(deadline=None)
@given(problems(max_T=8), st.sampled_from(["tanh", "sigmoid", "relu", "identity"]))
def test_measured_norms_respect_the_gamma_norm_bound(problem, act):
    params, xs, _, h0, _ = problem
    r = analyze(params, xs, h0=h0, activation=act)
    assert r.gamma == gamma(act)
    dist = np.arange(r.T, -1, -1)
    # ‖∂h_T/∂h_k‖ <= (γ‖W_hh‖)^(T-k); 1e-9 relative slack for the SVD's round-off
    assert np.all(r.log_norms <= dist * math.log(max(r.bound, 1e-300)) + 1e-9 * (1 + dist))


def test_spectral_norm_and_radius_of_known_matrices():
    assert spectral_norm(np.diag([0.5, -2.0])) == 2.0 and spectral_radius(np.diag([0.5, -2.0])) == 2.0
    N = np.array([[0.0, 3.0], [0.0, 0.0]])           # nilpotent: radius 0, norm 3
    assert spectral_norm(N) == pytest.approx(3.0) and spectral_radius(N) == 0.0
    W = np.random.default_rng(0).standard_normal((6, 6))
    assert spectral_radius(W) <= spectral_norm(W) + 1e-12


@pytest.mark.parametrize("factor, n, first", [(0.5, math.log(0.01) / math.log(0.5), 7),
                                              (0.9, math.log(0.01) / math.log(0.9), 44)])
def test_decay_crossing_of_the_articles_factors(factor, n, first):
    got = decay_crossing(factor)
    assert math.isclose(got[0], n) and got[1] == first
    assert factor ** first < 0.01 <= factor ** (first - 1)


def test_factors_at_or_above_one_never_cross():
    assert decay_crossing(1.0) is None and decay_crossing(1.1) is None


def test_random_rnn_rescales_W_hh_to_the_requested_radius():
    p = random_rnn(3, 10, 3, scale=0.2, radius=1.5, seed=4)
    assert math.isclose(spectral_radius(p.W_hh), 1.5, rel_tol=1e-10)
    with pytest.raises(ValueError, match="radius must be a finite number >= 0"):
        random_rnn(3, 10, 3, radius=-1.0)


def test_batched_inputs_are_refused_with_a_clear_error():
    p = Params.init(2, 3, 2)
    with pytest.raises(ValueError, match=r"one sequence \(T, D\)"):
        step_jacobians(p, np.zeros((4, 2, 2)))


@pytest.mark.parametrize("scale, radius", [(1e-320, 0.9), (0.01, 1e308), (0.01, 0.9)])
def test_random_rnn_reaches_the_radius_with_finite_weights_whatever_the_scale(scale, radius):
    # before: scale=1e-320 (subnormal W_hh) and radius=1e308 (radius/ρ overflows) gave ±inf
    p = random_rnn(2, 3, 2, scale=scale, radius=radius, seed=0)
    assert np.isfinite(p.W_hh).all()
    # eigenvalues of a 3x3 matrix, computed after an exact-up-to-rounding rescale: 1e-12 relative
    assert math.isclose(spectral_radius(p.W_hh), radius, rel_tol=1e-12)


def test_random_rnn_refuses_a_radius_whose_weights_would_overflow():
    with pytest.raises(ValueError, match=r"radius=1\.7e\+308 is too large: .* choose radius <= "):
        random_rnn(2, 3, 2, radius=1.7e308, seed=0)


@pytest.mark.parametrize("fn, arg, match", [
    (spectral_norm, [[1.0, 2.0], [3.0]], "W must be a rectangular array"),
    (spectral_norm, np.ones((2, 3)), r"W must have shape \(H, H\)"),
    (spectral_radius, np.array([[np.nan]]), "W must be finite"),
    (spectral_radius, np.ones((2, 2), complex), "W must be an array of real numbers"),
    (log_norms_to_last, np.ones((2, 2)), r"J must have shape \(T, H, H\)"),
    (log_norms_to_last, np.full((2, 1, 1), np.inf), "J must be finite"),
    (lambda J: jacobian_chain(J, 1, 0), np.ones((2, 3, 2)), r"J must have shape \(T, H, H\)"),
    (lambda J: jacobian_chain(J, True, 0), np.ones((2, 2, 2)), "need integers 0 <= k <= t <= T"),
])
def test_the_matrix_functions_validate_their_input(fn, arg, match):
    with pytest.raises((ValueError, TypeError), match=match):
        fn(arg)


def test_the_analysis_functions_accept_dict_params_like_bptt():
    p = random_rnn(3, 4, 3, scale=0.5, seed=2)
    xs, ys = random_inputs(6, 3, seed=2)
    assert np.array_equal(step_jacobians(dict(p), xs), step_jacobians(p, xs))
    assert np.array_equal(loss_grad_norms(dict(p), xs, ys), loss_grad_norms(p, xs, ys))
    assert np.array_equal(analyze(dict(p), xs).log_norms, analyze(p, xs).log_norms)
    with pytest.raises(TypeError, match="params must be numeric.Params or a dict"):
        analyze([1, 2], xs)
