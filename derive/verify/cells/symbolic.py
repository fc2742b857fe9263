"""The symbolic route for a cell: derive_cell's gradients evaluated at a numeric point.

``symbolic_gradients`` unrolls the cell over T steps at the problem's sizes (derive.cells:
``unroll_cell``, ``derive_cell``, truncated or not), puts the problem's float values on the
leaves (parameters, initial states, x_t, y_t, w_t) and evaluates the graph's definitions, the
δ definitions and every compact gradient with mpmath at ``digits`` significant digits, one
sequence at a time (a batch is the sum; mse's 1/B applied). At 30 digits it is exact for a
float64 comparison. Small problems only (T <= 4, H <= 2 for the gated cells).
"""

from __future__ import annotations

import mpmath
import numpy as np

from derive.cells import derive_cell, unroll_cell
from numeric.rules import LOSSES

from ..proof import mp_eval
from .rtrl import CellGradients, prepare

_CACHE: dict = {}


def _derivation(cell, T, H, D, V, activation, loss, loss_at, weighted, truncation):
    """derive_cell of the unrolled graph, kept per cell object and settings (a Cell is unhashable)."""
    key = (id(cell), T, H, D, V, activation, loss, loss_at, weighted, truncation)
    if key not in _CACHE:
        if len(_CACHE) > 64:
            _CACHE.clear()
        g = unroll_cell(cell, T, hidden_size=H, input_size=D, output_size=V, activation=activation,
                        loss=loss, loss_at=loss_at, weighted=weighted)
        _CACHE[key] = (cell, derive_cell(g, truncation=truncation))   # the cell kept alive: id stays its own
    return _CACHE[key][1]


def symbolic_gradients(cell, params, xs, targets, state0=None, *, loss="cross_entropy", loss_at="all",
                       loss_weights=None, truncation=None, activation=None, digits: int = 30) -> CellGradients:
    """numeric.cells.bptt's result (dxs None) from the symbolic derivation (module docstring)."""
    prep = prepare(cell, params, xs, targets, state0, loss, loss_at, loss_weights)
    T, B, D = prep.xs.shape
    H, V = prep.sizes.get("H", 1), prep.sizes["V"]
    d = _derivation(prep.cell, T, H, D, V, activation or "tanh", loss, loss_at, loss_weights is not None,
                    truncation)
    g = d.graph
    per = []
    with mpmath.workdps(digits):
        for b in range(B):
            point = {}
            for n in prep.cell.params:
                point.update(zip(g.mat(n), prep.params[n].ravel().tolist()))
            for s in prep.cell.states:
                point.update(zip(g.mat(f"{s}0"), prep.state0[s][b].tolist()))
            for t in range(1, T + 1):
                point.update(zip(g.mat("x", t), prep.xs[t - 1, b].tolist()))
            for t in g.loss_steps:
                y = prep.targets[t - 1, b]
                yv = np.eye(V)[int(y)] if not LOSSES[loss].real_targets else np.asarray(y, np.float64)
                point.update(zip(g.mat("y", t), yv.tolist()))
                if loss_weights is not None:
                    point[g.weights[t]] = float(np.broadcast_to(np.asarray(loss_weights, np.float64).reshape(T, -1),
                                                                (T, B))[t - 1, b])
            vals = {s: mpmath.mpf(v) for s, v in point.items()}
            memo: dict = {}
            for defs in (g.definitions, d.adjoint_definitions()):
                for sym, rhs in defs.items():
                    vals[sym] = mp_eval(rhs, vals, memo)
            grads = {n: np.array([float(mp_eval(e, vals, memo)) for e in d.compact_matrix(n)])
                     for n in d.gradient_names}
            last = {s: np.array([float(vals[e]) for e in g.mat(s, T)]) for s in prep.cell.states}
            per.append((float(vals[g.total_loss]), grads, last))
    c = 1.0 / B if LOSSES[loss].scale_by_count else 1.0
    un = (lambda a: a) if prep.batched else (lambda a: a[0])
    grads = {n: c * sum(p[1][n] for p in per).reshape(prep.params[n].shape) for n in prep.cell.params}
    dstate0 = {s: un(c * np.stack([p[1][f"{s}0"] for p in per])) for s in prep.cell.states}
    # derive_cell differentiates the parameters and initial states only: no dxs (None)
    return CellGradients(c * sum(p[0] for p in per), grads, dstate0, None,
                         {s: un(np.stack([p[2][s] for p in per])) for s in prep.cell.states})
