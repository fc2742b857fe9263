"""RTRL (numeric.routes.rtrl): forward-mode sensitivities give the same exact gradient as BPTT.

Tolerance for RTRL vs the engine: both are exact gradients computed in float64 by different
algorithms (sensitivities summed forward vs δ recursion backward); measured against the
first-order rounding bound of the computation (numeric/routes/compare.py) the difference is at most
~n·ε, n ≈ T(D + H + V) <= 60: 1.3e-14, and we allow 1e-13 (the largest seen in 3000 draws
of every weight regime was 2.5e-16).
"""

from __future__ import annotations

import ast
import importlib
import inspect

import numpy as np
import pytest
from hypothesis import given, settings

from numeric import Params, bptt, numerical_gradient
from numeric.routes.compare import magnitudes, roundoff_error
from numeric.routes.rtrl import rtrl
from numeric.strategies import WEIGHT_REGIMES, problems


@given(problems(regime=sorted(WEIGHT_REGIMES), h0=None, loss_weights=None, loss_at=None))
def test_rtrl_equals_bptt(problem):
    kw = problem.kwargs(truncation=False)
    assert roundoff_error(bptt(**kw), rtrl(**kw), magnitudes(**kw))[0] <= 1e-13


@settings(max_examples=15)
@given(problems(regime=["small", "moderate", "contracting"], h0=None, loss_weights=None))
def test_rtrl_matches_finite_differences_of_its_own_loss(problem):
    kw = problem.kwargs(truncation=False)
    res = rtrl(**kw)
    numeric = numerical_gradient(lambda prm: rtrl(**dict(kw, params=prm)).loss, problem.params)
    for (name, g), (_, n) in zip(res.grads, numeric):
        # central differences, eps 1e-6: ~1e-9 norm-wise (numeric/gradcheck.py), the article's bar
        # 1e-7; below gradcheck's floor 4ε·max(1, |L|)/eps/1e-7 ≈ 1e-2·max(1, |L|) a gradient
        # is judged by its absolute error (the differences' own noise is ~ε|L|/eps each)
        floor = 1e-2 * max(1.0, abs(res.loss))
        err = np.linalg.norm(g - n) / max(np.linalg.norm(g) + np.linalg.norm(n), floor)
        assert err < 1e-7, name


@pytest.mark.parametrize("dtype, rtol", [(np.float32, 1e-4), (np.float64, 1e-12)])
def test_rtrl_keeps_the_dtype_and_layout(dtype, rtol):
    rng = np.random.default_rng(0)
    p = Params.init(3, 4, 2, scale=0.5, seed=1, dtype=dtype)
    xs, ys = rng.standard_normal((5, 3)).astype(dtype), rng.integers(0, 2, 5)
    a, b = bptt(p, xs, ys), rtrl(p, xs, ys)
    assert b.dxs.shape == xs.shape and b.dh0.shape == (4,) and b.h_last.shape == (4,)
    assert b.grads.W_hh.dtype == dtype
    # float32: ~T(D + H + V)·6e-8 relative on these O(1) gradients, so 1e-4 is ample
    np.testing.assert_allclose(b.grads.W_hh, a.grads.W_hh, rtol=rtol, atol=rtol)
    np.testing.assert_allclose(b.dxs, a.dxs, rtol=rtol, atol=rtol)


def test_rtrl_has_no_truncation_argument():
    with pytest.raises(TypeError, match="truncation"):
        rtrl(Params.init(1, 1, 1), np.zeros((2, 1)), np.zeros(2, dtype=int), truncation=1)


def test_rtrl_shares_no_code_with_the_bptt_backward_pass():
    # only input checking (prepare) and the result type come from numeric.bptt; no kernels
    tree = ast.parse(inspect.getsource(importlib.import_module("numeric.routes.rtrl")))
    imported = {(n.module, a.name) for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names}
    assert ("bptt", "BPTTResult") in imported and ("bptt", "prepare") in imported
    assert not any(mod in ("kernels", "forward", "reference", "gradcheck") for mod, _ in imported)
    assert {name for mod, name in imported if mod == "bptt"} == {"BPTTResult", "prepare"}
