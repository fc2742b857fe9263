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
from sympy.matrices.expressions.matexpr import MatrixExpr
from sympy.printing.pretty.stringpict import prettyForm

from .expr import Act, Add, Const, Had, MatVec, Ref, Scale, Sub
from .graph import CellGraph, pre_activation
from .vjp import ENTRIES, MATRIX, backprop, forward, resolve

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


# ---- matrix notation of one step: forward mode over the cell's expression trees ------------------
class Diag(MatrixExpr):
    """diag(v): the n x n diagonal matrix of a column v (n x 1); prints as ``diag(v)``."""

    def __new__(cls, v):
        return super().__new__(cls, v)

    @property
    def shape(self):
        return (self.args[0].shape[0], self.args[0].shape[0])

    def _sympystr(self, printer) -> str:
        return f"diag({printer._print(self.args[0])})"

    def _latex(self, printer) -> str:
        return f"\\operatorname{{diag}}\\left({printer._print(self.args[0])}\\right)"

    def _pretty(self, printer):
        return prettyForm(*prettyForm(*printer._print(self.args[0]).parens()).left("diag"))


def _mul(A, B):
    """A B with I dropped and diag(a) diag(b) = diag(a ⊙ b); None is the zero matrix."""
    if A is None or B is None:
        return None
    if isinstance(A, sp.Identity):
        return B
    if isinstance(B, sp.Identity):
        return A
    if isinstance(B, sp.MatMul) and not isinstance(B.args[0], MatrixExpr):     # c M: the number in front
        return B.args[0] * _mul(A, sp.MatMul(*B.args[1:]) if len(B.args) > 2 else B.args[1])
    if isinstance(A, Diag) and isinstance(B, Diag):
        return Diag(_had(A.args[0], B.args[0]))
    if isinstance(A, Diag) and isinstance(B, sp.MatMul) and isinstance(B.args[0], Diag):
        return sp.MatMul(_mul(A, B.args[0]), *B.args[1:])
    if isinstance(A, Diag) and isinstance(B, sp.MatAdd):
        return sp.MatAdd(*[_mul(A, b) for b in B.args])
    return sp.MatMul(A, *(B.args if isinstance(B, sp.MatMul) else (B,)))


def _had(a, b):
    """a ⊙ b, one flat product (⊙ is associative)."""
    flat = lambda e: list(e.args) if isinstance(e, sp.HadamardProduct) else [e]  # noqa: E731
    return sp.HadamardProduct(*flat(a), *flat(b))


def _add(parts):
    parts = [a for p in parts if p is not None for a in (p.args if isinstance(p, sp.MatAdd) else (p,))]
    return None if not parts else parts[0] if len(parts) == 1 else sp.MatAdd(*parts)


