"""Bad input raises a clear ValueError/TypeError naming the argument and the accepted values."""

import numpy as np
import pytest

from numeric import Params, Truncation, bptt, forward

P = Params.init(3, 4, 2, scale=0.3, seed=0)
XS = np.zeros((5, 3))
Y = np.zeros(5, dtype=int)


def call(**over):
    kw = dict(params=P, xs=XS, targets=Y)
    kw.update(over)
    return bptt(**kw)


@pytest.mark.parametrize("over, exc, words", [
    (dict(xs=np.zeros((5, 2))), ValueError, ["xs", "(T, D) or (T, B, D)", "D = 3", "(5, 2)"]),
    (dict(xs=np.zeros((0, 3)), targets=np.zeros(0, int)), ValueError, ["T >= 1", "T = 0"]),
    (dict(xs=np.zeros(3)), ValueError, ["xs", "(T, D)"]),
    (dict(xs=np.full((5, 3), np.nan)), ValueError, ["xs must be finite", "nan"]),
    (dict(xs=np.array([["a"] * 3] * 5)), TypeError, ["xs", "real numbers"]),
    (dict(h0=np.zeros(3)), ValueError, ["h0", "(4,)"]),
    (dict(h0=np.array([0, np.inf, 0, 0])), ValueError, ["h0 must be finite", "inf"]),
    (dict(targets=np.zeros(4, int)), ValueError, ["targets", "(5,)", "(4,)"]),
    (dict(targets=np.array([0, 1, 2, 0, 0])), ValueError, ["class indices in [0, 1]", "2"]),
    (dict(targets=np.array([0, -1, 0, 0, 0])), ValueError, ["class indices", "-1"]),
    (dict(targets=np.zeros(5)), TypeError, ["integer class indices", "float64"]),
    (dict(targets=np.zeros((5, 3)), loss="half_sse"), ValueError, ["targets", "(5, 2)", "(5, 3)"]),
    (dict(activation="tanhh"), ValueError, ["activation='tanhh'", "identity", "relu", "sigmoid", "tanh"]),
    (dict(loss="l2"), ValueError, ["loss='l2'", "cross_entropy", "half_sse", "mse", "sse"]),
    (dict(loss_at="first"), ValueError, ["loss_at='first'", "all", "last"]),
    (dict(truncation=0), ValueError, ["k1", ">= 1", "0"]),
    (dict(truncation=Truncation.parse("2,5")), None, []),
    (dict(truncation="3"), None, []),
    (dict(truncation=1.5), TypeError, ["truncation", "int", "Truncation"]),
    (dict(loss_weights=np.ones(4)), ValueError, ["loss_weights", "(5,)"]),
    (dict(loss_weights=-np.ones(5)), ValueError, ["loss_weights must be >= 0"]),
    (dict(params=Params(P.W_xh.astype(np.float32), P.W_hh, P.b_h, P.W_hy, P.b_y)), TypeError,
     ["float32 or all float64", "'W_xh': 'float32'"]),
    (dict(params=Params(P.W_xh, P.W_hh[:, :3], P.b_h, P.W_hy, P.b_y)), ValueError, ["W_hh", "square"]),
    (dict(params=Params(P.W_xh, P.W_hh, P.b_h[:2], P.W_hy, P.b_y)), ValueError, ["b_h", "(4,)"]),
    (dict(params=Params(P.W_xh, P.W_hh, P.b_h, P.W_hy[:, :2], P.b_y)), ValueError, ["W_hy", "(V, H)"]),
    (dict(params=Params(P.W_xh, P.W_hh * np.nan, P.b_h, P.W_hy, P.b_y)), ValueError, ["params.W_hh must be finite"]),
    (dict(params={"W_xh": P.W_xh}), ValueError, ["missing", "W_hh"]),
    (dict(params=[1, 2]), TypeError, ["params must be numeric.Params"]),
    (dict(params=dict(P) | {"b_hh": P.b_h}), ValueError, ["unknown keys", "b_hh", "exactly the keys"]),
    (dict(xs=[[1.0, 2.0, 3.0], [1.0, 2.0]]), ValueError, ["xs", "rectangular array"]),
    (dict(xs=np.full((5, 3), 1e300), params=P.astype(np.float32)), ValueError,
     ["xs holds 1e+300", "too large for float32", "float64 params"]),
    (dict(truncation=np.array(2.9)), TypeError, ["truncation", "int"]),
    (dict(truncation=np.array([3])), TypeError, ["truncation", "int"]),
    (dict(truncation=2.0), TypeError, ["truncation", "got float 2.0"]),
    (dict(truncation=np.array(3)), None, []),
])
def test_bad_input_raises_a_clear_error(over, exc, words):
    if exc is None:
        call(**over)            # accepted forms: no error
        return
    with pytest.raises(exc) as info:
        call(**over)
    msg = str(info.value)
    for w in words:
        assert w in msg, (w, msg)


