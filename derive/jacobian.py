"""Symbolic Jacobian products ∂h_t/∂h_k and the article's vanishing/exploding bound.

For t > k (docs/derivation.md (11)-(13)), latest step on the left::

    ∂h_t/∂h_k = diag(f'(a_t)) W_hh · diag(f'(a_{t-1})) W_hh ⋯ diag(f'(a_{k+1})) W_hh      (11)
    ‖∂h_t/∂h_k‖ <= (γ ‖W_hh‖)^(t-k),   γ = sup |f'|  (1: tanh, relu, identity; 1/4: sigmoid)  (12)
    ‖∂L_t/∂h_k‖ <= ‖∂L_t/∂h_t‖ (γ ‖W_hhᵀ‖)^(t-k)                                           (13)

(12) holds for any induced norm because ‖diag(f')‖ = max |f'| <= γ for the 1-, 2- and
∞-norms and norms are sub-multiplicative; (13) applies (12) to the transposed product
∂L_t/∂h_k = (∂h_t/∂h_k)ᵀ ∂L_t/∂h_t, whence ‖W_hhᵀ‖ (the same number for the spectral norm).
γ comes from the rules table (numeric/rules.py).

    >>> J = jacobian_product(unroll(3), 3, 1)
    >>> J.product
    W_hh**2*(1 - h2**2)*(1 - h3**2)
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import sympy as sp
from sympy.matrices.expressions.matexpr import MatrixExpr

from numeric.rules import ACTIVATIONS, NORMS
from numeric.validate import check_choice

from .evaluate import resolve_values
from .graph import Matrix, Unrolled, deriv_entries
from .matrix_form import Applied
from .printing.jacobian import jacobian_latex, jacobian_text




class Diag(MatrixExpr):
    """diag(v) of a column expression v, printed as such."""

    def __new__(cls, arg: MatrixExpr):
        return super().__new__(cls, arg)

    @property
    def shape(self):
        return (self.args[0].shape[0], self.args[0].shape[0])

    def _sympystr(self, printer) -> str:
        return f"diag({printer._print(self.args[0])})"

    def _latex(self, printer) -> str:
        return f"\\operatorname{{diag}}\\left({printer._print(self.args[0])}\\right)"

    def _pretty(self, printer):
        from sympy.printing.pretty.stringpict import prettyForm
        return prettyForm(*prettyForm(*printer._print(self.args[0]).parens()).left("diag"))


@dataclass(frozen=True)
class BoundCheck:
    """Numbers at one point: ‖∂h_t/∂h_k‖, the bound (γ‖W_hh‖)^(t-k), and whether it holds."""

    norm: float
    bound: float
    holds: bool


class JacobianProduct:
    """∂h_t/∂h_k of one graph; build it with ``jacobian_product``.

    Attributes:
      t, k: the steps (t > k >= 0); norm: "2" (spectral), "1" or "inf".
      factors: [(r, diag(f'(a_r)) W_hh)] for r = t, t-1, ..., k+1, over node symbols.
      product: their product (scalar case: a number expression; else an (H, H) Matrix).
      matrix: the product in matrix notation, diag(f'(a_t))*W_hh*...; gamma: sup |f'|.
      bound: (γ ‖W_hh‖)^(t-k) with ‖W_hh‖ a symbol ``norm_W_hh`` (scalar case: Abs(W_hh)).
      loss_bound: ‖∂L_t/∂h_t‖ (γ ‖W_hhᵀ‖)^(t-k), with symbols ``norm_dL_dh`` and ``norm_W_hhT``.
    """

    def __init__(self, u: Unrolled, t: int, k: int, norm: str) -> None:
        self.unrolled, self.t, self.k, self.norm = u, t, k, norm
        self.norm_name = NORMS[norm][0]                   # the norm's name, as printed
        W = u.mat("W_hh")
        self._factors = [(r, Matrix(sp.diag(*deriv_entries(u.activation, u.mat("h", r))) * W))
                         for r in range(t, k, -1)]
        prod = self._factors[0][1]
        for _, f in self._factors[1:]:
            prod = Matrix(prod * f)
        self._product = prod
        num, den = ACTIVATIONS[u.activation].gamma
        self.gamma = sp.Rational(num, den)
        n = t - k
        if u.scalar:
            self.norm_W = self.norm_WT = sp.Abs(u.mat("W_hh")[0])
        else:
            self.norm_W, self.norm_WT = sp.Symbol("norm_W_hh"), sp.Symbol("norm_W_hhT")
        self.bound = (self.gamma * self.norm_W) ** n
        self.norm_dL_dh = sp.Symbol("norm_dL_dh")
        self.loss_bound = self.norm_dL_dh * (self.gamma * self.norm_WT) ** n

    @property
    def factors(self) -> list[tuple[int, Any]]:
        return [(r, self.unrolled.public(f)) for r, f in self._factors]

    @property
    def product(self) -> Any:
        return self.unrolled.public(self._product)

    @cached_property
    def matrix(self) -> MatrixExpr:
        H = self.unrolled.hidden_size
        W = sp.MatrixSymbol("W_hh", H, H)
        args = []
        for r, _ in self._factors:
            args += [Diag(Applied("f'", sp.MatrixSymbol(f"a_{r}", H, 1))), W]
        return sp.MatMul(*args, evaluate=False)

    def expanded(self) -> Any:
        """The product in parameters, h0 and inputs only."""
        return self.unrolled.public(self.unrolled.expand(self._product))

    def evaluate(self, values: dict, *, digits: int | None = None) -> Any:
        """The product at leaf values (keys as ``derive.evaluate.resolve_values``)."""
        u = self.unrolled
        val = dict(resolve_values(u, values, digits))
        rnd = (lambda e: e.evalf(digits)) if digits else (lambda e: e)
        for sym, rhs in u.definitions.items():
            val[sym] = rnd(rhs.xreplace(val))
        return u.public(Matrix(self._product.xreplace(val).applyfunc(rnd)))

    def check_bound(self, values: dict) -> BoundCheck:
        """‖∂h_t/∂h_k‖ against (γ‖W_hh‖)^(t-k) at ``values``, in float64 (slack 1e-12 relative)."""
        J = np.array(sp.Matrix([[self.evaluate(values, digits=30)]]) if self.unrolled.scalar
                     else self.evaluate(values, digits=30), dtype=np.float64)
        leaf = resolve_values(self.unrolled, values, 30)
        W = np.array(self.unrolled.mat("W_hh").xreplace(leaf), dtype=np.float64)
        p = NORMS[self.norm][1]
        lhs = float(np.linalg.norm(J, p))
        rhs = float((float(self.gamma) * np.linalg.norm(W, p)) ** (self.t - self.k))
        return BoundCheck(lhs, rhs, lhs <= rhs * (1 + 1e-12) + 1e-300)

    def __str__(self) -> str:
        return jacobian_text(self, bound=True)

    def _repr_latex_(self) -> str:
        return "$$" + jacobian_latex(self, bound=True) + "$$"

    def __repr__(self) -> str:
        return f"JacobianProduct(t={self.t}, k={self.k}, {self.unrolled!r})"


def jacobian_product(unrolled: Unrolled, t: int, k: int, *, norm: str = "2") -> JacobianProduct:
    """∂h_t/∂h_k for 0 <= k < t <= T, with its norm bound.

    Args:
      unrolled: from ``derive.graph.unroll`` (its activation sets f' and γ).
      t, k: integers with 0 <= k < t <= T.
      norm: the induced norm of the bound: "2" (spectral, default), "1" or "inf".
    """
    for name, v in (("t", t), ("k", k)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise TypeError(f"{name} must be an integer; got {type(v).__name__} {v!r}.")
    T = unrolled.T
    if not 1 <= t <= T:
        raise ValueError(f"t must satisfy 1 <= t <= T = {T}; got t={t}.")
    if not 0 <= k < t:
        raise ValueError(f"k must satisfy 0 <= k < t = {t} (the product needs t > k); got k={k}.")
    return JacobianProduct(unrolled, int(t), int(k), check_choice("norm", norm, NORMS))
