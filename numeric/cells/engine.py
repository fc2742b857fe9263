"""numeric.cells.bptt and numeric.cells.forward: any generated cell engine, full and truncated.

The generated module (numeric/generated/cells/<cell>.py) runs the cell's steps; this driver adds
what every cell shares, as numeric.bptt does for the vanilla RNN: the checks, the output layer
o_t = W_hy s_t + b_y (one GEMM over all loss steps; a cell with ``READOUT = False`` gives the
logits itself), the loss and ∂L/∂o (numeric/kernels.py, the rules table's losses), and the
update-point windows of Truncation(k1, k2) (numeric/truncation.py, docs/truncation.md; the loop
is numeric/cells/windows.py)::

    for tau_prev, tau, start in update_points(T, truncation):
        tape = forward(steps tau_prev+1..tau), with the steps start..tau_prev the window shares
        seed = ∂L_t/∂s_t for the losses tau_prev < t <= tau (zero rows elsewhere)
        grads += backward(tape, seed, steps start..tau)   # nothing flows to start - 1 unless start = 1
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from types import ModuleType

import numpy as np

from ..finite import quiet
from ..rules import LOSSES
from ..truncation import update_points
from ..validate import check_loss, check_loss_at, check_loss_weights, check_targets, check_truncation
from .windows import logits as _logits
from .windows import run_windows
from .validate import check_activation_for, check_cell_params, check_cell_xs, check_state0, resolve


@dataclass(frozen=True)
class CellBPTTResult:
    """loss: Σ_t L_t (float, always the full sum); grads: {param: ∂L/∂param} (truncated if asked),
    each the shape of its parameter; dstate0: {state: ∂L/∂s_0}, shape of state0; dxs: ∂L/∂x_t,
    shape of xs; state_last: {state: s_T}, (dim,) or (B, dim)."""

    loss: float
    grads: dict
    dstate0: dict
    dxs: np.ndarray
    state_last: dict


@dataclass(frozen=True)
class CellForward:
    """states: {state: s_1..s_T, (T, dim) or (T, B, dim)}; logits: o_1..o_T, (T, V) or (T, B, V);
    state_last: {state: s_T}."""

    states: dict
    logits: np.ndarray
    state_last: dict


@dataclass(frozen=True)
class _Run:
    m: ModuleType
    P: dict
    dims: dict
    xs: np.ndarray
    state0: dict
    activation: str | None
    batched: bool

    def unbatch(self, a: np.ndarray, axis: int = 0) -> np.ndarray:
        return a if self.batched else np.take(a, 0, axis=axis)


def _prepare(cell, params, xs, state0, activation) -> _Run:
    m = resolve(cell)
    act = check_activation_for(m, activation)
    P, dims = check_cell_params(m, params)
    dtype = next(iter(P.values())).dtype
    xs3, batched = check_cell_xs(xs, dims["D"], dtype)
    s0 = check_state0(m, state0, dims, xs3.shape[1], batched, dtype)
    return _Run(m, P, dims, xs3, s0, act, batched)


def forward(cell, params, xs, state0=None, *, activation=None) -> CellForward:
    """The cell's states over time and its logits (no loss, no gradient).

    Args as numeric.cells.bptt. Returns CellForward(states, logits, state_last).
    """
    run = _prepare(cell, params, xs, state0, activation)
    with np.errstate(**quiet):
        S = run.m.stack(run.P, run.dims)
        tape = run.m.forward(run.P, S, run.xs, run.state0, run.dims, run.activation)
        logits = _logits(run.m, run.P, run.m.outputs(tape))
    states = {s: run.unbatch(tape[f"s_{s}"][1:].copy(), axis=1) for s in run.m.STATES}
    return CellForward(states, run.unbatch(logits, axis=1), {s: v[-1] for s, v in states.items()})


def bptt(cell, params, xs, targets, state0=None, *, loss: str = "cross_entropy", loss_at: str = "all",
         loss_weights=None, truncation=None, activation=None, checkpoint=None) -> CellBPTTResult:
    """Loss and gradients of any generated cell by (truncated) backpropagation through time.

    One step of the cell (its EQUATIONS), then o_t = W_hy s_t + b_y on its output state (unless
    the cell gives the logits itself, jordan), L = Σ_t L_t with the rules table's losses.

    Args:
      cell: a built-in name (numeric.cells.CELLS: "elman", "jordan", "gru", "lstm") or a generated
        module (``bptt generate --cell FILE.py:NAME --out FILE``, imported).
      params: {name: array}, exactly the cell's parameters in the column convention: W_x<gate>
        (H, D), W_h<gate> (H, H), b_<gate> (H,), W_hy (V, H), b_y (V,); all float32 or all float64.
      xs: (T, D) or batched (T, B, D); T >= 1.
      targets: class indices (T,) / (T, B) for cross_entropy; real (T, V) / (T, B, V) otherwise.
      state0: None (zeros) or {state: (dim,) / (B, dim)}; a state left out starts at zero.
      loss: "cross_entropy" | "half_sse" | "sse" | "mse"; loss_at: "all" | "last";
      loss_weights: None, (T,) or (T, B) non-negative weights on each L_t — as numeric.bptt.
      truncation: None (full BPTT), an int k or numeric.Truncation(k1, k2) (docs/truncation.md).
      activation: for cells written with act(...) (elman, jordan): a rules-table activation,
        default tanh; refused by cells whose activations are fixed (gru, lstm).
      checkpoint: None or numeric.Checkpointing(...): the same result, states recomputed (docs/checkpointing.md).
    Returns:
      CellBPTTResult(loss, grads, dstate0, dxs, state_last), in the params' dtype.
    """
    run = _prepare(cell, params, xs, state0, activation)
    m, P, dims = run.m, run.P, run.dims
    loss, loss_at = check_loss(loss), check_loss_at(loss_at)
    T, B, _ = run.xs.shape
    V = dims["V"]
    dtype = run.xs.dtype
    y = check_targets(targets, loss, T, B, V, run.batched, dtype)
    w = check_loss_weights(loss_weights, T, B, run.batched, dtype)
    points = update_points(T, check_truncation(truncation))
    first = 1 if loss_at == "all" else T                 # the loss steps are first..T
    scale = 1.0 / ((T - first + 1) * B * V) if LOSSES[loss].scale_by_count else 1.0
    if checkpoint is not None:                           # issue 16: numeric/checkpoint/cells.py
        from ..checkpoint.cells import checkpointed_cells
        out = checkpointed_cells(run, y, w, points, loss, first, scale, checkpoint)
        _warn_nonfinite(m, out[0], out[1], dtype)
        return CellBPTTResult(*out)
    with np.errstate(**quiet):
        S = m.stack(P, dims)
        total, grads, dstate0, dxs, last = run_windows(run, S, y, w, points, loss, first, scale)
    grads = {n: grads[n] if n in grads else np.zeros_like(P[n]) for n in m.PARAMS}
    _warn_nonfinite(m, total, grads, dtype)
    last = {s: run.unbatch(v) for s, v in last.items()}
    return CellBPTTResult(total, grads, {s: run.unbatch(v) for s, v in dstate0.items()},
                          run.unbatch(dxs, axis=1), last)


def _warn_nonfinite(m: ModuleType, total: float, grads: dict, dtype) -> None:
    bad = ([] if math.isfinite(total) else ["loss"]) + [n for n, g in grads.items() if not np.isfinite(g).all()]
    if bad:
        warnings.warn(f"numeric.cells.bptt (cell {m.CELL!r}): the computation overflowed in {np.dtype(dtype)} "
                      f"(non-finite: {', '.join(bad)}); use smaller weights or inputs, truncation"
                      + (", or float64." if dtype == np.float32 else "."), RuntimeWarning, stacklevel=3)


__all__ = ["CellBPTTResult", "CellForward", "bptt", "forward"]
