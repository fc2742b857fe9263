"""derive_cell(graph): the δ recursion of every state and every gradient, for any cell.

The same code for every cell: the VJP table (derive/cells/vjp.py) applied in reverse over one
step's equations, step by step from the last, as a plain loop::

    for s = τ, τ−1, ..., start:                    # one window (full BPTT: τ = T, start = 1)
        for each equation n = E of the cell, last first:
            n̄_s = Σ contributions to n_s            # from later equations, step s+1, the loss
            δ_n_s := n̄_s               (a symbol)   # E = f(e), e unnamed: δ_n_s := n̄_s ⊙ f'(n_s),
            backprop δ_n_s into E                   #   the adjoint of the pre-activation e
        a parameter's contribution at s goes to its gradient; a state at s−1 to n̄_{s−1}
        (at s = 1: to ∂L/∂<state>0; at s = start > 1 it is dropped: the state is held constant)

So δ_t = ∂L/∂h_t (``delta{t}``), δc_t = ∂L/∂c_t (``delta_c{t}``), and for a gate such as
i = σ(W_xi x + W_hi h_{t−1} + b_i) the symbol ``delta_i{t}`` is the adjoint of its
pre-activation. Each δ is a symbol with its own equation over step t+1's symbols, so the
derivation is linear in T. Truncation(k1, k2): the engine's definition (docs/truncation.md),
one window per update point, symbols ``delta_c{s}_tau{τ}``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import sympy as sp

from numeric.truncation import Truncation

from ..gradients import Window, windows
from ..graph import loss_grad
from ..linalg import add, scale
from .expr import Act, Ref
from .graph import CellGraph, Matrix, per_step, pre_activation, symbols_of
from .vjp import ENTRIES, backprop, forward


def adjoint_name(target: str, t: int, tau: int | None = None) -> str:
    """``delta{t}`` for h (the contract's δ_t), ``delta_<target>{t}`` otherwise; ``_tau{τ}`` if truncated."""
    base = "delta" if target == "h" else f"delta_{target}"
    return f"{base}{t}" + ("" if tau is None else f"_tau{tau}")


@dataclass(frozen=True)
class Adjoint:
    """One δ equation: ``symbol`` = ``compact`` for ``target`` at step t (window ``tau``)."""

    target: str
    t: int
    tau: int | None
    symbol: Any
    compact: Any
    pre_activation: bool


@dataclass(frozen=True)
class Term:
    t: int
    tau: int | None
    value: Any


class Reverse:
    """The reverse sweep of one window on a backend; subclassed values come from ``value(name, s)``."""

    def __init__(self, cell, ops, activation, value, symbol, loss_seed, shape):
        self.cell, self.ops, self.activation = cell, ops, activation
        self.value, self.symbol, self.loss_seed, self.shape = value, symbol, loss_seed, shape

    def window(self, w: Window, label: int | None, adjoints: list, grads: dict) -> None:
        acc: dict[tuple[str, int], list] = {}
        for t in w.losses:
            self._seed_loss(t, acc, grads, label, w)
        for s in range(w.tau, w.start - 1, -1):
            memo: dict = {}
            get = self._lookup(s)
            val = lambda e, memo=memo, get=get: forward(e, self.ops, get, self.activation, memo)  # noqa: E731
            for eq in reversed(self.cell.equations):
                like = self.value(eq.target, s)
                total = self.ops.add(acc.pop((eq.target, s), []), like)
                pre = pre_activation(eq)
                rhs = self.ops.had(total, self.ops.deriv(_fname(eq.expr.f, self.activation), like)) if pre else total
                sym = self.symbol(eq.target, s, label)
                adjoints.append(Adjoint(eq.target, s, label, sym, rhs, pre))
                memo[id(eq.expr)] = like
                backprop(eq.expr.a if pre else eq.expr, sym, self.ops, val, self.activation,
                         self._emit(s, w, label, acc, grads))

    def _seed_loss(self, t, acc, grads, label, w) -> None:
        g = self.loss_seed(t)
        ro = self.cell.readout_equation
        if ro is None:
            acc.setdefault((self.cell.output, t), []).append(g)
            return
        get, memo = self._lookup(t), {}
        val = lambda e: forward(e, self.ops, get, self.activation, memo)  # noqa: E731
        backprop(ro.expr, g, self.ops, val, self.activation, self._emit(t, w, label, acc, grads))

    def _lookup(self, s):
        def get(r: Ref):
            if r.kind == "param":
                return self.value(r.name, None)
            if r.kind == "input":
                return self.value("x", s)
            return self.value(r.name, s - 1 if r.kind == "prev" else s)
        return get

    def _emit(self, s, w, label, acc, grads):
        def emit(r: Ref, g) -> None:
            if r.kind == "param":
                grads[r.name].append(Term(s, label, g))
            elif r.kind == "prev":
                if s > w.start:
                    acc.setdefault((r.name, s - 1), []).append(g)
                elif s == 1:
                    grads[f"{r.name}0"].append(Term(0, label, g))
            elif r.kind in ("node", "state"):
                acc.setdefault((r.name, s), []).append(g)
        return emit


def _fname(f, activation):
    from .vjp import resolve
    return resolve(f, activation)


class CellDerivation:
    """The BPTT derivation of one CellGraph; build it with ``derive_cell``.

    Attributes: graph, cell, truncation, windows, adjoints ([Adjoint], latest step first, in
    reverse equation order), gradient_names, and ``gradients[name]`` (compact Matrix/scalar).
    """

    def __init__(self, graph: CellGraph, truncation: Truncation | None) -> None:
        self.graph, self.cell, self.truncation = graph, graph.cell, truncation
        self.unrolled = graph          # the name derive/ helpers (windows, printing) read
        self.windows = windows(graph, truncation)
        self.gradient_names = graph.cell.gradient_names
        self._adj: list[Adjoint] = []
        self._terms: dict[str, list[Term]] = {n: [] for n in self.gradient_names}
        self._syms: dict[tuple[str, int, int | None], Matrix] = {}
        rev = Reverse(self.cell, ENTRIES, graph.activation, self._value, self._symbol, self._loss_seed, None)
        for w in self.windows:
            rev.window(w, None if truncation is None else w.tau, self._adj, self._terms)
        for n in self._terms:
            self._terms[n].sort(key=lambda c: (c.t, c.tau or 0))

    def _value(self, name: str, t: int | None) -> Matrix:
        return self.graph.mat(name, t)

    def _symbol(self, target: str, t: int, tau: int | None) -> Matrix:
        rows = self.graph.mat(target, t).shape[0]
        m = symbols_of(adjoint_name(target, t, tau), rows, None, self.graph.scalar)
        self._syms[(target, t, tau)] = m
        return m

    def _loss_seed(self, t: int) -> Matrix:
        g = self.graph
        o = g.mat("o" if self.cell.readout else self.cell.output, t)
        return scale(per_step(loss_grad, g.loss, o, g.mat("y", t)), g.step_weight(t))

    # ---- public views ---------------------------------------------------------------------------
    def shape(self, name: str) -> tuple[int, int]:
        return self.graph.mat(name).shape

    def compact_matrix(self, name: str) -> Matrix:
        return add([c.value for c in self._terms[self._check(name)]], self.shape(name))

    @cached_property
    def gradients(self) -> dict[str, Any]:
        """{name: compact gradient} (scalar case: an expression; else a Matrix of the parameter's shape)."""
        return {n: self.graph.public(self.compact_matrix(n)) for n in self.gradient_names}

    def contributions(self, name: str) -> list[Term]:
        pub = self.graph.public
        return [Term(c.t, c.tau, pub(c.value)) for c in self._terms[self._check(name)]]

    @property
    def adjoints(self) -> list[Adjoint]:
        pub = self.graph.public
        return [Adjoint(a.target, a.t, a.tau, pub(a.symbol), pub(a.compact), a.pre_activation)
                for a in self._adj]

    def adjoint_definitions(self) -> dict[sp.Symbol, sp.Expr]:
        """{δ entry symbol: compact right-hand side} in evaluation order."""
        out: dict[sp.Symbol, sp.Expr] = {}
        for a in self._adj:
            out.update(zip(a.symbol, a.compact))
        return out

    delta_definitions = adjoint_definitions   # the name derive/verify helpers use

    # ---- expanded -----------------------------------------------------------------------------------
    @cached_property
    def expansion(self) -> dict[sp.Symbol, sp.Expr]:
        out = dict(self.graph.expansion)
        for sym, rhs in self.adjoint_definitions().items():
            out[sym] = rhs.xreplace(out)
        return out

    def expanded_matrix(self, name: str) -> Matrix:
        return self.compact_matrix(name).xreplace(self.expansion)

    def expanded(self, name: str) -> Any:
        """∂L/∂<name> in parameters, initial states, inputs and targets only."""
        return self.graph.public(self.expanded_matrix(name))

    def expanded_cse(self, names=None):
        """``sympy.cse`` of the expanded gradients over temporaries cse0, cse1, ... (c0 is the LSTM's c_0)."""
        names = [self._check(n) for n in (names or self.gradient_names)]
        reps, reduced = sp.cse([self.expanded_matrix(n) for n in names],
                               symbols=sp.numbered_symbols("cse"), order="none")
        return reps, {n: self.graph.public(Matrix(r)) for n, r in zip(names, reduced)}

    def _check(self, name: str) -> str:
        if name not in self.gradient_names:
            raise ValueError(f"wrt={name!r} is not known for cell {self.cell.name!r}; choose one of "
                             f"{list(self.gradient_names)} or 'all'.")
        return name

    def __repr__(self) -> str:
        # no __str__: the formats live in derive/cells/printing.py, which imports this module
        return f"CellDerivation({self.graph!r}, truncation={self.truncation})"


def derive_cell(graph: CellGraph, *, truncation: Truncation | int | str | None = None) -> CellDerivation:
    """Derive every gradient of ``graph`` (from ``unroll_cell``); truncation as ``derive_bptt``."""
    if not isinstance(graph, CellGraph):
        raise TypeError(f"graph must be the result of derive.cells.unroll_cell(...); got {type(graph).__name__}.")
    return CellDerivation(graph, None if truncation is None else Truncation.parse(truncation))
