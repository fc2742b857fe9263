"""Small column-vector algebra on ImmutableMatrix entries, built with one Add per entry.

SymPy's Matrix arithmetic goes through its DomainMatrix machinery and re-flattens sums as
they grow (summing T matrices one by one is quadratic in T). These helpers build each entry
with a single ``Add``/``Mul``, which keeps the derivation linear in T.
"""

from __future__ import annotations

from typing import Sequence

import sympy as sp

Matrix = sp.ImmutableMatrix


def _new(rows: int, cols: int, entries: list) -> Matrix:
    return Matrix._new(rows, cols, entries)


def add(ms: Sequence[Matrix], shape: tuple[int, int]) -> Matrix:
    """Σ of matrices of one shape (zeros of ``shape`` for an empty list)."""
    rows, cols = shape
    if not ms:
        return _new(rows, cols, [sp.S.Zero] * (rows * cols))
    if len(ms) == 1:
        return ms[0]
    return _new(rows, cols, [sp.Add(*[m[k] for m in ms]) for k in range(rows * cols)])


def matT_vec(M: Matrix, v: Matrix) -> Matrix:
    """Mᵀ v for M (r, c) and v (r, 1): a (c, 1) column."""
    r, c = M.shape
    return _new(c, 1, [sp.Add(*[M[j, i] * v[j] for j in range(r)]) for i in range(c)])


def mat_vec(M: Matrix, v: Matrix) -> Matrix:
    """M v for M (r, c) and v (c, 1): an (r, 1) column."""
    r, c = M.shape
    return _new(r, 1, [sp.Add(*[M[i, j] * v[j] for j in range(c)]) for i in range(r)])


def hadamard(u: Matrix, v: Matrix) -> Matrix:
    """u ⊙ v, entry by entry."""
    return _new(u.shape[0], u.shape[1], [a * b for a, b in zip(u, v)])


def outer(u: Matrix, v: Matrix) -> Matrix:
    """u vᵀ for columns u (r, 1) and v (c, 1): (r, c)."""
    return _new(len(u), len(v), [a * b for a in u for b in v])


def scale(m: Matrix, c: sp.Expr) -> Matrix:
    """c m (c a scalar expression)."""
    return m if c == 1 else _new(m.shape[0], m.shape[1], [c * a for a in m])