def step_notation(g: CellGraph, r: int, *, symbolic: bool = False) -> dict:
    """{(a, b): ∂a_r/∂b_{r−1}} in matrix notation (diag(·), ⊙; None where the block is zero).

    Names as derive/cells/notation.py (``f_2``, ``c_1``, ``W_hf``); ``symbolic``: step names
    ``f_r``, ``c_{r-1}`` (for reading; the shapes are step r's). Found by forward mode over
    each equation: d(W x) = W dx, d(a ⊙ b) = diag(b) da + diag(a) db, d f(a) = diag(f'(a)) da.
    """
    states = list(g.cell.states)
    step = (lambda t: "r" if t == r else "{r-1}") if symbolic else str

    def sym(name, t=None):
        shape = g.mat(name, t).shape
        return sp.MatrixSymbol(name if t is None else f"{name}_{step(t)}", *shape)

    def get(ref: Ref):
        if ref.kind == "param":
            return sym(ref.name)
        if ref.kind == "input":
            return sym("x", r)
        return sym(ref.name, r - 1 if ref.kind == "prev" else r)

    tangent: dict = {}
    memo: dict = {}
    val = lambda e: forward(e, MATRIX, get, g.activation, memo)  # noqa: E731

    def jvp(e, b):
        if isinstance(e, Ref):
            if e.kind == "prev":
                return sp.Identity(g.mat(b, 0).shape[0]) if e.name == b else None
            return tangent.get((e.name, b)) if e.kind in ("node", "state") else None
        if isinstance(e, Const):
            return None
        if isinstance(e, MatVec):
            return _mul(val(e.W), jvp(e.x, b))
        if isinstance(e, (Add, Sub)):
            db = jvp(e.b, b)
            return _add([jvp(e.a, b), db if isinstance(e, Add) or db is None else -db])
        if isinstance(e, Had):
            return _add([_mul(Diag(val(e.b)), jvp(e.a, b)), _mul(Diag(val(e.a)), jvp(e.b, b))])
        if isinstance(e, Scale):
            da = jvp(e.a, b)
            return None if da is None else sp.Rational(str(e.c)) * da
        if isinstance(e, Act):
            return _mul(Diag(MATRIX.deriv(resolve(e.f, g.activation), val(e))), jvp(e.a, b))
        raise TypeError(f"cannot differentiate {type(e).__name__}")

    for eq in g.cell.equations:
        memo[id(eq.expr)] = sym(eq.target, r)
        for b in states:
            tangent[(eq.target, b)] = jvp(eq.expr, b)
    return {(a, b): tangent[(a, b)] for a in states for b in states}


def explicit(e, g: CellGraph) -> Matrix:
    """The entries of a step-notation expression (names ``f_2``, ``W_hf``) over the graph's symbols."""
    if isinstance(e, sp.MatrixSymbol):
        base, _, t = e.name.rpartition("_")
        return g.mat(base, int(t)) if base and t.isdigit() and f"{base}{t}" in g._m else g.mat(e.name)
    if isinstance(e, Diag):
        return Matrix(sp.diag(*explicit(e.args[0], g)))
    if isinstance(e, sp.Identity):
        return Matrix(sp.eye(e.shape[0]))
    if isinstance(e, sp.MatMul):
        out = sp.Integer(1)
        for a in e.args:
            out = out * (explicit(a, g) if isinstance(a, MatrixExpr) else a)
        return Matrix(out)
    if isinstance(e, sp.MatAdd):
        parts = [explicit(a, g) for a in e.args]
        return Matrix(sum(parts[1:], parts[0]))
    if isinstance(e, sp.HadamardProduct):
        parts = [explicit(a, g) for a in e.args]
        out = parts[0]
        for p in parts[1:]:
            out = out.multiply_elementwise(p)
        return Matrix(out)
    if isinstance(e, sp.HadamardPower):
        return explicit(e.base, g).applyfunc(lambda v: v ** e.exp)
    if isinstance(e, sp.OneMatrix):
        return Matrix(sp.ones(*e.shape))
    from ..matrix_form import Applied
    if isinstance(e, Applied):
        name, arg = e.args[0].name, explicit(e.args[1], g)
        return ENTRIES.deriv(name[:-1], arg) if name.endswith("'") else ENTRIES.act(name, arg)
    raise TypeError(f"cannot make {e!r} explicit")


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
            D = explicit(_add(d_r), g)
            E = explicit(_add(e_r), g) if e_r else Matrix.zeros(*D.shape)
            if P is None:
                P, pure, rest = Jr, D, E
                continue
            other = sum((Matrix(cut(P, s, b) * cut(Jr, b, s)) for b in states if b != s), Matrix.zeros(*D.shape))
            rest = Matrix(rest * cut(Jr, s, s) + pure * E + other)
            pure, P = Matrix(pure * D), Matrix(P * Jr)
        out.append(Carousel(s, _add(diags), pure, rest))
    return out


def _cuts(g):
    states = list(g.cell.states)
    starts = np.cumsum([0] + [g.mat(s, 0).shape[0] for s in states])
    at = {s: (int(starts[i]), int(starts[i + 1])) for i, s in enumerate(states)}
    return lambda M, a, b: Matrix(M[at[a][0]:at[a][1], at[b][0]:at[b][1]])
