"""cell_rtrl(cell, params, xs, targets, ...): the exact gradient of any cell by forward mode.

Real-time recurrent learning for a cell given as data: beside the states s_t it carries their
sensitivities P_t = ∂s_t/∂θ forward in time, θ = every parameter, every initial state and every
input x_1..x_T (derive/verify/cells/jvp.py, the Layout), through each step's local Jacobians::

    P_0 = ∂s_0/∂θ                      (the identity on the <state>0 blocks)
    for t = 1 .. T:
        (nodes, s_t) = step(x_t, s_{t−1}),  P_t = ∂⁺s_t/∂θ + (∂s_t/∂s_{t−1}) P_{t−1}   (JVP rules)
        if step t has a loss:  ∂L/∂θ += (∂L_t/∂o_t) ∂o_t/∂θ      ∂L_t/∂o_t from numeric/rules.py

No backward sweep, no δ, nothing of the generated engines or of derive's VJP table: only the
cell's equations, the rules table's f, f' and loss gradients, and NumPy. The result has the
layout of ``numeric.cells.bptt``'s. Cost O(T·B·n·(cost of a step)), n = #θ ~ T·D + the
parameter count: a check for small problems, not an engine. Full BPTT only (a truncated
gradient is not the gradient of a function of θ).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from numeric.rules import LOSSES, NUMPY_NS
from numeric.validate import check_loss, check_loss_at

from .jvp import Dual, Layout, Step, leaf, unit


class CellGradients(NamedTuple):
    """loss (Σ_t L_t), grads {param: array of its shape}, dstate0 {state: (H,) / (B, H)},
    dxs (shape of xs), state_last {state: (H,) / (B, H)} — numeric.cells.bptt's fields."""

    loss: float
    grads: dict
    dstate0: dict
    dxs: np.ndarray
    state_last: dict


def sizes_of(cell, params: dict, D: int) -> dict[str, int]:
    """{"H", "D", "V"} read off the parameters' shapes; ValueError on a missing or inconsistent one."""
    sizes = {"D": D}
    for name, shape in cell.params.items():
        if name not in params:
            raise ValueError(f"params has no {name!r}; cell {cell.name!r} needs {list(cell.params)}.")
        actual = np.shape(params[name])
        if len(actual) != len(shape):
            raise ValueError(f"params[{name!r}] must have shape {shape}; got {actual}.")
        for letter, n in zip(shape, actual):
            if sizes.setdefault(letter, n) != n:
                raise ValueError(f"params[{name!r}] has shape {actual}, but {letter} = {sizes[letter]} "
                                 f"from the other parameters (shape {shape}).")
    return sizes


class Prepared(NamedTuple):
    cell: object
    params: dict
    xs: np.ndarray          # (T, B, D)
    targets: np.ndarray     # (T, B) class indices or (T, B, V)
    state0: dict            # {state: (B, dim)}
    weights: np.ndarray     # (T, B), the loss_scale included
    steps: tuple
    sizes: dict
    batched: bool


def prepare(cell, params, xs, targets, state0, loss, loss_at, loss_weights) -> Prepared:
    from derive.cells.load import resolve_cell
    cell = resolve_cell(cell)
    xs = np.asarray(xs)
    if xs.ndim not in (2, 3) or xs.shape[0] == 0:
        raise ValueError(f"xs must have shape (T, D) or (T, B, D) with T >= 1; got {xs.shape}.")
    batched = xs.ndim == 3
    x3 = xs if batched else xs[:, None, :]
    T, B, D = x3.shape
    dtype = x3.dtype if x3.dtype in (np.float32, np.float64) else np.float64
    sizes = sizes_of(cell, params, D)
    prm = {n: np.asarray(params[n], dtype) for n in cell.params}
    V = sizes["V"]
    y = np.asarray(targets)
    y = y if batched else y[:, None, ...]
    s0 = {}
    for s, d in cell.states.items():
        v = None if state0 is None else state0.get(s)
        s0[s] = np.zeros((B, sizes[d]), dtype) if v is None else np.asarray(v, dtype).reshape(B, sizes[d])
    steps = tuple(range(1, T + 1)) if check_loss_at(loss_at) == "all" else (T,)
    w = np.ones((T, B), dtype) if loss_weights is None else np.broadcast_to(
        np.asarray(loss_weights, dtype).reshape(T, -1), (T, B))
    if LOSSES[check_loss(loss)].scale_by_count:
        w = w / (len(steps) * B * V)
    return Prepared(cell, prm, x3.astype(dtype), y, s0, w, steps, sizes, batched)


