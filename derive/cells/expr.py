"""The expression language of one cell step: references, ⊙, +, −, scalars, W x, activations.

A cell's equations are trees of these nodes, built with Python operators on references
(``W @ x`` matrix–vector product, ``a * b`` Hadamard product ⊙, ``2 * a`` or ``-a`` a scalar
multiple, ``1 - z`` a scalar broadcast to the shape of ``z``, ``a + b``, ``a - b``) and the
rules-table activations (``tanh(e)``, ``sigmoid(e)``, ``relu(e)``, ``identity(e)``; ``act(e)``
is the activation chosen when the cell is unrolled, ``--activation``). Nothing is evaluated
here: the trees are data, read by the forward evaluation and the VJP table (derive/cells/vjp.py).

Shapes are tuples of dimension letters: ("H", "D") for a matrix, ("H",) for a column vector.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

from numeric.rules import ACTIVATIONS

CHOSEN = "f"  # act(e): the activation given to unroll (--activation), elman's and jordan's f


class Expr:
    """Base of every node of a step's equations; the operators build larger trees."""

    def __add__(self, other): return Add(self, lift(other))
    def __radd__(self, other): return Add(lift(other), self)
    def __sub__(self, other): return Sub(self, lift(other))
    def __rsub__(self, other): return Sub(lift(other), self)
    def __neg__(self): return Scale(-1, self)

    def __mul__(self, other):
        return Scale(other, self) if _is_number(other) else Had(self, lift(other))

    def __rmul__(self, other):
        return Scale(other, self) if _is_number(other) else Had(lift(other), self)

    def __matmul__(self, other):
        return MatVec(self, lift(other))

    def __truediv__(self, other):
        if _is_number(other):
            return Scale(1 / other if isinstance(other, float) else _rational(1, other), self)
        raise TypeError(f"a cell expression can only be divided by a number; got {other!r}.")

    def __bool__(self):
        raise TypeError("a cell expression has no truth value (use it in an equation, not in `if`).")


@dataclass(frozen=True, eq=False)
class Ref(Expr):
    """A named value: kind "param", "input" (x_t), "prev" (a state at t−1), "node" or "state" (at t)."""

    name: str
    kind: str
    shape: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.name}_prev" if self.kind == "prev" else ("x" if self.kind == "input" else self.name)


@dataclass(frozen=True, eq=False)
class Const(Expr):
    """A number, broadcast to the shape of the other operand of + or −."""

    value: object

    def __str__(self) -> str:
        return str(self.value)


@dataclass(frozen=True, eq=False)
class MatVec(Expr):
    W: Expr
    x: Expr

    def __str__(self) -> str:
        return f"{self.W} @ {self.x if isinstance(self.x, (Ref, Act)) else f'({self.x})'}"


@dataclass(frozen=True, eq=False)
class Add(Expr):
    a: Expr
    b: Expr

    def __str__(self) -> str:
        return f"{self.a} + {self.b}"


@dataclass(frozen=True, eq=False)
class Sub(Expr):
    a: Expr
    b: Expr

    def __str__(self) -> str:
        return f"{self.a} - {_p(self.b)}"


@dataclass(frozen=True, eq=False)
class Had(Expr):
    a: Expr
    b: Expr

    def __str__(self) -> str:
        return f"{_p(self.a)} ⊙ {_p(self.b)}"


@dataclass(frozen=True, eq=False)
class Scale(Expr):
    c: object
    a: Expr

    def __str__(self) -> str:
        return f"-{_p(self.a)}" if self.c == -1 else f"{self.c}*{_p(self.a)}"


@dataclass(frozen=True, eq=False)
class Act(Expr):
    """An activation of the rules table (``f`` = the one chosen at unroll time) applied entry-wise."""

    f: str
    a: Expr

    def __str__(self) -> str:
        return f"{self.f}({self.a})"


def _p(e: Expr) -> str:
    return f"({e})" if isinstance(e, (Add, Sub)) else str(e)


def _is_number(v) -> bool:
    return isinstance(v, numbers.Number) and not isinstance(v, bool)


def _rational(p, q):
    import fractions
    return fractions.Fraction(p, q)


def lift(v) -> Expr:
    """An Expr as is; a Python number as a Const; anything else is refused."""
    if isinstance(v, Expr):
        return v
    if _is_number(v):
        return Const(v)
    raise TypeError(f"a cell expression takes references, numbers and activations; got {type(v).__name__} {v!r}.")


def _activation(name: str):
    def apply(e) -> Act:
        return Act(name, lift(e))
    apply.__name__ = name
    apply.__doc__ = f"{name}(e), entry by entry (numeric/rules.py ACTIVATIONS[{name!r}])."
    return apply


FUNCTIONS = {name: _activation(name) for name in ACTIVATIONS}   # one per rules-table entry
tanh = FUNCTIONS["tanh"]
sigmoid = FUNCTIONS["sigmoid"]
relu = FUNCTIONS["relu"]
identity = FUNCTIONS["identity"]


def act(e, name: str | None = None) -> Act:
    """``act(e)``: the activation chosen at unroll time (f); ``act(e, "tanh")``: a named one."""
    if name is not None and name not in ACTIVATIONS:
        raise ValueError(f"activation={name!r} is not known; choose one of {sorted(ACTIVATIONS)}.")
    return Act(CHOSEN if name is None else name, lift(e))


def children(e: Expr) -> tuple[Expr, ...]:
    """The operands of a node (none for Ref and Const)."""
    if isinstance(e, (MatVec,)):
        return (e.W, e.x)
    if isinstance(e, (Add, Sub, Had)):
        return (e.a, e.b)
    if isinstance(e, (Scale, Act)):
        return (e.a,)
    return ()


def refs(e: Expr) -> list[Ref]:
    """Every reference in ``e``, left to right."""
    if isinstance(e, Ref):
        return [e]
    return [r for c in children(e) for r in refs(c)]
