"""Params: shapes, dtypes, reproducible init, iteration order."""

import numpy as np

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
