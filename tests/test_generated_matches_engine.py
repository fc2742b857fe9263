"""The generated modules are a drop-in second engine: same results as numeric.bptt.

Tolerances: both engines run the same schedule in the same dtype and differ by summation
order only, so their difference, measured against the running-error magnitude of the
computation (numeric/routes/compare.py), is a few ε: at most ~n·ε with n ≈ T(D + H + V) <= 60,
i.e. 1.3e-14 in float64 — we allow 1e-13 — and 60 · 6e-8 = 3.6e-6 in float32 — we allow 1e-4
(the float32 magnitudes are taken in float64 of the same problem).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings

from numeric import Params, Truncation, bptt, forward
from numeric.routes.compare import magnitudes, roundoff_error
from numeric.generated import load
from numeric.strategies import WEIGHT_REGIMES, dims, problems

ALL = sorted(WEIGHT_REGIMES)


@given(problems(regime=ALL, truncation=True, h0=None, loss_weights=None, loss_at=None))
def test_generated_module_matches_engine(problem):
    kw = problem.kwargs()
    generated = load(problem.activation, problem.loss).bptt(**kw)
    assert roundoff_error(bptt(**kw), generated, magnitudes(**kw))[0] <= 1e-13


@settings(max_examples=20)
@given(problems(regime=["small", "moderate", "contracting"], truncation=True, h0=None, loss_weights=None,
                dtype=np.float32))
def test_generated_module_matches_engine_in_float32(problem):
    kw = problem.kwargs()
    engine, generated = bptt(**kw), load(problem.activation, problem.loss).bptt(**kw)
    assert generated.grads.W_hh.dtype == np.float32 and generated.dxs.dtype == np.float32
    assert roundoff_error(engine, generated, magnitudes(**kw))[0] <= 1e-4


@settings(max_examples=10)
@given(problems(dims_strategy=dims(batched=None), h0=True))
def test_generated_forward_matches_numeric_forward(problem):
    m = load(problem.activation, problem.loss)
    a = forward(problem.params, problem.xs, h0=problem.h0, activation=problem.activation)
    b = m.forward(problem.params, problem.xs, h0=problem.h0, activation=problem.activation)
    assert a.hs.shape == b.hs.shape and a.os.shape == b.os.shape
    # the same operations on the same values: agreement to a few ulps of the O(scale) entries
    np.testing.assert_allclose(b.hs, a.hs, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(b.os, a.os, rtol=1e-12, atol=1e-10)


@pytest.mark.parametrize("activation, loss", [("tanh", "cross_entropy"), ("sigmoid", "mse"), ("relu", "sse")])
def test_generated_module_matches_engine_on_a_long_batched_sequence(activation, loss):
    T, B, D, H, V = 60, 7, 5, 16, 6
    rng = np.random.default_rng(3)
    params = Params.init(D, H, V, scale=0.3, seed=2)
    xs = rng.standard_normal((T, B, D))
    ys = rng.integers(0, V, (T, B)) if loss == "cross_entropy" else rng.standard_normal((T, B, V))
    kw = dict(h0=rng.standard_normal((B, H)), activation=activation, loss=loss,
              loss_weights=rng.random((T, B)))
    for truncation in (None, Truncation(5, 12), 9):
        a = bptt(params, xs, ys, truncation=truncation, **kw)
        b = load(activation, loss).bptt(params, xs, ys, truncation=truncation, **kw)
        # n ≈ T(D + H + V) = 1600 operations in the longest chain: n·ε ≈ 4e-13
        assert roundoff_error(a, b, magnitudes(params, xs, ys, **kw))[0] <= 1e-12


def test_generated_module_refuses_another_activation_or_loss():
    m = load("tanh", "cross_entropy")
    p = Params.init(2, 3, 2, seed=0)
    xs, ys = np.zeros((4, 2)), np.zeros(4, dtype=int)
    with pytest.raises(ValueError, match="computes activation='tanh', loss='cross_entropy' only; "
                                         "got activation='relu'"):
        m.bptt(p, xs, ys, activation="relu")
    with pytest.raises(ValueError, match="loss='sse'"):
        m.bptt(p, xs, np.zeros((4, 2)), loss="sse")
    with pytest.raises(ValueError, match="activation='tanhh' is not known"):
        m.bptt(p, xs, ys, activation="tanhh")
    with pytest.raises(ValueError, match="truncation k2 must be an integer >= 1"):
        m.bptt(p, xs, ys, truncation=Truncation.__new__(Truncation)) if False else m.bptt(p, xs, ys, truncation=(1, 0))


def test_generated_module_validates_inputs_like_the_engine():
    m = load("identity", "half_sse")
    p = Params.init(2, 3, 2, seed=0)
    with pytest.raises(ValueError, match=r"xs must have shape \(T, D\) or \(T, B, D\) with D = 2"):
        m.bptt(p, np.zeros((4, 3)), np.zeros((4, 2)), activation="identity", loss="half_sse")
