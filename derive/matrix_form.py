"""The compact gradients in matrix notation, as a textbook writes them (vector sizes).

Built with SymPy MatrixSymbols, one per vector or matrix (``h_1`` (H, 1), ``W_hh`` (H, H),
``delta_2`` or, truncated, ``delta_2^(4)``), the Hadamard product ⊙, transposes, and an
element-wise application node ``f'(a_t)`` / ``softmax(o_t)``::

    ∂L/∂W_hh = Σ_t (f'(a_t) ⊙ δ_t) h_{t-1}ᵀ          δ_t = W_hyᵀ ∂L_t/∂o_t + W_hhᵀ (f'(a_{t+1}) ⊙ δ_{t+1})

The loss gradient ∂L_t/∂o_t comes from the rules table evaluated on MatrixSymbols (only
softmax needs a symbolic stand-in). ``explicit(expr, derivation)`` turns a matrix-notation
expression back into the entry-by-entry Matrix, which the tests compare with the compact form.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

import sympy as sp
from sympy.matrices.expressions.matexpr import MatrixExpr
from sympy.printing.pretty.stringpict import prettyForm

from numeric.params import GRADIENT_NAMES, OUTPUT_PARAMS, PARAM_NAMES
from numeric.rules import LOSSES

from .namespace import SYMPY_NS


class Applied(MatrixExpr):
    """``name(arg)`` applied entry by entry to a column (f'(a_t), softmax(o_t)); prints as such."""

    def __new__(cls, name: str | sp.Symbol, arg: MatrixExpr):
        return super().__new__(cls, sp.Symbol(name) if isinstance(name, str) else name, arg)

    @property
    def shape(self):
        return self.args[1].shape

    def _sympystr(self, printer) -> str:
        return f"{self.args[0].name}({printer._print(self.args[1])})"

    def _latex(self, printer) -> str:
        return f"{self.args[0].name}\\left({printer._print(self.args[1])}\\right)"

    def _pretty(self, printer):
        form = prettyForm(*printer._print(self.args[1]).parens())
        return prettyForm(*form.left(self.args[0].name))


def _matrix_ns():
    ns = type(SYMPY_NS)(SYMPY_NS)
    ns["softmax"] = lambda o: Applied("softmax", o)
    return ns


class MatrixNotation:
    """MatrixSymbols of one derivation and its δ recursion and gradients in matrix notation."""

    def __init__(self, derivation) -> None:
        self.d = derivation
        u = derivation.unrolled
        H, D, V = u.hidden_size, u.input_size, u.output_size
        self.sym = {"W_xh": sp.MatrixSymbol("W_xh", H, D), "W_hh": sp.MatrixSymbol("W_hh", H, H),
                    "W_hy": sp.MatrixSymbol("W_hy", V, H), "b_h": sp.MatrixSymbol("b_h", H, 1),
                    "b_y": sp.MatrixSymbol("b_y", V, 1)}
        for t in range(0, u.T + 1):
            self.sym[f"h{t}"] = sp.MatrixSymbol(f"h_{t}", H, 1)
        for t in range(1, u.T + 1):
            self.sym[f"x{t}"] = sp.MatrixSymbol(f"x_{t}", D, 1)
            self.sym[f"a{t}"] = sp.MatrixSymbol(f"a_{t}", H, 1)
        for t in u.loss_steps:
            self.sym[f"y{t}"] = sp.MatrixSymbol(f"y_{t}", V, 1)
            self.sym[f"o{t}"] = sp.MatrixSymbol(f"o_{t}", V, 1)
        ns, rule = _matrix_ns(), LOSSES[u.loss]
        self.g = {t: u.step_weight(t) * rule.grad(ns, self.sym[f"o{t}"], self.sym[f"y{t}"])
                  for t in u.loss_steps}
        self.deltas: list[tuple[int, int | None, sp.MatrixSymbol, MatrixExpr]] = []
        self.terms: dict[str, list[tuple[int, int, MatrixExpr]]] = {n: [] for n in GRADIENT_NAMES if n not in OUTPUT_PARAMS}
        W_hh, W_hy = self.sym["W_hh"], self.sym["W_hy"]
        for w in derivation.windows:
            label = None if derivation.truncation is None else w.tau
            nxt = None
            for s in range(w.tau, w.start - 1, -1):
                sym = sp.MatrixSymbol(f"delta_{s}" if label is None else f"delta_{s}^({label})", H, 1)
                parts = [W_hy.T * self.g[s]] if s in w.losses else []
                if nxt is not None:
                    parts.append(W_hh.T * sp.HadamardProduct(self.fprime(s + 1), nxt))
                self.deltas.append((s, label, sym, sp.MatAdd(*parts) if parts else sp.ZeroMatrix(H, 1)))
                da = sp.HadamardProduct(self.fprime(s), sym)
                key = (label or 0, s)
                self.terms["W_hh"].append((*key, da * self.sym[f"h{s - 1}"].T))
                self.terms["W_xh"].append((*key, da * self.sym[f"x{s}"].T))
                self.terms["b_h"].append((*key, da))
                if s == 1:
                    self.terms["h0"].append((*key, W_hh.T * da))
                nxt = sym
        self.terms["W_hy"] = [(0, t, self.g[t] * self.sym[f"h{t}"].T) for t in u.loss_steps]
        self.terms["b_y"] = [(0, t, self.g[t]) for t in u.loss_steps]

    def fprime(self, t: int) -> Applied:
        return Applied("f'", self.sym[f"a{t}"])

    def gradient(self, name: str) -> MatrixExpr:
        """Σ of the per-step terms, unevaluated (the order of the steps is kept)."""
        terms = [term for _, _, term in sorted(self.terms[name], key=lambda k: k[:2])]
        if not terms:
            return sp.ZeroMatrix(*self.d.shape(name))
        return terms[0] if len(terms) == 1 else sp.MatAdd(*terms, evaluate=False)

    @cached_property
    def replacements(self) -> dict[sp.Basic, sp.ImmutableMatrix]:
        """MatrixSymbol / f'(a_t) / softmax(o_t) -> the explicit matrix of entry symbols."""
        d, u = self.d, self.d.unrolled
        out: dict[sp.Basic, Any] = {}
        for key, ms in self.sym.items():
            out[ms] = u.mat(key) if key in PARAM_NAMES else \
                u.mat(key[0], int(key[1:]))
        for t in range(1, u.T + 1):
            out[self.fprime(t)] = d._fp[t]
        for t in u.loss_steps:
            out[Applied("softmax", self.sym[f"o{t}"])] = sp.ImmutableMatrix(SYMPY_NS.softmax(u.mat("o", t)))
        for (_, _, ms, _), (_, _, m, _) in zip(self.deltas, d._delta):
            out[ms] = m
        return out


def matrix_gradient(derivation, name: str) -> MatrixExpr:
    """∂L/∂<name> of ``derivation`` in matrix notation."""
    return notation(derivation).gradient(name)


def notation(derivation) -> MatrixNotation:
    """The (cached) MatrixNotation of a derivation."""
    cache = derivation.__dict__
    if "_matrix_notation" not in cache:
        cache["_matrix_notation"] = MatrixNotation(derivation)
    return cache["_matrix_notation"]


def explicit(expr: MatrixExpr, derivation) -> sp.ImmutableMatrix:
    """The entry-by-entry Matrix of a matrix-notation expression of ``derivation``."""
    return _explicit(expr, notation(derivation).replacements)


def _explicit(e, reps):
    if e in reps:
        return sp.ImmutableMatrix(reps[e])
    if isinstance(e, sp.MatAdd):
        parts = [_explicit(a, reps) for a in e.args]
        return sp.ImmutableMatrix(sum(parts[1:], parts[0]))
    if isinstance(e, sp.MatMul):
        out = sp.Integer(1)
        for a in e.args:
            out = out * _explicit(a, reps)
        return sp.ImmutableMatrix(out)
    if isinstance(e, sp.HadamardProduct):
        parts = [_explicit(a, reps) for a in e.args]
        out = parts[0]
        for p in parts[1:]:
            out = out.multiply_elementwise(p)
        return sp.ImmutableMatrix(out)
    if isinstance(e, sp.Transpose):
        return _explicit(e.arg, reps).T
    if isinstance(e, sp.ZeroMatrix):
        return sp.ImmutableMatrix(sp.zeros(*e.shape))
    if isinstance(e, MatrixExpr):
        raise TypeError(f"cannot make {e!r} explicit")
    return e  # a scalar factor
