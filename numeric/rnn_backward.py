"""rnn_backward(...): the layer-level backward pass of a vanilla RNN, given ∂L/∂h_t from above.

This is the backward pass of the recurrent layer alone (no output layer, no loss): the caller
supplies the upstream gradient on every hidden state, as a deep-learning framework does for a
layer, and gets the gradients of the layer's inputs and weights. The reference semantics, one
sequence, time-major (docs/check.md, "the row convention")::

    carry = 0                                            # ∂L/∂h_t arriving from step t + 1
    for t = T .. 1:
        da[t]  = (dhs[t] + carry) * f'(a_t)              # f' computed from h_t
        carry  = W_hhᵀ da[t]
    dW_xh = Σ_t da[t] x_tᵀ,  dW_hh = Σ_t da[t] h_{t-1}ᵀ,  db_h = Σ_t da[t]
    dxs[t] = W_xhᵀ da[t],    dh0 = carry

With ``dhs[t] = W_hyᵀ ∂L_t/∂o_t`` this is exactly the recurrent part of ``numeric.bptt``.

Row layout (course assignments: ``a = x @ Wx + h @ Wh + b``, batch-major x (N, T, D)) maps to
this column convention by transposes only: ``Wx = W_xh.T``, ``Wh = W_hh.T``, ``x = xs.transpose(1, 0, 2)``,
``dh = dhs.transpose(1, 0, 2)``; the results map back the same way (``dWx = dW_xh.T``, ...).
``rnn_backward_rows`` does that mapping for you.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from .forward import run_states
from .kernels import DERIV_MUL
from .params import LAYER_PARAMS, PARAM_NAMES, Params
from .validate import check_activation, check_finite, check_h0, check_params, check_real_array, check_xs




class RNNBackward(NamedTuple):
    """Gradients of a recurrent layer; unpacks as (dxs, dh0, dW_xh, dW_hh, db_h).

    dxs: ∂L/∂x_t, shape of xs, (T, [B,] D); dh0: ∂L/∂h0, ([B,] H);
    dW_xh (H, D), dW_hh (H, H), db_h (H,).
    """

    dxs: np.ndarray
    dh0: np.ndarray
    dW_xh: np.ndarray
    dW_hh: np.ndarray
    db_h: np.ndarray


class RowGrads(NamedTuple):
    """Row-layout gradients; unpacks as (dx, dh0, dWx, dWh, db).

    dx (N, T, D), dh0 (N, H), dWx (D, H), dWh (H, H), db (H,).
    """

    dx: np.ndarray
    dh0: np.ndarray
    dWx: np.ndarray
    dWh: np.ndarray
    db: np.ndarray


def _layer_params(params: Any) -> Params:
    """Params, or a dict with at least W_xh, W_hh, b_h (W_hy, b_y are not used here)."""
    if isinstance(params, dict):
        missing = [n for n in LAYER_PARAMS if n not in params]
        if missing:
            raise ValueError(f"params is missing {missing}; rnn_backward needs the keys {list(LAYER_PARAMS)} "
                             f"(W_hy and b_y are optional); got keys {sorted(params)}.")
        W_hh = np.asarray(params["W_hh"])
        H = W_hh.shape[0] if W_hh.ndim else 1
        full = {"W_hy": np.zeros((1, H), W_hh.dtype), "b_y": np.zeros(1, W_hh.dtype)}
        full.update({n: params[n] for n in PARAM_NAMES if n in params})
        params = Params.from_dict(full)
    return check_params(params)


def _check_dhs(dhs: Any, T: int, B: int, H: int, batched: bool, dtype: np.dtype) -> np.ndarray:
    """dhs (T, H) or (T, B, H) in the layout of xs -> (T, B, H) array of the params' dtype."""
    a = check_real_array("dhs", dhs, dtype)      # ragged, non-real or overflowing the cast: refused
    want = (T, B, H) if batched else (T, H)
    if a.shape != want:
        layout = "(T, B, H)" if batched else "(T, H)"
        raise ValueError(f"dhs must have shape {layout} = {want} (one ∂L/∂h_t per step, like xs); "
                         f"got {a.shape}.")
    check_finite("dhs", a)
    return a.reshape(T, B, H)


