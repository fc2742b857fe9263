"""Flops and the GEMMs-alone floor of a gated cell's engine (benchmarks/bench_cells.py).

A cell with G gate blocks (lstm 4: i, f, g, o; gru 3: r, z, n; elman 1) does, per step and
sequence, these matrix products and nothing else of size D·H, H² or H·V:

    forward   input projections  X (T·B, D) · W_x (D, G·H)    one GEMM over all steps
              recurrent          h_{t-1} (B, H) · W_h (H, G·H) one GEMM per step
              logits             H (T·B, H) · W_hy (H, V)     one GEMM over all steps
    backward  ∂L/∂h direct       ∂L/∂o (T·B, V) · W_hy         one GEMM
              δ recurrent        δa_t (B, G·H) · W_hᵀ          one GEMM per step
              weight gradients   δaᵀ X, δaᵀ H_prev, ∂L/∂oᵀ H     one GEMM each over all steps
              ∂L/∂x              δa (T·B, G·H) · W_xᵀ          one GEMM

so ``flops`` = 2·T·B·(G·H·D + G·H² + H·V) forward and twice that backward (each weight enters one
product forward and two backward): 6·T·B·(G·H·D + G·H² + H·V). Element-wise work (gates,
products, the softmax) is not counted. ``make_step`` issues exactly these GEMMs with these shapes
and the engine's stacked weights, in T-sized buffers, and no element-wise work: its time is a
floor under any NumPy engine built on them.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from numeric.cells.layout import LAYOUTS


def gates(cell: str) -> int:
    """G, the number of H-row blocks of the cell's stacked weights."""
    return len(LAYOUTS[cell].gates)


def flops(cell: str, T: int, B: int, D: int, H: int, V: int) -> float:
    """Forward + backward matrix-product flops of one call: 6·T·B·(G·H·D + G·H² + H·V)."""
    G = gates(cell)
    return 6.0 * T * B * (G * H * D + G * H * H + H * V)


# The generated engines' T-sized arrays, in units of T·B·H values (numeric/generated/cells/*.py):
# tape = what forward stores for the backward pass, back = the backward pass's own buffers.
#   lstm  tape: XP (the four gates, 4H), s_h, s_c, tanh(c) (3H)    back: dXP (4H), ∂L/∂h seeds (H)
#   gru   tape: XP (r, z, n, 3H), s_h, one stored value (2H)       back: dXP, dHP_h (3H each), seeds (H)
TAPE = {"lstm": 7, "gru": 5}
BACK = {"lstm": 5, "gru": 7}


def memory_formula(cell: str, T: int, B: int, D: int, H: int, V: int, itemsize: int,
                   window: int | None = None) -> int:
    """Bytes one call may allocate beyond its inputs (the tracemalloc peak's bound).

    Full BPTT (window None)::

        (TAPE·T·B·H + max(T·B·(V + H), BACK·T·B·H + T·B·D) + 3.5·N_params) · itemsize + 16 KiB

    the tape, then the larger of the logits phase (∂L/∂o beside the seeds) and the backward phase
    (its buffers and ∂L/∂x, T·B·D); 3.5·N_params: the gradients, the stacked weights and their
    transposed copies, the weight-gradient GEMMs' results (sliced, not copied) and one step's
    temporaries; 16 KiB: the Python objects (array headers, dicts; measured ~8 KiB).
    Truncation(k1, k2) with window = k2 (numeric/cells/windows.py: one window's tape at a time,
    the previous one alive while the next is computed)::

        (2·TAPE·k·B·H + max(k·B·(V + H), BACK·k·B·H + k·B·D) + T·B·D + 5.5·N_params) · itemsize + 16 KiB

    T enters only through ∂L/∂x (the result); 2 N_params more for each window's gradients before
    they are added up.
    """
    G = gates(cell)
    n_params = G * H * (D + H + 1) + (H if cell == "gru" else 0) + V * (H + 1)
    if window is None:
        n = T
        values = TAPE[cell] * T * B * H + 3.5 * n_params
    else:
        n = min(window, T)
        values = 2 * TAPE[cell] * n * B * H + T * B * D + 5.5 * n_params
    values += max(n * B * (V + H), BACK[cell] * n * B * H + n * B * D)
    return int(values * itemsize) + 16 * 1024


def make_step(cell: str, params: dict[str, np.ndarray], xs: np.ndarray) -> Callable[[], np.ndarray]:
    """The GEMM-only call for one problem.

    Args:
      cell: "lstm", "gru" or "elman"; params: {name: array} (numeric.cells convention).
      xs: (T, B, D) inputs.
    Returns:
      step(): runs the products once (the weights stacked once per call, as the engine does) and
      returns the (T, B, D) array the engine returns as dxs.
    """
    T, B, D = xs.shape
    layout = LAYOUTS[cell].gates
    dtype = xs.dtype
    W_hy = params["W_hy"]
    H, V = W_hy.shape[1], W_hy.shape[0]
    G = len(layout)
    X = xs.reshape(T * B, D)
    dot = np.dot
    hs = np.full((T + 1, B, H), 0.5, dtype)      # bounded state rows (written once: no element-wise work)

    def step() -> np.ndarray:
        Wx = np.concatenate([params[g.W_ih] for g in layout])          # (G·H, D)
        Wh = np.concatenate([params[g.W_hh] for g in layout])          # (G·H, H)
        WxT, WhT = np.ascontiguousarray(Wx.T), np.ascontiguousarray(Wh.T)
        A = np.empty((T, B, G * H), dtype)                             # gate pre-activations
        np.matmul(X, WxT, out=A.reshape(T * B, G * H))
        tmp = np.empty((B, G * H), dtype)
        for t in range(T):
            dot(hs[t], WhT, out=tmp)
        HS = hs[1:].reshape(T * B, H)
        do = HS @ W_hy.T                                               # logits / ∂L/∂o
        dW_hy = do.T @ HS
        dh = np.empty((T, B, H), dtype)
        np.matmul(do, W_hy, out=dh.reshape(T * B, H))
        del do
        dA = A                                                         # δa written over the pre-activations
        th = np.empty((B, H), dtype)
        for t in range(T - 1, -1, -1):
            dot(dA[t], Wh, out=th)
        dA2 = dA.reshape(T * B, G * H)
        dWx = dA2.T @ X
        dWh = dA2.T @ hs[:T].reshape(T * B, H)
        dxs = np.empty(xs.shape, dtype)
        np.matmul(dA2, Wx, out=dxs.reshape(T * B, D))
        del dW_hy, dWx, dWh
        return dxs

    return step
