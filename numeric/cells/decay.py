"""Vanishing gradients per cell: ‖∂L_T/∂s_k‖ against T − k, and the cells' state Jacobians.

For a loss L_T at the last step only, the gradient reaching the state s_k (all of a cell's states
stacked: h for elman and gru, (h, c) for lstm) is carried back one step at a time by the
transposed state Jacobian, which each generated engine applies as ``step_vjp``::

    d_T = ∂L_T/∂s_T                       (W_hyᵀ (softmax(o_T) − y_T) into the output state)
    for t in T, ..., 1:
        d_{t-1} = step_vjp(params, tape, t, d_t)      # (∂s_t/∂s_{t-1})ᵀ d_t

The elman cell's d_{t-1} = W_hhᵀ (f'(a_t) ⊙ d_t) shrinks by up to γ‖W_hh‖₂ per step; the LSTM's
cell state carries f_t ⊙ d_c straight back, scaled by the forget gate alone (docs/lstm.md), and the
GRU's state z_t ⊙ d_h (docs/gru.md). ``cell_decay`` measures this at a common initialisation
(``init_params``, the same for every cell) on random one-hot inputs, B sequences at once, and
optionally adds ``gate_bias`` to the bias of the gate that keeps the state (``KEEP_GATE``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..kernels import loss_and_grad_

# The gate whose value near 1 keeps the state: c_t = f ⊙ c_{t-1} + ... ; h_t = z ⊙ h_{t-1} + ...
# (name, its input weight, recurrent weight and bias; a sigmoid of their affine sum).
KEEP_GATE = {"lstm": ("f", "W_xf", "W_hf", "b_f"), "gru": ("z", "W_xz", "W_hz", "b_z")}
BAND = (10, 90)                  # the percentiles over the sequences drawn as a band


def _tape(cell, params, xs, state0, activation=None):
    """(module, checked params, forward tape) of the cell's generated engine over xs (T, B, D)."""
    from .engine import _prepare        # numeric.cells.bptt's own checks and setup

    run = _prepare(cell, params, xs, state0, activation)
    S = run.m.stack(run.P, run.dims)
    return run.m, run.P, run.m.forward(run.P, S, run.xs, run.state0, run.dims, run.activation)


def loss_state_grads(cell, params: dict, xs: np.ndarray, targets: np.ndarray, state0=None, *,
                     activation: str | None = None) -> dict[str, np.ndarray]:
    """∂L_T/∂s_k for k = 0..T: {state: (T + 1, B, dim)}, row k the gradient w.r.t. s_k.

    L_T is the cross-entropy of the last step's logits o_T = W_hy s_T^{out} + b_y against
    targets[-1]; xs (T, B, D), targets class indices (T, B) (only the last row is read),
    state0 {state: (B, dim)} or None (zeros). Row T is the direct gradient; the others are
    carried back by the engine's ``step_vjp``.
    """
    xs = np.asarray(xs)
    if xs.ndim != 3:
        raise ValueError(f"xs must have shape (T, B, D) here; got {xs.shape}.")
    mod, params, tape = _tape(cell, params, xs, state0, activation)
    T, B = xs.shape[:2]
    from ..validate import check_targets

    y = check_targets(targets, "cross_entropy", T, B, tape["dims"]["V"], True, xs.dtype)[-1:]   # (1, B)
    if mod.OUTPUT not in mod.STATES:
        raise ValueError(f"cell {mod.CELL!r}: its output {mod.OUTPUT!r} is not a state; ∂L_T/∂s_T needs one.")
    out = {s: np.zeros((T + 1, B, tape[f"s_{s}"].shape[2]), xs.dtype) for s in mod.STATES}
    last = tape[f"s_{mod.OUTPUT}"][T]                              # (B, dim)
    if mod.READOUT:
        o = (last @ params["W_hy"].T + params["b_y"])[None]       # (1, B, V) -> ∂L_T/∂o_T in place
        loss_and_grad_("cross_entropy", o, y, None, 1.0)
        out[mod.OUTPUT][T] = o[0] @ params["W_hy"]
    else:
        o = last[None].copy()
        loss_and_grad_("cross_entropy", o, y, None, 1.0)
        out[mod.OUTPUT][T] = o[0]
    d = {s: out[s][T] for s in mod.STATES}
    for t in range(T, 0, -1):
        d = mod.step_vjp(params, tape, t, d)
        for s in mod.STATES:
            out[s][t - 1] = d[s]
    return out