@pytest.mark.parametrize("args, words", [
    ((0, 1), ["k1", ">= 1", "got 0"]),
    ((3, 2), ["k2 >= k1", "k1=3, k2=2"]),
    ((True, 2), ["k1", "integer"]),
])
def test_truncation_rejects_bad_windows(args, words):
    with pytest.raises((ValueError, TypeError)) as info:
        Truncation(*args)
    for w in words:
        assert w in str(info.value)


def test_forward_validates_like_bptt():
    with pytest.raises(ValueError, match="activation='soft'"):
        forward(P, XS, activation="soft")
    with pytest.raises(ValueError, match="xs must have shape"):
        forward(P, np.zeros((2, 2, 2)))


@pytest.mark.parametrize("kw, words", [
    (dict(input_size=0), ["input_size", ">= 1", "0"]),
    (dict(hidden_size=-2), ["hidden_size", ">= 1"]),
    (dict(output_size=2.5), ["output_size", "integer"]),
    (dict(scale=-1.0), ["scale", ">= 0"]),
    (dict(dtype=np.int32), ["dtype", "float32 or float64"]),
])
def test_params_init_rejects_bad_arguments(kw, words):
    args = dict(input_size=2, hidden_size=3, output_size=4) | kw
    with pytest.raises((ValueError, TypeError)) as info:
        Params.init(args.pop("input_size"), args.pop("hidden_size"), args.pop("output_size"), **args)
    for w in words:
        assert w in str(info.value)


def test_a_float32_cast_that_overflows_raises_without_numpy_warnings():
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")              # no RuntimeWarning from the cast itself
        with pytest.raises(ValueError, match="too large for float32"):
            call(params=P.astype(np.float32), xs=np.full((5, 3), -1e300))


@pytest.mark.parametrize("T, truncation, exc, words", [
    (0, None, ValueError, ["T", ">= 1", "got 0"]),
    (-3, Truncation(2, 2), ValueError, ["T", ">= 1", "-3"]),
    (2.5, None, TypeError, ["T", "integer", "2.5"]),
    (5, "x", ValueError, ["truncation", "'k' or 'k1,k2'"]),
])
def test_update_points_checks_its_arguments(T, truncation, exc, words):
    from numeric.truncation import update_points
    with pytest.raises(exc) as info:
        update_points(T, truncation)
    for w in words:
        assert w in str(info.value)


def test_update_points_accepts_an_int_like_bptt():
    from numeric.truncation import update_points
    assert update_points(5, 2) == update_points(5, Truncation(2, 2))


def test_tbptt_segments_checks_its_arguments_at_the_call():
    from numeric import tbptt_segments
    with pytest.raises(ValueError, match="T >= 1"):
        tbptt_segments(P, XS[:0], Y[:0], 2)          # no next() needed
    with pytest.raises(ValueError, match="k1"):
        tbptt_segments(P, XS, Y, 0)


@pytest.mark.parametrize("loss, targets", [("cross_entropy", [0, [1, 0], 1, 0, 1]),
                                           ("sse", [[0.0, 1.0], [1.0]] + [[0.0, 0.0]] * 3)])
def test_ragged_targets_are_refused_naming_the_argument(loss, targets):
    with pytest.raises(ValueError, match=r"^targets must be a rectangular array") as e:
        call(targets=targets, loss=loss)
    assert "setting an array element" not in str(e.value)