def rnn_backward(params, xs, h0, dhs, *, activation: str = "tanh") -> RNNBackward:
    """Backward pass of the recurrent layer h_t = f(W_xh x_t + W_hh h_{t-1} + b_h).

    Args:
      params: Params, or a dict with W_xh (H, D), W_hh (H, H), b_h (H,); W_hy/b_y are ignored.
      xs: inputs x_1..x_T, (T, D) or batched (T, B, D). Time is the leading axis.
      h0: initial state, (H,) or (B, H), or None for zeros.
      dhs: upstream ∂L/∂h_t for t = 1..T (the gradient arriving on each hidden state from
        above, not including the through-time part), (T, H) or (T, B, H).
      activation: "tanh" | "sigmoid" | "relu" | "identity".
    Returns:
      RNNBackward(dxs, dh0, dW_xh, dW_hh, db_h); dxs and dh0 in the layout of xs and h0.
    """
    prm = _layer_params(params)
    act = check_activation(activation)
    xs3, batched = check_xs(xs, prm)
    T, B, D = xs3.shape
    H = prm.hidden_size
    h = check_h0(h0, prm, B, batched)
    g = _check_dhs(dhs, T, B, H, batched, prm.dtype)

    hs = np.empty((T + 1, B, H), prm.dtype)
    hs[0] = h
    run_states(prm, xs3, h, hs[1:], act)
    da = np.empty((T, B, H), prm.dtype)
    carry, tmp = np.zeros((B, H), prm.dtype), np.empty((B, H), prm.dtype)
    deriv_mul = DERIV_MUL[act]
    for t in range(T - 1, -1, -1):
        np.add(g[t], carry, out=da[t])
        deriv_mul(da[t], hs[t + 1], tmp)                 # da[t] = ∂L/∂a_t
        np.matmul(da[t], prm.W_hh, out=carry)            # rows: (W_hhᵀ da)ᵀ = da W_hh
    flat = da.reshape(T * B, H)
    dxs = (flat @ prm.W_xh).reshape(T, B, D)
    return RNNBackward(dxs if batched else dxs[:, 0], carry if batched else carry[0],
                         flat.T @ xs3.reshape(T * B, D), flat.T @ hs[:-1].reshape(T * B, H),
                         flat.sum(axis=0))


def rnn_backward_rows(x, h0, Wx, Wh, b, dh, *, activation: str = "tanh") -> RowGrads:
    """``rnn_backward`` in the row layout: a_t = x_t @ Wx + h_{t-1} @ Wh + b, batch-major.

    Args:
      x: (N, T, D); h0: (N, H); Wx: (D, H); Wh: (H, H); b: (H,); dh: upstream ∂L/∂h_t, (N, T, H).
      activation: as for ``rnn_backward`` (the row convention's layer is usually tanh).
    Returns:
      RowGrads(dx (N, T, D), dh0 (N, H), dWx (D, H), dWh (H, H), db (H,)).
    """
    arrays = {"x": x, "h0": h0, "Wx": Wx, "Wh": Wh, "b": b, "dh": dh}
    for name, ndim in (("x", 3), ("h0", 2), ("Wx", 2), ("Wh", 2), ("b", 1), ("dh", 3)):
        shape = np.shape(arrays[name])
        if len(shape) != ndim:
            raise ValueError(f"{name} must have {ndim} dimensions in the row layout "
                             "(x (N, T, D), h0 (N, H), Wx (D, H), Wh (H, H), b (H,), dh (N, T, H)); "
                             f"got shape {shape}.")
    params = {"W_xh": np.asarray(Wx).T, "W_hh": np.asarray(Wh).T, "b_h": np.asarray(b)}
    r = rnn_backward(params, np.swapaxes(x, 0, 1), h0, np.swapaxes(dh, 0, 1), activation=activation)
    return RowGrads(np.swapaxes(r.dxs, 0, 1), r.dh0, r.dW_xh.T, r.dW_hh.T, r.db_h)
