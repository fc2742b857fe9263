"""The NumPy printer of the code generator: SymPy expressions in, batched NumPy source out.

A thin layer over ``sympy.printing.numpy.NumPyPrinter`` (its function-name table does the
elementwise work). What it adds is the *row layout* of the engine: a matrix expression is
written with one sample per row, so ``h_prev W_hhᵀ`` prints as ``h_prev @ W_hh.T``; a column
of ones times a bias row is NumPy broadcasting (``+ b_h``); a row of ones times a matrix is
the sum over the rows (``numpy.sum(da, axis=0)``). Two reductions over the last axis,
``RowSum`` and ``RowMax``, let loss rules that sum over the outputs of one step act on a whole
stack of steps at once.

Like SymPy's printers, the special cases are table entries (``_print_<Class>`` methods), not
branches spread through the generator.
"""

from __future__ import annotations

import sympy as sp
from sympy.printing.numpy import NumPyPrinter


class RowSum(sp.Function):
    """Σ_v x[..., v], kept as a trailing axis of length 1 so it broadcasts against x."""

    nargs = 1


class RowMax(sp.Function):
    """max_v x[..., v], kept as a trailing axis of length 1 (the log-sum-exp shift)."""

    nargs = 1


class BatchedNumPyPrinter(NumPyPrinter):
    """NumPyPrinter for row-layout (one sample per row) batched code; see the module doc."""

    def __init__(self, settings=None):
        super().__init__(settings or {})

    # ---- matrices in row layout ------------------------------------------------------------
    def _print_MatMul(self, expr):
        args = list(expr.args)
        if args and isinstance(args[0], sp.OneMatrix) and args[0].shape[0] == 1:
            # 1ᵀ M: the sum over the samples (rows) of M
            return f"{self._module_format('numpy.sum')}({self._print(sp.MatMul(*args[1:]))}, axis=0)"
        if args and isinstance(args[0], sp.OneMatrix) and args[0].shape[1] == 1:
            # 1 b: the bias row repeated for every sample is NumPy broadcasting
            return self._print(sp.MatMul(*args[1:]) if len(args) > 2 else args[1])
        return " @ ".join(self.parenthesize(a, 50) for a in args)

    def _print_MatAdd(self, expr):
        return " + ".join(self._print(a) for a in _ordered_terms(expr))

    def _print_Transpose(self, expr):
        return f"{self.parenthesize(expr.arg, 60)}.T"

    def _print_MatrixSymbol(self, expr):
        return expr.name

    # ---- elementwise ---------------------------------------------------------------------
    def _print_Pow(self, expr, rational=False):
        if expr.exp == -1:
            return f"1/{self.parenthesize(expr.base, 60)}"
        return super()._print_Pow(expr, rational=rational)

    def _print_Piecewise(self, expr):
        # Two branches (value, condition), (otherwise, True): numpy.where, or numpy.maximum
        # for the max pattern (x, x > y), (y, True) that relu's value is written as.
        if len(expr.args) == 2 and expr.args[1].cond == sp.true:
            (x, cond), (y, _) = expr.args
            if isinstance(cond, sp.StrictGreaterThan) and (cond.lhs, cond.rhs) == (x, y):
                return f"{self._module_format('numpy.maximum')}({self._print(x)}, {self._print(y)})"
            return (f"{self._module_format('numpy.where')}({self._print(cond)}, "
                    f"{self._print(x)}, {self._print(y)})")
        return super()._print_Piecewise(expr)

    # ---- reductions over the outputs of one step -------------------------------------------
    def _print_RowSum(self, expr):
        return f"{self._module_format('numpy.sum')}({self._print(expr.args[0])}, axis=-1, keepdims=True)"

    def _print_RowMax(self, expr):
        return f"{self._module_format('numpy.max')}({self._print(expr.args[0])}, axis=-1, keepdims=True)"


def _ordered_terms(expr: sp.MatAdd) -> list:
    """Terms of a matrix sum in a stable, readable order: products first, then the rest."""
    return sorted(expr.args, key=lambda a: (not isinstance(a, sp.MatMul), sp.default_sort_key(a)))


def print_expr(expr) -> str:
    """One expression as NumPy source (fully qualified ``numpy.`` names)."""
    return BatchedNumPyPrinter().doprint(expr)


def is_product(expr) -> bool:
    """A product of exactly two matrices (no ones-vector): printable as numpy.matmul(A, B, out=...)."""
    return (isinstance(expr, sp.MatMul) and len(expr.args) == 2
            and not any(isinstance(a, sp.OneMatrix) for a in expr.args))


def takes_out(expr) -> bool:
    """Whether the printed function of ``expr`` gets an ``out=None`` buffer argument."""
    return is_product(expr) or (isinstance(expr, sp.MatAdd) and len(expr.args) > 1
                                and is_product(_ordered_terms(expr)[0]))


def print_accumulate(expr, name: str) -> list[str]:
    """A product, or a sum of matrix terms led by one, as statements that write into ``name``.

    ``name = numpy.matmul(A, B, out=name)`` then ``name += t_i`` for the other terms: the
    caller may pass a buffer (``out=``) and nothing else is allocated, as a careful
    hand-written ``numpy.matmul(x, W.T, out=a); a += b`` does.
    """
    terms = _ordered_terms(expr) if isinstance(expr, sp.MatAdd) else [expr]
    printer = BatchedNumPyPrinter()
    A, B = terms[0].args
    first = (f"{name} = {printer._module_format('numpy.matmul')}({printer.parenthesize(A, 60)}, "
             f"{printer.parenthesize(B, 60)}, out={name})")
    return [first] + [f"{name} += {printer.doprint(t)}" for t in terms[1:]]
