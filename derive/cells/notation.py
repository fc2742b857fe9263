"""A cell derivation in matrix notation: the same reverse sweep on the MATRIX backend.

MatrixSymbols ``h_1``, ``c_0``, ``i_2``, ``x_1``, ``W_hi``, ``delta_2``, ``delta_c_2`` (truncated:
``delta_c_2^(4)``); ⊙, ᵀ and the activations' derivatives written from their outputs by the
rules table (tanh: 1 − g∘², sigmoid: i ⊙ (1 − i)). One line per δ and per gradient, e.g. for
the LSTM::

    delta_f_2 = (delta_c_2 ⊙ c_1) ⊙ f_2 ⊙ (1 - f_2)        ∂L/∂W_hf = Σ_t delta_f_t h_{t-1}ᵀ

``explicit(expr, notation)`` turns an expression back into entries (the tests compare it with
the compact form of derive/cells/derivation.py).
"""

from __future__ import annotations

from functools import cached_property

import sympy as sp
from sympy.core.parameters import global_parameters
from sympy.matrices.expressions.matexpr import MatrixExpr

from numeric.rules import LOSSES

from ..matrix_form import Applied, _matrix_ns
from .derivation import Reverse, Term
from .vjp import ENTRIES, MATRIX


def _msym_name(base: str, t: int | None, tau: int | None = None) -> str:
    name = base if t is None else f"{base}_{t}"
    return name if tau is None else f"{name}^({tau})"


# The loss seed of a step, w_t * loss_scale * ∂loss/∂o in matrix notation, over placeholders
# o_#, y_#, w#: SymPy's canonical MatAdd/MatMul takes ~1 ms a step; xreplace (MatAdd, MatMul
# unevaluated) gives the same tree for o_t, y_t, w_t ("#" sorts like a step's digits).
_SEEDS: dict = {}


class CellNotation:
    """Matrix-notation δ equations (``adjoints``: [(target, t, tau, symbol, rhs)]) and gradients."""

    def __init__(self, d) -> None:
        self.d, g = d, d.graph
        self.dims = {"H": g.hidden_size, "D": g.input_size, "V": g.output_size}
        self._sym: dict[tuple[str, int | None], sp.MatrixSymbol] = {}
        self.adjoints: list = []
        self.terms: dict[str, list[Term]] = {n: [] for n in d.gradient_names}
        rev = Reverse(d.cell, MATRIX, g.activation, self.value, self.symbol, self.loss_seed, None)
        for w in d.windows:
            rev.window(w, None if d.truncation is None else w.tau, self.adjoints, self.terms)
        for n in self.terms:
            self.terms[n].sort(key=lambda c: (c.t, c.tau or 0))

    def value(self, name: str, t: int | None) -> sp.MatrixSymbol:
        key = (name, t)
        if key not in self._sym:
            m = self.d.graph.mat(name, t)
            self._sym[key] = sp.MatrixSymbol(_msym_name(name, t), *m.shape)
        return self._sym[key]

    def symbol(self, target: str, t: int, tau: int | None) -> sp.MatrixSymbol:
        base = "delta" if target == "h" else f"delta_{target}"
        return sp.MatrixSymbol(_msym_name(base, t, tau), self.d.graph.mat(target, t).shape[0], 1)

    def loss_seed(self, t: int):
        g = self.d.graph
        o = self.value("o" if g.cell.readout else g.cell.output, t)
        w = g.weights.get(t)
        if not global_parameters.evaluate:
            return g.step_weight(t) * LOSSES[g.loss].grad(_matrix_ns(), o, self.value("y", t))
        key = (g.loss, o.name[:-len(str(t))], o.shape, g.loss_scale, w is None)
        if key not in _SEEDS:                    # built once, instantiated per step (see _SEEDS)
            O, Y = (sp.MatrixSymbol(f"{n}#", *o.shape) for n in (key[1], "y_"))
            W = sp.Symbol("w#") if w is not None else sp.Integer(1)
            _SEEDS[key] = (O, Y, W, (W * g.loss_scale) * LOSSES[g.loss].grad(_matrix_ns(), O, Y))
        O, Y, W, seed = _SEEDS[key]
        return seed.xreplace({O: o, Y: self.value("y", t), W: w} if w is not None else
                             {O: o, Y: self.value("y", t)})

    def gradient(self, name: str) -> MatrixExpr:
        terms = [c.value for c in self.terms[name]]
        if not terms:
            return sp.ZeroMatrix(*self.d.shape(name))
        return terms[0] if len(terms) == 1 else sp.MatAdd(*terms, evaluate=False)

    @cached_property
    def replacements(self) -> dict:
        out = {ms: self.d.graph.mat(n, t) for (n, t), ms in self._sym.items()}
        for a in self.d._adj:
            out[self.symbol(a.target, a.t, a.tau)] = a.symbol
        return out


def notation(d) -> CellNotation:
    """The (cached) matrix notation of a CellDerivation."""
    if "_notation" not in d.__dict__:
        d.__dict__["_notation"] = CellNotation(d)
    return d.__dict__["_notation"]


def explicit(e, n: CellNotation) -> sp.ImmutableMatrix:
    """The entries of a matrix-notation expression (MatrixSymbols replaced by the graph's)."""
    reps, act = n.replacements, n.d.graph.activation
    if e in reps:
        return sp.ImmutableMatrix(reps[e])
    if isinstance(e, sp.MatAdd):
        parts = [explicit(a, n) for a in e.args]
        return sp.ImmutableMatrix(sum(parts[1:], parts[0]))
    if isinstance(e, sp.MatMul):
        out = sp.Integer(1)
        for a in e.args:
            out = out * explicit(a, n)
        return sp.ImmutableMatrix(out)
    if isinstance(e, sp.HadamardProduct):
        parts = [explicit(a, n) for a in e.args]
        out = parts[0]
        for p in parts[1:]:
            out = out.multiply_elementwise(p)
        return sp.ImmutableMatrix(out)
    if isinstance(e, sp.HadamardPower):
        return explicit(e.base, n).applyfunc(lambda v: v ** e.exp)
    if isinstance(e, sp.Transpose):
        return explicit(e.arg, n).T
    if isinstance(e, sp.OneMatrix):
        return sp.ImmutableMatrix(sp.ones(*e.shape))
    if isinstance(e, sp.ZeroMatrix):
        return sp.ImmutableMatrix(sp.zeros(*e.shape))
    if isinstance(e, Applied):
        name, arg = e.args[0].name, explicit(e.args[1], n)
        if name == "softmax":
            from ..namespace import SYMPY_NS
            return sp.ImmutableMatrix(SYMPY_NS.softmax(arg))
        if name.endswith("'"):
            return ENTRIES.deriv(name[:-1], arg)
        return ENTRIES.act(act if name == "f" else name, arg)
    if isinstance(e, MatrixExpr):
        raise TypeError(f"cannot make {e!r} explicit")
    return e
