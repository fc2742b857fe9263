"""Params: shapes, dtypes, reproducible init, iteration order."""

import numpy as np
import pytest

from numeric import PARAM_NAMES, Params


def test_init_has_the_documented_shapes_and_zero_biases():
    p = Params.init(3, 5, 7, scale=0.1, seed=1, dtype=np.float32)
    assert [(n, a.shape) for n, a in p] == [("W_xh", (5, 3)), ("W_hh", (5, 5)), ("b_h", (5,)),
                                            ("W_hy", (7, 5)), ("b_y", (7,))]
    assert all(a.dtype == np.float32 for _, a in p)
    assert not p.b_h.any() and not p.b_y.any()
    assert (p.input_size, p.hidden_size, p.output_size) == (3, 5, 7)


def test_same_seed_gives_the_same_weights_and_scale_is_the_standard_deviation():
    a, b = Params.init(50, 60, 70, seed=7, scale=0.5), Params.init(50, 60, 70, seed=7, scale=0.5)
    assert all(np.array_equal(x, y) for (_, x), (_, y) in zip(a, b))
    assert not np.array_equal(a.W_hh, Params.init(50, 60, 70, seed=8, scale=0.5).W_hh)
    # 3600 draws: the sample std is within ~3 % of 0.5 with overwhelming probability
    assert abs(a.W_hh.std() - 0.5) < 0.05


def test_iteration_yields_name_array_pairs_in_contract_order():
    p = Params.init(1, 2, 3)
    assert tuple(n for n, _ in p) == PARAM_NAMES
    assert Params.from_dict(p.as_dict()).W_hh is p.W_hh


def test_arithmetic_and_global_norm():
    p = Params.init(2, 3, 4, scale=1.0)
    q = p * 2.0 - p
    assert all(np.allclose(x, y) for (_, x), (_, y) in zip(p, q))
    assert np.isclose(p.global_norm(), np.sqrt(sum((a ** 2).sum() for _, a in p)))


@pytest.mark.parametrize("dtype", ["float16x", "bogus", None, "float16", np.int32, "complex128"])
def test_unknown_or_non_float_dtypes_are_refused_by_init_and_astype(dtype):
    # np.dtype(None) is float64 and `None in (float32, float64)` is True: both must not slip through
    with pytest.raises(TypeError, match=r"dtype must be float32 or float64; got "):
        Params.init(2, 3, 2, dtype=dtype)
    with pytest.raises(TypeError, match=r"dtype must be float32 or float64; got "):
        Params.init(2, 3, 2).astype(dtype)


@pytest.mark.parametrize("dtype, want", [("float32", np.float32), ("f8", np.float64), (np.float32, np.float32)])
def test_any_spelling_of_float32_or_float64_is_accepted(dtype, want):
    assert Params.init(2, 3, 2, dtype=dtype).dtype == want
    assert Params.init(2, 3, 2).astype(dtype).dtype == want
