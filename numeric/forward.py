"""forward(params, xs): the hidden states h_0..h_T and outputs o_1..o_T of a vanilla RNN."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .finite import quiet, warn_overflow
from .kernels import ACTIVATE
from .params import Params
from .validate import check_activation, check_h0, check_params, check_xs


@dataclass(frozen=True)
class ForwardCache:
    """hs (T + 1, [B,] H) holds h_0..h_T (hs[0] is h0); os (T, [B,] V) holds o_1..o_T.

    No pre-activations are stored: f'(a_t) is recomputed from h_t in the backward pass.
    """

    hs: np.ndarray
    os: np.ndarray
    activation: str


def run_states(params: Params, xs: np.ndarray, h_prev: np.ndarray, out: np.ndarray,
               activation: str) -> None:
    """Write h_1..h_n of a chunk into ``out`` (n, B, H), starting from ``h_prev`` (B, H).

    One GEMM projects every input of the chunk straight into ``out`` (which must be
    C-contiguous); the loop then adds W_hh h_{t-1} and applies f in place. xs is (n, B, D).
    Besides ``out`` only a (B, H) temporary and a contiguous copy of W_hhᵀ are allocated:
    h @ W_hhᵀ through the copy is a plain (non-transposed) GEMM, which OpenBLAS runs
    noticeably faster for the small per-step products (B rows) than a transposed operand.
    """
    n, B, D = xs.shape
    H = params.hidden_size
    np.matmul(xs.reshape(n * B, D), params.W_xh.T, out=out.reshape(n * B, H))
    out += params.b_h
    act = ACTIVATE[activation]
    W_hh_T = np.ascontiguousarray(params.W_hh.T)
    tmp = np.empty((B, H), params.dtype)
    dot, add = np.dot, np.add                       # pre-bound; np.dot has less call overhead than
    prev = h_prev                                   # np.matmul, which matters at small B
    for row in out:                                 # row: the (B, H) view out[t], made once per step
        dot(prev, W_hh_T, out=tmp)
        add(row, tmp, out=row)
        act(row)
        prev = row


def outputs(params: Params, hs: np.ndarray) -> np.ndarray:
    """o_t = W_hy h_t + b_y for a stack of states hs (n, B, H) -> (n, B, V), one GEMM."""
    n, B, H = hs.shape
    o = np.matmul(hs.reshape(n * B, H), params.W_hy.T).reshape(n, B, -1)
    o += params.b_y
    return o


def forward(params: Params, xs, *, h0=None, activation: str = "tanh") -> ForwardCache:
    """Run the RNN over a sequence (or a batch of them).

    Args:
      params: Params; W_xh (H, D), W_hh (H, H), b_h (H,), W_hy (V, H), b_y (V,).
      xs: inputs x_1..x_T, (T, D) or batched (T, B, D). Time is the leading axis.
      h0: initial state, (H,) or (B, H); zeros when omitted.
      activation: "tanh", "sigmoid", "relu" or "identity".
    Returns:
      ForwardCache with hs (T + 1, [B,] H) and os (T, [B,] V), in the layout of xs.
    """
    params = check_params(params)
    activation = check_activation(activation)
    xs3, batched = check_xs(xs, params)
    T, B, _ = xs3.shape
    h = check_h0(h0, params, B, batched)
    hs = np.empty((T + 1, B, params.hidden_size), params.dtype)
    hs[0] = h
    with np.errstate(**quiet):                      # overflow is reported once, below
        run_states(params, xs3, h, hs[1:], activation)
        os = outputs(params, hs[1:])
    if not (np.isfinite(hs[-1]).all() and np.isfinite(os).all()):
        warn_overflow("numeric.forward", ["hs" if not np.isfinite(hs[-1]).all() else "os"], params,
                      activation, T)
    if not batched:
        hs, os = hs[:, 0], os[:, 0]
    return ForwardCache(hs, os, activation)
