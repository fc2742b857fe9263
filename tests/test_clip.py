"""Gradient clipping: element-wise and by global norm."""

import numpy as np
import pytest

from numeric import Params, clip_by_global_norm, clip_by_value


def test_clip_by_value_bounds_every_entry_and_keeps_small_ones():
    g = Params.init(3, 4, 5, scale=10.0, seed=0)
    c = clip_by_value(g, 5)
    for (_, a), (_, b) in zip(g, c):
        assert np.all(np.abs(b) <= 5)
        small = np.abs(a) <= 5
        assert np.array_equal(a[small], b[small])


def test_clip_by_global_norm_rescales_to_max_norm_and_returns_the_pre_clip_norm():
    g = Params.init(3, 4, 5, scale=10.0, seed=1)
    clipped, norm = clip_by_global_norm(g, 1.0)
    assert norm == pytest.approx(g.global_norm())
    assert clipped.global_norm() == pytest.approx(1.0)
    # direction is unchanged
    assert np.allclose(clipped.W_hh * norm, g.W_hh)
    same, n2 = clip_by_global_norm(clipped, 10.0)
    assert np.array_equal(same.W_hh, clipped.W_hh) and n2 == pytest.approx(1.0)


@pytest.mark.parametrize("bad", [0, -1.0, float("nan"), float("inf")])
def test_clip_bounds_must_be_positive_and_finite(bad):
    g = Params.init(1, 1, 1)
    with pytest.raises(ValueError, match="> 0"):
        clip_by_value(g, bad)
    with pytest.raises(ValueError, match="> 0"):
        clip_by_global_norm(g, bad)


def test_clip_functions_accept_a_dict_like_bptt_params():
    g = Params.init(3, 4, 5, scale=10.0, seed=2)
    assert np.array_equal(clip_by_value(dict(g), 5).W_hh, clip_by_value(g, 5).W_hh)
    clipped, norm = clip_by_global_norm(dict(g), 1.0)
    assert norm == pytest.approx(g.global_norm()) and clipped.global_norm() == pytest.approx(1.0)
    with pytest.raises(TypeError, match="grads must be numeric.Params"):
        clip_by_value([1, 2], 1.0)


def _with(name, value):
    g = Params.init(3, 4, 5, scale=1.0, seed=3)
    return Params(**{**dict(g), name: value})


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_both_clips_refuse_non_finite_gradients_instead_of_passing_them_through(bad):
    g = Params.init(3, 4, 5, scale=1.0, seed=3)
    g.W_hh[1, 2] = bad
    for clip in (lambda: clip_by_value(g, 1.0), lambda: clip_by_global_norm(g, 1.0)):
        with pytest.raises(ValueError, match=r"grads\.W_hh must be finite; got .* at index \(1, 2\)"):
            clip()


@pytest.mark.parametrize("grads, err, match", [
    (_with("W_hh", np.zeros((4, 3))), ValueError, r"grads\.W_hh must be square"),
    (_with("b_y", np.zeros(2)), ValueError, r"grads\.b_y must have shape \(5,\)"),
    (Params(*(a.astype(int) for _, a in Params.init(3, 4, 5))), TypeError, "grads must all be float32 or all float64"),
    (Params(*(a.astype(bool) for _, a in Params.init(3, 4, 5))), TypeError, "grads must all be float32 or all float64"),
    (Params(*(a.astype(complex) for _, a in Params.init(3, 4, 5))), TypeError, "grads must all be float32 or all float64"),
])
def test_both_clips_refuse_mismatched_shapes_and_non_float_gradients(grads, err, match):
    with pytest.raises(err, match=match):
        clip_by_value(grads, 1.0)
    with pytest.raises(err, match=match):
        clip_by_global_norm(grads, 1.0)