def state_jacobians(cell, params: dict, xs: np.ndarray, state0=None, *, activation: str | None = None) -> np.ndarray:
    """J (T, S, S) with J[t-1] = ∂s_t/∂s_{t-1} for one sequence xs (T, D), S = Σ state sizes
    (states in the cell's order, e.g. [h; c] for lstm); state0 {state: (dim,)} or None.

    Built from ``step_vjp``: the sequence is run S times side by side and row i of ∂s_t/∂s_{t-1}
    is the VJP of the unit vector e_i.
    """
    xs = np.asarray(xs)
    if xs.ndim != 2:
        raise ValueError(f"xs must be one sequence (T, D) here; got shape {xs.shape}.")
    mod, params, tape1 = _tape(cell, params, xs[:, None, :], None if state0 is None else
                               {s: np.asarray(v)[None] for s, v in state0.items()}, activation)
    sizes = {s: tape1[f"s_{s}"].shape[2] for s in mod.STATES}
    S = sum(sizes.values())
    batch = np.repeat(xs[:, None, :], S, axis=1)
    s0 = {s: np.repeat(tape1[f"s_{s}"][0], S, axis=0) for s in mod.STATES}
    _, _, tape = _tape(cell, params, batch, s0, activation)
    eye = np.eye(S, dtype=xs.dtype)
    cuts = np.cumsum([0, *sizes.values()])
    seeds = {s: eye[:, cuts[i]:cuts[i + 1]] for i, s in enumerate(mod.STATES)}
    T = xs.shape[0]
    J = np.empty((T, S, S), xs.dtype)
    for t in range(1, T + 1):
        d = mod.step_vjp(params, tape, t, seeds)                 # row i: e_iᵀ ∂s_t/∂s_{t-1}
        J[t - 1] = np.concatenate([d[s] for s in mod.STATES], axis=1)
    return J


@dataclass(frozen=True)
class CellDecay:
    """‖∂L_T/∂s_k‖₂ of one cell at one initialisation, over B random sequences.

    norms: (T + 1, B), row k = ‖∂L_T/∂s_k‖₂ with all states stacked; state_norms: {state: (T + 1, B)}.
    keep_gate: (name, mean value over steps, sequences and units) of KEEP_GATE's gate, or None.
    """

    cell: str
    norms: np.ndarray
    state_norms: dict[str, np.ndarray]
    settings: dict = field(default_factory=dict)
    keep_gate: tuple[str, float] | None = None

    @property
    def T(self) -> int:
        return self.norms.shape[0] - 1

    @property
    def relative(self) -> np.ndarray:
        """(T + 1, B): ‖∂L_T/∂s_k‖ / ‖∂L_T/∂s_T‖ per sequence (1 at k = T)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return self.norms / self.norms[-1]

    @property
    def median(self) -> np.ndarray:
        """(T + 1,): the median over the sequences of ``relative``, indexed by T − k."""
        return np.median(self.relative, axis=1)[::-1]

    @property
    def band(self) -> tuple[np.ndarray, np.ndarray]:
        lo, hi = np.percentile(self.relative, BAND, axis=1)
        return lo[::-1], hi[::-1]

    @property
    def decay_factor(self) -> float:
        """(median relative ‖∂L_T/∂s_0‖)^(1/T): the constant per-step factor of the same attenuation."""
        m = float(self.median[-1])
        return math.exp(math.log(m) / self.T) if m > 0 else 0.0


def cell_decay(cell: str, *, T: int = 50, B: int = 32, D: int = 8, H: int = 100, V: int = 8, seed: int = 0,
               gate_bias: float = 0.0, dtype=np.float64) -> CellDecay:
    """``CellDecay`` at the common initialisation ``init_params(cell, D, H, V, seed=seed)``.

    Inputs: B random one-hot sequences (T, B, D) and random targets, drawn from ``seed``; zero
    initial states; L_T the cross-entropy at the last step. ``gate_bias`` is added to the bias of
    the cell's KEEP_GATE (refused for a cell without one, unless 0).
    """
    from ..validate import check_positive_int

    for name, v in (("T", T), ("B", B), ("D", D), ("H", H), ("V", V)):
        check_positive_int(name, v)
    if not (isinstance(gate_bias, (int, float)) and math.isfinite(gate_bias)):
        raise ValueError(f"gate_bias must be a finite number; got {gate_bias!r}.")
    if gate_bias and cell not in KEEP_GATE:
        raise ValueError(f"gate_bias={gate_bias:g} needs a cell with a gate that keeps its state "
                         f"({', '.join(f'{c}: {g[0]}' for c, g in KEEP_GATE.items())}); cell {cell!r} has none.")
    from .init import init_params

    params = init_params(cell, D, H, V, seed=seed, dtype=dtype)
    rng = np.random.default_rng(seed)
    ids = rng.integers(0, D, (T, B))
    xs = np.zeros((T, B, D), dtype)
    np.put_along_axis(xs, ids[:, :, None], 1.0, axis=2)
    targets = rng.integers(0, V, (T, B))
    gate = KEEP_GATE.get(cell)
    if gate is not None:
        params[gate[3]] = params[gate[3]] + gate_bias
    grads = loss_state_grads(cell, params, xs, targets)
    state_norms = {s: np.linalg.norm(g, axis=2) for s, g in grads.items()}
    norms = np.sqrt(sum(n ** 2 for n in state_norms.values()))
    keep = None
    if gate is not None:
        hs = _tape(cell, params, xs, None)[2]["s_h"][:-1]          # h_{t-1}, (T, B, H)
        g = 1.0 / (1.0 + np.exp(-(xs @ params[gate[1]].T + hs @ params[gate[2]].T + params[gate[3]])))
        keep = (gate[0], float(g.mean()))
    return CellDecay(cell, norms, state_norms, dict(T=T, B=B, D=D, H=H, V=V, seed=seed, gate_bias=gate_bias), keep)
