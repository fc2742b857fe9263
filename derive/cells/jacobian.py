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
from functools import cached_property

import numpy as np
import sympy as sp

from .graph import CellGraph, pre_activation
from .linearize import Diag, add_terms, explicit, step_notation
from .vjp import ENTRIES, backprop, forward, resolve

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
    return resolve(eq.expr.f, g.activation)


@dataclass(frozen=True)
class CellJacobian:
    """∂s_t/∂s_k: ``factors`` [(r, J_r)] latest first, their ``product``, block labels ``blocks``."""

    graph: CellGraph
    t: int
    k: int
    factors: list
    product: Matrix

    @cached_property
    def expanded(self) -> Matrix:
        """The product in parameters, initial states and inputs only."""
        return Matrix(self.graph.expand(self.product))

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


def step_matrix(g: CellGraph, r: int) -> Matrix:
    """J_r from its blocks in matrix notation made explicit (factored: diag(f_r ⊙ (1 − f_r)) W_hf
    reads f_r*(1 - f_r)*W_hf); equal to ``step_jacobian`` (the VJP route; a test compares them)."""
    states, blocks = list(g.cell.states), step_notation(g, r)
    size = {s: g.mat(s, 0).shape[0] for s in states}
    rows = [Matrix.hstack(*[Matrix.zeros(size[a], size[b]) if blocks[(a, b)] is None
                            else explicit(blocks[(a, b)], g) for b in states]) for a in states]
    return Matrix(Matrix.vstack(*rows))


def cell_jacobian(g: CellGraph, t: int, k: int) -> CellJacobian:
    """∂s_t/∂s_k for 0 <= k < t <= T (block matrix over the cell's states)."""
    for name, v in (("t", t), ("k", k)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise TypeError(f"{name} must be an integer; got {type(v).__name__} {v!r}.")
    if not 1 <= t <= g.T:
        raise ValueError(f"t must satisfy 1 <= t <= T = {g.T}; got t={t}.")
    if not 0 <= k < t:
        raise ValueError(f"k must satisfy 0 <= k < t = {t} (the product needs t > k); got k={k}.")
    factors = [(r, step_matrix(g, r)) for r in range(t, k, -1)]
    prod = factors[0][1]
    for _, J in factors[1:]:
        prod = Matrix(prod * J)
    return CellJacobian(g, int(t), int(k), factors, prod)


# ---- the direct (carousel) path of a state ------------------------------------------------------
@dataclass(frozen=True)
class Carousel:
    """The (s, s) block of ∂s_t/∂s_k split as ``pure`` = Π_r diag(d_r) (the direct path, ``direct``
    = d_r in step notation, e.g. f_r) plus ``remainder`` (every other path, e.g. through h)."""

    state: str
    direct: object
    pure: Matrix
    remainder: Matrix


def _direct(block):
    """The diag(·) summands of a step's self-block (the state's direct path), or None."""
    terms = list(block.args) if isinstance(block, sp.MatAdd) else [block]
    diags = [a for a in terms if isinstance(a, Diag)]
    return (diags, [a for a in terms if not isinstance(a, Diag)]) if diags else (None, terms)


def carousels(J: CellJacobian) -> list[Carousel]:
    """For each state whose step self-block has a diag(·) term (LSTM c: diag(f_r) exactly; GRU h:
    diag(z_r) plus the gates): that path's product and the rest, found block by block (no
    cancellation): with P = J_t ⋯ J_{r+1}, rest_r = rest_{r+1} J_ss + pure E_r + Σ_{b≠s} P_sb J_bs."""
    g, states, out = J.graph, list(J.graph.cell.states), []
    cut = _cuts(g)
    sym = step_notation(g, J.t, symbolic=True)
    for s in states:
        diags, _ = _direct(sym[(s, s)]) if sym[(s, s)] is not None else (None, None)
        if diags is None:
            continue
        P = pure = rest = None
        for r, Jr in J.factors:
            d_r, e_r = _direct(step_notation(g, r)[(s, s)])
            D = explicit(add_terms(d_r), g)
            E = explicit(add_terms(e_r), g) if e_r else Matrix.zeros(*D.shape)
            if P is None:
                P, pure, rest = Jr, D, E
                continue
            other = sum((Matrix(cut(P, s, b) * cut(Jr, b, s)) for b in states if b != s), Matrix.zeros(*D.shape))
            rest = Matrix(rest * cut(Jr, s, s) + pure * E + other)
            pure, P = Matrix(pure * D), Matrix(P * Jr)
        out.append(Carousel(s, add_terms(diags), pure, rest))
    return out


def _cuts(g):
    states = list(g.cell.states)
    starts = np.cumsum([0] + [g.mat(s, 0).shape[0] for s in states])
    at = {s: (int(starts[i]), int(starts[i + 1])) for i, s in enumerate(states)}
    return lambda M, a, b: Matrix(M[at[a][0]:at[a][1], at[b][0]:at[b][1]])
