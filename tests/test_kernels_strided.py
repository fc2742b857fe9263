"""The activation kernels are right on strided views (one gate's columns of a stacked block).

NumPy 2.4's in-place ``np.negative`` on AVX-512 reads wrong elements of a view whose row stride
is 16 bytes in float32 (a gate column of a 4H = 4 LSTM stack) or 64 bytes in float64; the
sigmoid kernels used it. Here every kernel, applied in place to every column block of a stacked
array, must equal the same formula applied to a fresh contiguous copy.
"""

from __future__ import annotations

import numpy as np
import pytest

from numeric.cells.kernels import ACT
from numeric.kernels import ACTIVATE


def _sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


EXPECTED = {"tanh": np.tanh, "sigmoid": _sigmoid, "relu": lambda a: np.maximum(a, 0.0),
            "identity": lambda a: a}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("width", [2, 4, 8, 12])
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_cell_kernels_in_place_on_every_column_view_equal_the_formula(name, width, dtype):
    rng = np.random.default_rng(width)
    base = rng.normal(0, 3, (5, width)).astype(dtype)
    for col in range(width):
        for span in (1, 2):
            if col + span > width:
                continue
            a = base.copy()
            view = a[:, col:col + span]
            want = EXPECTED[name](view.copy())
            ACT[name](view, view)
            # float32: exp and the reciprocal round to a few ulp, far below a wrong element (O(1))
            np.testing.assert_allclose(view, want, rtol=1e-5 if dtype == np.float32 else 1e-13, atol=0)
            untouched = np.delete(a, range(col, col + span), axis=1)
            np.testing.assert_array_equal(untouched, np.delete(base, range(col, col + span), axis=1))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("width", [4, 8])
def test_engine_sigmoid_in_place_on_column_views_equals_the_formula(width, dtype):
    base = np.random.default_rng(0).normal(0, 3, (5, width)).astype(dtype)
    for col in range(width):
        a = base.copy()
        view = a[:, col:col + 1]
        want = _sigmoid(view.copy())
        ACTIVATE["sigmoid"](view)
        np.testing.assert_allclose(view, want, rtol=1e-5 if dtype == np.float32 else 1e-13, atol=0)
