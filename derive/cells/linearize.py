"""One step's state Jacobian in matrix notation: forward mode over the cell's expression trees.

``step_notation(g, r)`` gives each block ∂a_r/∂b_{r−1} as a SymPy matrix expression in the
names of derive/cells/notation.py (``f_2``, ``c_1``, ``W_hf``) with ``diag(v)`` (``Diag``):

    d(W x) = W dx,   d(a ⊙ b) = diag(b) da + diag(a) db,   d f(a) = diag(f'(a)) da,

f' written from the output by the rules table (σ: f ⊙ (1 − f)); diag(a) diag(b) = diag(a ⊙ b),
I dropped. ``explicit`` turns such an expression into entries over the graph's symbols.
"""

from __future__ import annotations

import sympy as sp
from sympy.matrices.expressions.matexpr import MatrixExpr
from sympy.printing.pretty.stringpict import prettyForm

from .expr import Act, Add, Const, Had, MatVec, Ref, Scale, Sub, refs
from .graph import CellGraph
from .vjp import ENTRIES, MATRIX, forward, resolve

Matrix = sp.ImmutableMatrix


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


def add_terms(parts):
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
    letters = {ref.name: ref.shape for eq in g.cell.equations for ref in refs(eq.expr)}
    letters.update({s: (d,) for s, d in g.cell.states.items()})

    def shape(name, t):
        if not symbolic:                 # symbolic: the letters H, D, V (no 1 x 1 simplification)
            return g.mat(name, t).shape
        dims = [sp.Symbol(d) for d in letters.get(name, ("H",))]
        return (dims[0], dims[1] if len(dims) > 1 else 1)

    def sym(name, t=None):
        return sp.MatrixSymbol(name if t is None else f"{name}_{step(t)}", *shape(name, t))

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
                return sp.Identity(shape(b, 0)[0]) if e.name == b else None
            return tangent.get((e.name, b)) if e.kind in ("node", "state") else None
        if isinstance(e, Const):
            return None
        if isinstance(e, MatVec):
            return _mul(val(e.W), jvp(e.x, b))
        if isinstance(e, (Add, Sub)):
            db = jvp(e.b, b)
            return add_terms([jvp(e.a, b), db if isinstance(e, Add) or db is None else -db])
        if isinstance(e, Had):
            return add_terms([_mul(Diag(val(e.b)), jvp(e.a, b)), _mul(Diag(val(e.a)), jvp(e.b, b))])
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