def loss_step(loss: str, o: Dual, y: np.ndarray, V: int):
    """Per sequence: L_t (B,), g = ∂L_t/∂o_t (B, V), and the magnitudes E_L (B,), E_g (B, V) per ε."""
    rule = LOSSES[loss]
    if not rule.real_targets:
        y = np.eye(V, dtype=o.value.dtype)[y]
    L = np.array([rule.value(NUMPY_NS, o.value[b], y[b]) for b in range(len(y))], o.value.dtype)
    g = np.stack([np.asarray(rule.grad(NUMPY_NS, o.value[b], y[b]), o.value.dtype) for b in range(len(y))])
    Eo = o.err
    if loss == "cross_entropy":
        p = g + y
        Eg = p + y + 2 * p * Eo.max(axis=-1, keepdims=True)
        EL = (np.abs(L) + np.abs(o.value).max(axis=-1) + np.abs(o.value * y).sum(axis=-1)
              + ((p + y) * Eo).sum(axis=-1))
    else:
        c = 1.0 if loss == "half_sse" else 2.0
        mag = np.abs(o.value) + np.abs(y)
        Eg, EL = c * (mag + Eo), c * ((mag + Eo) * mag).sum(axis=-1)
    return L, g, EL, Eg


def run(prep: Prepared, loss: str, activation: str):
    """The forward-mode pass: (CellGradients, magnitudes as a CellGradients of bounds, relu margin)."""
    cell, T, B, D = prep.cell, *prep.xs.shape
    lay = Layout(cell, prep.sizes, T)
    dtype = prep.xs.dtype
    step = Step(cell, prep.params, lay, activation)
    prev = {s: leaf(v, unit(B, v.shape[1], lay.n, lay.block(f"{s}0"), dtype)) for s, v in prep.state0.items()}
    sens, msens = np.zeros((B, lay.n), dtype), np.zeros((B, lay.n), dtype)
    total, total_mag = 0.0, 0.0
    for t in range(1, T + 1):
        x = leaf(prep.xs[t - 1], unit(B, D, lay.n, lay.x(t), dtype))
        env = step.run(t, x, prev)
        prev = {s: env[s] for s in cell.states}
        if t not in prep.steps:
            continue
        o = step.readout(env, B)
        L, g, EL, Eg = loss_step(loss, o, prep.targets[t - 1], prep.sizes["V"])
        w = prep.weights[t - 1]
        total += float(np.sum(L * w))
        total_mag += float(np.sum(EL * w))
        sens += np.einsum("bv,bvn->bn", g * w[:, None], o.tan)
        msens += np.einsum("bv,bvn->bn", (np.abs(g) + Eg) * w[:, None], o.mag)
    out = _collect(prep, lay, sens, total, {s: d.value for s, d in prev.items()})
    mag = _collect(prep, lay, msens, total_mag, {s: d.err for s, d in prev.items()})
    return out, mag, step.relu_margin


def _collect(prep: Prepared, lay: Layout, sens: np.ndarray, loss: float, last: dict) -> CellGradients:
    un = (lambda a, axis=0: a) if prep.batched else (lambda a, axis=0: np.take(a, 0, axis=axis))
    shared = sens.sum(axis=0)
    grads = {p: shared[lay.block(p)].reshape(lay.shapes[p]) for p in prep.cell.params}
    dstate0 = {s: un(sens[:, lay.block(f"{s}0")]) for s in prep.cell.states}
    T, B, D = prep.xs.shape
    dxs = sens[:, lay.xs_offset:].reshape(B, T, D).transpose(1, 0, 2)
    return CellGradients(loss, grads, dstate0, un(np.ascontiguousarray(dxs), 1),
                         {s: un(v) for s, v in last.items()})


def cell_rtrl(cell, params, xs, targets, state0=None, *, loss: str = "cross_entropy", loss_at: str = "all",
              loss_weights=None, activation: str | None = None) -> CellGradients:
    """Loss and every gradient of ``cell`` by forward-mode sensitivities (module docstring).

    Args as ``numeric.cells.bptt`` without ``truncation``: cell a Cell, a built-in name or
    ``file.py:NAME``; params {name: array} (W_x<gate> (H, D), W_h<gate> (H, H), b_<gate> (H,),
    W_hy (V, H), b_y (V,)); xs (T, D) or (T, B, D); targets class indices (T,) / (T, B) for
    cross_entropy, else (T, V) / (T, B, V); state0 {state: (H,) / (B, H)}, zeros when omitted;
    activation the f of act(...) cells (elman, jordan), default tanh.
    """
    prep = prepare(cell, params, xs, targets, state0, loss, loss_at, loss_weights)
    return run(prep, loss, activation or "tanh")[0]


def cell_magnitudes(cell, params, xs, targets, state0=None, *, loss: str = "cross_entropy",
                    loss_at: str = "all", loss_weights=None, activation: str | None = None):
    """(first-order rounding-error scale of every result array per ε, min |relu pre-activation|).

    For gradients: Σ over the chain rule's path terms of their absolute values (every local
    partial in absolute value, the loss gradient widened by its own rounding bound): what
    the gradient sums, so the scale of its rounding even where the terms cancel. For the loss
    and the last states: the running error bound of the forward evaluation. A truncated
    gradient sums a subset of the full one's terms, so the full scale covers it too.
    """
    prep = prepare(cell, params, xs, targets, state0, loss, loss_at, loss_weights)
    _, mag, margin = run(prep, loss, activation or "tanh")
    return mag, margin
