"""The vector–Jacobian rules of the cell language, as a table, and the two backends it runs on.

One entry per operation (docs/cells/own-cell.md): for ȳ = ∂L/∂y,

    y = W x      W̄ += ȳ xᵀ          x̄ += Wᵀ ȳ
    y = a + b    ā += ȳ             b̄ += ȳ
    y = a − b    ā += ȳ             b̄ += −ȳ
    y = a ⊙ b    ā += ȳ ⊙ b         b̄ += ȳ ⊙ a
    y = c a      ā += c ȳ                                   (c a number)
    y = f(a)     ā += ȳ ⊙ f'(a)     f' from the rules table, written from the output y

The same table runs on two backends (an ``ops`` object, like the rules table's ``ns``):
``ENTRIES`` builds ImmutableMatrix entries over the graph's symbols (derive/linalg.py, one
``Add`` per entry, linear in T); ``MATRIX`` builds MatrixSymbol expressions with ⊙ and ᵀ,
the matrix notation a textbook prints. ``forward`` evaluates a step's expression, ``backprop``
applies the table in reverse from a seed ȳ and reports each reference's contribution.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Callable

import sympy as sp
from sympy.core.parameters import global_parameters

from numeric.rules import ACTIVATIONS

from ..graph import activation_entries, deriv_entries
from ..linalg import _new, add, hadamard, instantiate, mat_vec, matT_vec, outer, plain_symbols, scale
from ..matrix_form import Applied
from .expr import CHOSEN, Act, Add, Const, Expr, Had, MatVec, Ref, Scale, Sub

Matrix = sp.ImmutableMatrix

# ---- the table: (ops, node e, seed ȳ, forward values val) -> [(operand, its contribution)] -----
VJP: dict[type, Callable] = {
    MatVec: lambda ops, e, g, val: [(e.W, ops.outer(g, val(e.x))), (e.x, ops.matT_vec(val(e.W), g))],
    Add:    lambda ops, e, g, val: [(e.a, g), (e.b, g)],
    Sub:    lambda ops, e, g, val: [(e.a, g), (e.b, ops.neg(g))],
    Had:    lambda ops, e, g, val: [(e.a, ops.had(g, val(e.b))), (e.b, ops.had(g, val(e.a)))],
    Scale:  lambda ops, e, g, val: [(e.a, ops.scale(g, e.c))],
    Act:    lambda ops, e, g, val: [(e.a, ops.had(g, ops.deriv(e.f, val(e))))],
    Const:  lambda ops, e, g, val: [],
}


# ---- backend 1: entries over the graph's symbols ------------------------------------------------
def _num(c):
    return sp.Rational(c.numerator, c.denominator) if hasattr(c, "numerator") and not isinstance(c, int) \
        else sp.sympify(c)


ENTRIES = SimpleNamespace(
    matvec=mat_vec, matT_vec=matT_vec, outer=outer, had=hadamard,
    add=lambda parts, like: add(parts, like.shape),
    neg=lambda a: scale(a, sp.Integer(-1)),
    scale=lambda a, c: scale(a, _num(c)),
    const=lambda c, like: Matrix._new(like.shape[0], like.shape[1], [_num(c)] * len(like)),
    act=activation_entries, deriv=lambda name, h: _deriv_entries(name, h),
    zero=lambda shape: add([], shape),
)

_DERIV_TEMPLATES: dict = {}


def _deriv_entries(name: str, h: Matrix) -> Matrix:
    """``deriv_entries(name, h)``; for a column of node symbols (the gates' h) by renaming the
    rule's expression over one placeholder (``instantiate``), not re-running SymPy's flatten."""
    if not plain_symbols(h):
        return deriv_entries(name, h)
    if name not in _DERIV_TEMPLATES:
        P = sp.Symbol("h#")
        _DERIV_TEMPLATES[name] = (P, deriv_entries(name, Matrix([[P]]))[0])
    P, tree = _DERIV_TEMPLATES[name]
    return _new(h.shape[0], h.shape[1], [instantiate(tree, {P: v}) for v in h])


# ---- backend 2: matrix notation ----------------------------------------------------------------------
class _Elementwise:
    """A column expression under the rules table's scalar operators (·, 1 − ·, ·**n) as ⊙ ones."""

    def __init__(self, m):
        self.m = m

    def __mul__(self, other):
        return _Elementwise(sp.HadamardProduct(self.m, _unwrap(other, self.m)))

    __rmul__ = __mul__

    def __rsub__(self, other):
        return _Elementwise(sp.MatAdd(_unwrap(other, self.m), -self.m))

    def __pow__(self, n):
        return _Elementwise(sp.OneMatrix(*self.m.shape) if n == 0 else sp.HadamardPower(self.m, n))

    def __gt__(self, other):
        raise TypeError("no elementwise comparison in matrix notation")


def _unwrap(v, like):
    if isinstance(v, _Elementwise):
        return v.m
    return v * sp.OneMatrix(*like.shape) if v != 1 else sp.OneMatrix(*like.shape)


def _matrix_deriv(name: str, y):
    if not isinstance(y, sp.MatrixSymbol) or not global_parameters.evaluate:
        return _matrix_deriv_of(name, y)
    # a node's symbol (i_2, g_3): the rule's tree over a placeholder of its shape, built once;
    # xreplace keeps the tree (MatAdd, HadamardProduct are unevaluated), one name for another
    key = (name, y.shape)
    if key not in _DERIVS:
        Y = sp.MatrixSymbol("y#", *y.shape)
        _DERIVS[key] = (Y, _matrix_deriv_of(name, Y))
    Y, tree = _DERIVS[key]
    return tree.xreplace({Y: y})


_DERIVS: dict = {}


def _matrix_deriv_of(name: str, y):
    try:
        return ACTIVATIONS[name].deriv(None, _Elementwise(y)).m
    except (TypeError, AttributeError):   # relu's where(): the step function, printed as relu'(·)
        return Applied(f"{name}'", y)


def _matrix_add(parts, like):
    parts = [p for p in parts if not isinstance(p, sp.ZeroMatrix)]
    if not parts:
        return sp.ZeroMatrix(*like.shape)
    return parts[0] if len(parts) == 1 else sp.MatAdd(*parts)


_TRANSPOSED: dict = {}   # Wᵀ of each parameter, built once (the same Transpose every step)


def _transposed(W):
    if not isinstance(W, sp.MatrixSymbol):
        return W.T
    if W not in _TRANSPOSED:
        _TRANSPOSED[W] = W.T
    return _TRANSPOSED[W]


MATRIX = SimpleNamespace(
    matvec=lambda W, x: sp.MatMul(W, x), matT_vec=lambda W, v: sp.MatMul(_transposed(W), v),
    outer=lambda u, v: sp.MatMul(u, v.T if isinstance(v, sp.MatrixSymbol) else sp.Transpose(v)), had=lambda a, b: sp.HadamardProduct(a, b),
    add=_matrix_add, neg=lambda a: -a, scale=lambda a, c: _num(c) * a,
    const=lambda c, like: _num(c) * sp.OneMatrix(*like.shape) if c != 1 else sp.OneMatrix(*like.shape),
    act=lambda name, a: Applied(name, a), deriv=_matrix_deriv,
    zero=lambda shape: sp.ZeroMatrix(*shape),
)


# ---- evaluation ----------------------------------------------------------------------------------------
def forward(e: Expr, ops, lookup: Callable[[Ref], object], activation: str, memo: dict) -> object:
    """The value of ``e`` on backend ``ops``; ``lookup(ref)`` gives each reference's value."""
    key = id(e)
    if key in memo:
        return memo[key]
    ev = lambda s: forward(s, ops, lookup, activation, memo)  # noqa: E731
    if isinstance(e, Ref):
        out = lookup(e)
    elif isinstance(e, MatVec):
        out = ops.matvec(ev(e.W), ev(e.x))
    elif isinstance(e, (Add, Sub)):
        a, b = (_operand(s, other, ops, ev) for s, other in ((e.a, e.b), (e.b, e.a)))
        out = ops.add([a, b if isinstance(e, Add) else ops.neg(b)], a)
    elif isinstance(e, Had):
        out = ops.had(ev(e.a), ev(e.b))
    elif isinstance(e, Scale):
        out = ops.scale(ev(e.a), e.c)
    elif isinstance(e, Act):
        out = ops.act(resolve(e.f, activation), ev(e.a))
    else:
        raise TypeError(f"cannot evaluate {type(e).__name__}")
    memo[key] = out
    return out


def _operand(s: Expr, other: Expr, ops, ev):
    return ops.const(s.value, ev(other)) if isinstance(s, Const) else ev(s)


def resolve(f: str, activation: str) -> str:
    """The rules-table name of an Act's function (``f``: the activation chosen at unroll time)."""
    return activation if f == CHOSEN else f


def backprop(e: Expr, seed, ops, val: Callable[[Expr], object], activation: str,
             emit: Callable[[Ref, object], None]) -> None:
    """Apply the VJP table from ȳ = ``seed`` at ``e`` down to its references (``emit(ref, ā)``)."""
    if isinstance(e, Ref):
        emit(e, seed)
        return
    rule_ops = ops if not isinstance(e, Act) else _with_activation(ops, activation)
    for operand, g in VJP[type(e)](rule_ops, e, seed, val):
        if not isinstance(operand, Const):
            backprop(operand, g, ops, val, activation, emit)


def _with_activation(ops, activation: str):
    return SimpleNamespace(had=ops.had, deriv=lambda f, y: ops.deriv(resolve(f, activation), y))
