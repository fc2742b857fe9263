"""The engine's matrix products alone: a floor under numeric.bptt's time (bench_engine.py).

``make_step`` returns a call that issues exactly the GEMMs of one full-BPTT ``numeric.bptt``
call (numeric/forward.py and numeric/bptt.py), with the same shapes, operand layouts,
orientation (``np.dot`` into a (B, H) row for the per-step products, one GEMM over the
stacked steps for the rest) and the same T-sized buffers, but none of the element-wise work:
no bias adds, no tanh or tanh', no softmax, no bias sums, no input checks. Its time is what
any NumPy engine with these products would take even if its element-wise work were free, so
``torch ms / gemms ms`` bounds the torch/engine ratio such an engine can reach on the machine.

The per-step products read rows that hold finite, bounded values (input projections,
∂L/∂h rows) rather than chaining their own outputs, which without tanh would overflow and
could slow the FMA units down on inf/NaN/subnormal operands. The flops equal the engine's:
6·T·B·(D·H + H² + H·V) plus the one (B, H)·(H, H) product for ∂L/∂h0.
"""

from __future__ import annotations

from typing import Callable

import numpy as np


def make_step(params, xs: np.ndarray, targets: np.ndarray, h0: np.ndarray) -> Callable[[], np.ndarray]:
    """Build the GEMM-only call for one problem.

    Args:
      params: numeric.Params; W_xh (H, D), W_hh (H, H), W_hy (V, H).
      xs: (T, B, D) inputs; targets and h0 are accepted for the baselines' signature and unused
        (the GEMMs do not depend on them).
    Returns:
      step(): runs the products once and returns the (T, B, D) array the engine returns as dxs.
    """
    T, B, D = xs.shape
    H, V = params.hidden_size, params.output_size
    W_xh, W_hh, W_hy = params.W_xh, params.W_hh, params.W_hy
    W_hh_T = np.ascontiguousarray(W_hh.T)              # the engine makes this copy per call
    X = xs.reshape(T * B, D)
    dot = np.dot

    def step() -> np.ndarray:
        store = np.empty((T + 1, B, H), params.dtype)  # the engine's state buffer
        store[0] = 0.0
        np.matmul(X, W_xh.T, out=store[1:].reshape(T * B, H))     # input projection
        tmp = np.empty((B, H), params.dtype)
        for t in range(T):                                          # recurrent products
            dot(store[t + 1], W_hh_T, out=tmp)
        HS = store[1:].reshape(T * B, H)
        do = HS @ W_hy.T                                            # logits
        dW_hy = do.T @ HS
        dh = np.empty((T, B, H), params.dtype)
        np.matmul(do, W_hy, out=dh.reshape(T * B, H))               # direct ∂L/∂h
        del do
        for i in range(T - 2, -1, -1):                              # δ recursion products
            dot(dh[i + 1], W_hh, out=tmp)
        da = dh.reshape(T * B, H)
        dW_xh = da.T @ X
        dW_hh = da.T @ store[:T].reshape(T * B, H)
        dh0 = dh[0] @ W_hh
        dxs = np.empty(xs.shape, params.dtype)
        np.matmul(da, W_xh, out=dxs.reshape(T * B, D))
        del dW_hy, dW_xh, dW_hh, dh0
        return dxs

    return step

