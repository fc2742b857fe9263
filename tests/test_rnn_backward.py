"""numeric.rnn_backward: the recurrent layer's backward pass given ∂L/∂h_t from above."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from numeric import bptt, forward, Params, rnn_backward
from numeric.rnn_backward import rnn_backward_rows
from numeric.strategies import dims, floats_array, problems

# Both sides are float64 computations of the same sums in different orders; 1e-9 relative
# (plus 1e-12 absolute for entries that cancel to ~0) is far above rounding, far below any bug.
RTOL, ATOL = 1e-9, 1e-12


def _identity_readout(p: Params) -> Params:
    """W_hy = I (V = H), b_y = 0: then with half_sse, ∂L_t/∂h_t = o_t − y_t = h_t − y_t."""
    H = p.hidden_size
    return Params(p.W_xh, p.W_hh, p.b_h, np.eye(H), np.zeros(H))


@settings(deadline=None)
@given(problems(losses=["half_sse"], loss_at=["all"]), st.data())
def test_rnn_backward_equals_bptt_when_the_upstream_gradient_is_known(problem, data):
    # With an identity read-out and targets y_t = h_t − g_t, half_sse gives ∂L/∂h_t = g_t
    # exactly, so bptt's recurrent gradients must be rnn_backward's with dhs = g.
    p = _identity_readout(problem.params)
    hs = forward(p, problem.xs, h0=problem.h0, activation=problem.activation).hs
    g = data.draw(floats_array(hs[1:].shape, 1.0), label="dhs")
    r = bptt(p, problem.xs, hs[1:] - g, h0=problem.h0, activation=problem.activation, loss="half_sse")
    q = rnn_backward(p, problem.xs, problem.h0, g, activation=problem.activation)
    for got, want in ((q.dW_xh, r.grads.W_xh), (q.dW_hh, r.grads.W_hh), (q.db_h, r.grads.b_h),
                      (q.dh0, r.dh0), (q.dxs, r.dxs)):
        np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL)


def _layer_loss(p: Params, xs, h0, g, activation) -> float:
    """L = Σ_t <g_t, h_t>, whose ∂L/∂h_t (direct part) is g_t."""
    hs = forward(p, xs, h0=h0, activation=activation).hs
    return float(np.sum(hs[1:] * g))


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "identity"])
def test_rnn_backward_matches_central_differences(activation):
    rng = np.random.default_rng(3)
    T, B, D, H = 4, 2, 3, 3
    p = Params(rng.normal(size=(H, D)), rng.normal(size=(H, H)) * 0.7, rng.normal(size=H),
               np.zeros((1, H)), np.zeros(1))
    xs, h0, g = rng.normal(size=(T, B, D)), rng.normal(size=(B, H)), rng.normal(size=(T, B, H))
    q = rnn_backward(p, xs, h0, g, activation=activation)
    eps = 1e-6
    for name, analytic in (("W_xh", q.dW_xh), ("W_hh", q.dW_hh), ("b_h", q.db_h)):
        arr = getattr(p, name)
        num = np.zeros_like(arr)
        for i in np.ndindex(arr.shape):
            old = arr[i]
            arr[i] = old + eps
            up = _layer_loss(p, xs, h0, g, activation)
            arr[i] = old - eps
            down = _layer_loss(p, xs, h0, g, activation)
            arr[i] = old
            num[i] = (up - down) / (2 * eps)
        # central differences: O(eps²) ≈ 1e-12 truncation, ~1e-10 round-off; 1e-6 is generous.
        np.testing.assert_allclose(analytic, num, rtol=1e-6, atol=1e-7)


@settings(deadline=None)
@given(problems(dims_strategy=dims(batched=True), losses=["half_sse"]), st.data())
def test_row_layout_is_the_transposed_column_layout(problem, data):
    p = problem.params
    T, B, _ = problem.xs.shape
    dhs = data.draw(floats_array((T, B, p.hidden_size), 1.0), label="dhs")
    h0 = problem.h0 if problem.h0 is not None else np.zeros((B, p.hidden_size))
    col = rnn_backward(p, problem.xs, h0, dhs, activation=problem.activation)
    row = rnn_backward_rows(np.swapaxes(problem.xs, 0, 1), h0, p.W_xh.T, p.W_hh.T, p.b_h,
                            np.swapaxes(dhs, 0, 1), activation=problem.activation)
    np.testing.assert_array_equal(row.dx, np.swapaxes(col.dxs, 0, 1))
    np.testing.assert_array_equal(row.dWx, col.dW_xh.T)
    np.testing.assert_array_equal(row.dWh, col.dW_hh.T)
    np.testing.assert_array_equal(row.db, col.db_h)
    np.testing.assert_array_equal(row.dh0, col.dh0)


def test_zero_upstream_gradient_gives_zero_gradients():
    p = Params.init(2, 3, 1, scale=0.5, seed=1)
    r = rnn_backward(p, np.ones((4, 2)), np.ones(3), np.zeros((4, 3)))
    for a in r:
        assert not np.any(a)


def test_float32_in_float32_out():
    p = Params.init(2, 3, 1, scale=0.5, seed=1, dtype=np.float32)
    r = rnn_backward(p, np.ones((4, 2), np.float32), None, np.ones((4, 3), np.float32))
    assert all(a.dtype == np.float32 for a in r)
    assert r.dh0.shape == (3,) and r.dxs.shape == (4, 2)


def test_params_may_be_a_dict_of_the_layer_weights_only():
    p = Params.init(2, 3, 1, scale=0.5, seed=1)
    d = {"W_xh": p.W_xh, "W_hh": p.W_hh, "b_h": p.b_h}
    a = rnn_backward(d, np.ones((3, 2)), None, np.ones((3, 3)))
    b = rnn_backward(p, np.ones((3, 2)), None, np.ones((3, 3)))
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize("bad, message", [
    (dict(dhs=np.ones((3, 4))), "dhs must have shape (T, H) = (3, 3)"),
    (dict(dhs=np.ones((3, 1, 3))), "dhs must have shape (T, H)"),
    (dict(dhs=np.full((3, 3), np.nan)), "dhs must be finite"),
    (dict(activation="tanhh"), "activation='tanhh' is not known"),
    (dict(params={"W_xh": np.ones((3, 2))}), "params is missing ['W_hh', 'b_h']"),
])
def test_bad_arguments_are_named_in_the_error(bad, message):
    p = Params.init(2, 3, 1, scale=0.5, seed=1)
    kw = dict(params=p, xs=np.ones((3, 2)), h0=None, dhs=np.ones((3, 3)), activation="tanh") | bad
    with pytest.raises(ValueError) as e:
        rnn_backward(kw.pop("params"), kw.pop("xs"), kw.pop("h0"), kw.pop("dhs"), **kw)
    assert message in str(e.value)


def test_ragged_dhs_are_refused_naming_the_argument():
    p = Params.init(2, 3, 1)
    with pytest.raises(ValueError, match=r"^dhs must be a rectangular array") as e:
        rnn_backward(p, np.zeros((2, 2)), None, [[0.0, 1.0, 2.0], [1.0]])
    assert "setting an array element" not in str(e.value)
