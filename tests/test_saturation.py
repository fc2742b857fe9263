"""Saturated tanh: f' written from h has a small absolute error, as docs/conventions.md states."""

from __future__ import annotations

import numpy as np
import pytest

from numeric.kernels import DERIV


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_tanh_deriv_from_h_has_absolute_error_of_a_few_eps(dtype):
    a = np.linspace(-40, 40, 200_001).astype(dtype)
    h = np.tanh(a)
    got = np.empty_like(h)
    DERIV["tanh"](h, got)
    exact = 1.0 / np.cosh(a.astype(np.float64)) ** 2
    # the docs state ~2 eps (measured 2.0 / 1.2 eps); 4 eps leaves room for a libm whose tanh
    # is off by one more ulp than this machine's
    assert np.abs(got - exact).max() <= 4 * np.finfo(dtype).eps


@pytest.mark.parametrize("dtype, saturated_from", [(np.float32, 10.0), (np.float64, 19.0)])
def test_where_h_rounds_to_one_the_derivative_is_zero_not_tiny(dtype, saturated_from):
    # the effect the docs quantify: relative error 1 beyond the stated |a| (true f' > 0 there)
    a = np.array([saturated_from + 1.0, saturated_from + 5.0], dtype)
    h = np.tanh(a)
    got = np.empty_like(h)
    DERIV["tanh"](h, got)
    assert np.all(h == 1) and np.all(got == 0) and np.all(1.0 / np.cosh(a.astype(np.float64)) ** 2 > 0)
