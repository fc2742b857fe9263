"""∂s_t/∂s_k for any cell: the block matrix of its states, and a norm bound.

s_t stacks the cell's states (LSTM: [h_t; c_t]). One step's Jacobian J_r = ∂s_r/∂s_{r−1} is
found with the same VJP table: ȳ = a unit vector on one state entry at r, swept back through
step r's equations, gives one row (node symbols kept, so each block is small). Then

    ∂s_t/∂s_k = J_t J_{t−1} ⋯ J_{k+1},      ‖∂s_t/∂s_k‖ <= Π_r ‖J_r‖   (any induced norm)

For the LSTM the (c, c) block of J_r is diag(f_r) exactly — the constant error carousel: the
gates read h_{r−1}, not c_{r−1}, so the only path from c_{r−1} to c_r is f_r ⊙ c_{r−1}; in the
product the (c, c) block is Π diag(f_r) plus the terms through h, and with f ≈ 1 it need not vanish.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy as sp

from .graph import CellGraph, pre_activation
from .vjp import ENTRIES, backprop, forward

Matrix = sp.ImmutableMatrix


def step_jacobian(g: CellGraph, r: int) -> Matrix:
    """J_r = ∂s_r/∂s_{r−1}, rows and columns in the order of ``g.cell.states``, over node symbols."""
    states = list(g.cell.states)
    rows = []
    for a in states:
        for i in range(g.mat(a, r).shape[0]):
            rows.append(_row(g, r, a, i, states))
    return Matrix(rows)


def _row(g: CellGraph, r: int, target: str, i: int, states) -> list:
    acc: dict[str, list] = {}
    like = g.mat(target, r)
    acc[target] = [Matrix(like.shape[0], 1, [1 if k == i else 0 for k in range(like.shape[0])])]
    prev: dict[str, list] = {s: [] for s in states}
    get = g.lookup(r)
    memo: dict = {}
    val = lambda e: forward(e, ENTRIES, get, g.activation, memo)  # noqa: E731

    def emit(ref, contribution):
        if ref.kind == "prev":
            prev[ref.name].append(contribution)
        elif ref.kind in ("node", "state"):
            acc.setdefault(ref.name, []).append(contribution)

    for eq in reversed(g.cell.equations):
        parts = acc.pop(eq.target, [])
        if not parts:
            continue
        seed = ENTRIES.add(parts, g.mat(eq.target, r))
        memo[id(eq.expr)] = g.mat(eq.target, r)
        if pre_activation(eq):
            seed = ENTRIES.had(seed, ENTRIES.deriv(_f(eq, g), g.mat(eq.target, r)))
            backprop(eq.expr.a, seed, ENTRIES, val, g.activation, emit)
        else:
            backprop(eq.expr, seed, ENTRIES, val, g.activation, emit)
    out = []
    for s in states:
        col = ENTRIES.add(prev[s], g.mat(s, r - 1))
        out += [sp.expand(v) if v.is_polynomial() else v for v in col]
    return out


def _f(eq, g):
    from .vjp import resolve
    return resolve(eq.expr.f, g.activation)


@dataclass(frozen=True)
class CellJacobian:
    """∂s_t/∂s_k: ``factors`` [(r, J_r)] latest first, their ``product``, block labels ``blocks``."""

    graph: CellGraph
    t: int
    k: int
    factors: list
    product: Matrix

    @property
    def blocks(self) -> dict[tuple[str, str], Matrix]:
        """{(a, b): ∂a_t/∂b_k} cut from the product."""
        g, out, states = self.graph, {}, list(self.graph.cell.states)
        sizes = [g.mat(s, 0).shape[0] for s in states]
        starts = np.cumsum([0] + sizes)
        for ia, a in enumerate(states):
            for ib, b in enumerate(states):
                out[(a, b)] = Matrix(self.product[starts[ia]:starts[ia + 1], starts[ib]:starts[ib + 1]])
        return out

    def bound_at(self, values: dict, *, norm=2) -> tuple[float, float]:
        """(‖∂s_t/∂s_k‖, Π_r ‖J_r‖) at leaf ``values`` ({Symbol: number}), in float64."""
        g = self.graph
        vals = dict(values)
        for sym, rhs in g.definitions.items():
            vals[sym] = sp.N(rhs.xreplace(vals), 30)
        num = lambda m: np.array(m.xreplace(vals).evalf(30), dtype=np.float64)  # noqa: E731
        lhs = float(np.linalg.norm(num(self.product), norm))
        rhs = float(np.prod([np.linalg.norm(num(J), norm) for _, J in self.factors]))
        return lhs, rhs


def cell_jacobian(g: CellGraph, t: int, k: int) -> CellJacobian:
    """∂s_t/∂s_k for 0 <= k < t <= T (block matrix over the cell's states)."""
    for name, v in (("t", t), ("k", k)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise TypeError(f"{name} must be an integer; got {type(v).__name__} {v!r}.")
    if not 1 <= t <= g.T:
        raise ValueError(f"t must satisfy 1 <= t <= T = {g.T}; got t={t}.")
    if not 0 <= k < t:
        raise ValueError(f"k must satisfy 0 <= k < t = {t} (the product needs t > k); got k={k}.")
    factors = [(r, step_jacobian(g, r)) for r in range(t, k, -1)]
    prod = factors[0][1]
    for _, J in factors[1:]:
        prod = Matrix(prod * J)
    return CellJacobian(g, int(t), int(k), factors, prod)
