"""unroll_cell(cell, T, ...): the unrolled graph of any cell, as SymPy symbols.

One copy of the cell's equations per step, all sharing the parameters, then (at the loss
steps) the output layer o_t = W_hy h_t + b_y (unless the cell gives the logits itself) and
L_t = loss(o_t, y_t) from the rules table; L = Σ_t L_t. Every node is a symbol with a
definition in terms of its parents (linear in T); ``expanded_loss()`` substitutes them all.

Names (docs/symbols.md, "Cells"): a node or state ``n`` at step t is ``n{t}`` (scalar case) or
``n{t}_{i}`` (vector sizes): ``i2``, ``og3_1``, ``c0`` (the initial state c_0); a gate's
pre-activation is the node ``pre_n{t}`` (``pre_i2`` = W_xi x_2 + W_hi h_1 + b_i). Parameters keep
their names (``W_xi``, ``b_hn_0``, ``W_hf_0_1``); inputs ``x{t}``, targets ``y{t}``, losses ``L{t}``.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

import sympy as sp

from numeric.rules import LOSSES
from numeric.validate import check_activation, check_loss, check_loss_at, check_positive_int

from ..graph import loss_value
from ..linalg import _new, instantiate, plain_symbols
from ..symbols import entry_name
from .cell import Cell
from .expr import Ref
from .vjp import ENTRIES, forward


def pre_activation(eq) -> bool:
    """Whether ``eq`` is a gate n = f(e) with e not a bare name (its δ is the pre-activation's)."""
    from .expr import Act
    return eq.kind == "node" and isinstance(eq.expr, Act) and not isinstance(eq.expr.a, Ref)

Matrix = sp.ImmutableMatrix


def symbols_of(base: str, rows: int, cols: int | None, scalar: bool) -> Matrix:
    """Entry symbols: the bare name (scalar case), ``base_i`` for a column, ``base_i_j`` for a matrix."""
    if scalar:
        return _new(1, 1, [sp.Symbol(base)])
    if cols is None:
        return _new(rows, 1, [sp.Symbol(entry_name(base, i)) for i in range(rows)])
    return _new(rows, cols, [sp.Symbol(entry_name(base, i, j)) for i in range(rows) for j in range(cols)])


_TEMPLATES: dict = {}


def per_step(fn, loss: str, o: Matrix, y: Matrix):
    """``fn(loss, o, y)`` (``loss_value`` or ``loss_grad``) for one step's (V, 1) columns o, y.

    The same expression: built once per (fn, loss, V) over placeholder symbols and renamed per
    step by ``instantiate`` (derive/linalg.py), so SymPy's Matrix arithmetic (a 1 x 1 matrix
    power for ``(o - y)**2``) and flatten run once, not T times.
    """
    if not (plain_symbols(o) and plain_symbols(y)) or len(set(o) | set(y)) != len(o) + len(y):
        return fn(loss, o, y)
    key = (fn, loss, len(o))
    if key not in _TEMPLATES:
        O, Y = (_new(len(o), 1, [sp.Symbol(f"{n}#{i}") for i in range(len(o))]) for n in "oy")
        _TEMPLATES[key] = (O, Y, fn(loss, O, Y))
    O, Y, value = _TEMPLATES[key]
    reps = dict(zip(O, o))
    reps.update(zip(Y, y))
    if isinstance(value, sp.MatrixBase):
        return _new(*value.shape, [instantiate(v, reps) for v in value])
    return instantiate(value, reps)


class CellGraph:
    """The unrolled graph of ``cell`` for T steps; build it with ``unroll_cell``.

    Attributes: cell, T, hidden_size, input_size, output_size (H, D, V), activation (the
    ``act``/f of elman and jordan), loss, loss_at, weighted, scalar, loss_steps, L (t -> L_t),
    weights, loss_scale, definitions ({entry symbol: expression in parents}, in order), edges.
    """

    def __init__(self, cell: Cell, T: int, H: int, D: int, V: int, activation: str, loss: str,
                 loss_at: str, weighted: bool) -> None:
        self.cell, self.T = cell, T
        self.hidden_size, self.input_size, self.output_size = H, D, V
        self.activation, self.loss, self.loss_at, self.weighted = activation, loss, loss_at, weighted
        self.scalar = H == D == V == 1
        self.dims = {"H": H, "D": D, "V": V}
        self.loss_steps = tuple(range(1, T + 1)) if loss_at == "all" else (T,)
        self.loss_scale = (sp.Rational(1, len(self.loss_steps) * V) if LOSSES[loss].scale_by_count
                           else sp.Integer(1))
        self.L = {t: sp.Symbol(f"L{t}") for t in self.loss_steps}
        self.weights = {t: sp.Symbol(f"w{t}") for t in self.loss_steps} if weighted else {}
        self.total_loss = sp.Symbol("L")
        self._m: dict[str, Matrix] = {}
        for p, shape in cell.params.items():
            dims = [self.dims[d] for d in shape]
            self._m[p] = symbols_of(p, dims[0], dims[1] if len(dims) == 2 else None, self.scalar)
        self.definitions: dict[sp.Symbol, sp.Expr] = {}
        self.edges: list[tuple[str, str]] = []
        self._build()

    # ---- construction -------------------------------------------------------------------------
    def _node(self, base: str, t: int, rows: int) -> Matrix:
        key = f"{base}{t}"
        if key not in self._m:
            self._m[key] = symbols_of(key, rows, None, self.scalar)
        return self._m[key]

    def lookup(self, t: int):
        """ref -> its value at step t (parameters, x_t, states at t−1, nodes and states at t)."""
        def get(r: Ref) -> Matrix:
            if r.kind == "param":
                return self._m[r.name]
            if r.kind == "input":
                return self.mat("x", t)
            return self.mat(r.name, t - 1 if r.kind == "prev" else t)
        return get

    def _build(self) -> None:
        cell, defs = self.cell, self.definitions
        self._gates: list = []
        for s, dim in cell.states.items():
            self._node(s, 0, self.dims[dim])
        for t in range(1, self.T + 1):
            self._node("x", t, self.input_size)
            get = self.lookup(t)
            for eq in cell.equations:
                self._define(eq, t, get)
                self.edges += [(_edge_name(r, t), f"{eq.target}{t}") for r in _unique_refs(eq)]
            if t not in self.L:
                continue
            self._node("y", t, self.output_size)
            ro = cell.readout_equation
            if ro is not None:
                defs.update(zip(self._node("o", t, self.output_size), forward(ro.expr, ENTRIES, get,
                                                                              self.activation, {})))
                self.edges += [(f"{cell.output}{t}", f"o{t}"), ("W_hy", f"o{t}"), ("b_y", f"o{t}")]
            o = self.mat(cell.output if ro is None else "o", t)
            loss = per_step(loss_value, self.loss, o, self.mat("y", t))
            defs[self.L[t]] = self.step_weight(t) * loss
            self.edges += [(f"{cell.output if ro is None else 'o'}{t}", f"L{t}"), (f"y{t}", f"L{t}"),
                           (f"L{t}", "L")]
        defs[self.total_loss] = sp.Add(*self.L.values())
        with sp.evaluate(False):     # f(one symbol): nothing to simplify, skip the assumptions
            for eq, get, memo, target in self._gates:
                defs.update(zip(target, forward(eq.expr, ENTRIES, get, self.activation, memo)))
        del self._gates

    def _define(self, eq, t: int, get) -> None:
        """n_t's definition; a gate n = f(e) gets a pre-activation node ``pre_n{t}`` = e first.

        Why: SymPy evaluates f of a long sum slowly (sigmoid's exp(-e) asks assumptions of every
        term, ~30 ms a gate at each step); f of one symbol is immediate, so the graph stays
        linear in T with a small constant. The expanded loss is the same expression. The gate's
        f(pre_n{t}) is filled in at the end of ``_build``, all steps in one unevaluated block
        (entering and leaving ``sp.evaluate`` clears SymPy's cache, too costly at every step).
        """
        memo: dict = {}
        if pre_activation(eq):
            pre = forward(eq.expr.a, ENTRIES, get, self.activation, memo)
            sym = self._node(f"pre_{eq.target}", t, pre.shape[0])
            self.definitions.update(zip(sym, pre))
            memo[id(eq.expr.a)] = sym
            target = self._node(eq.target, t, pre.shape[0])
            self.definitions.update((s, None) for s in target)   # the place in the order
            self._gates.append((eq, get, memo, target))
            return
        value = forward(eq.expr, ENTRIES, get, self.activation, memo)
        self.definitions.update(zip(self._node(eq.target, t, value.shape[0]), value))

    def step_weight(self, t: int) -> sp.Expr:
        """The factor on the rules-table loss of step t: w_t (weighted) x loss_scale."""
        return self.weights.get(t, sp.Integer(1)) * self.loss_scale

    # ---- access ---------------------------------------------------------------------------------
    def mat(self, base: str, t: int | None = None) -> Matrix:
        """A parameter (``mat("W_hi")``), an initial state (``mat("c0")``) or a node at t (``mat("i", 2)``)."""
        key = base if t is None else f"{base}{t}"
        if key not in self._m:
            raise KeyError(f"the graph has no {base if t is None else f'{base}_{t}'} "
                           f"(T = {self.T}, loss steps {self.loss_steps})")
        return self._m[key]

    def step_symbols(self, t: int) -> set:
        """Every entry symbol the cell's equations define at step t (gates, pre-activations, states)."""
        names = [n for eq in self.cell.equations for n in (f"pre_{eq.target}", eq.target)]
        return {s for n in names if f"{n}{t}" in self._m for s in self._m[f"{n}{t}"]}

    def public(self, m: sp.MatrixBase) -> Any:
        """The user-facing form: the sole entry in the scalar case, else the Matrix."""
        return m[0, 0] if self.scalar else m

    @property
    def params(self) -> dict[str, Any]:
        return {n: self.public(self._m[n]) for n in self.cell.params}

    @property
    def initial(self) -> dict[str, Any]:
        """{"h0": ..., "c0": ...}: the initial states."""
        return {f"{s}0": self.public(self._m[f"{s}0"]) for s in self.cell.states}

    @cached_property
    def leaves(self) -> tuple[sp.Symbol, ...]:
        """Every symbol needing a value: parameters, initial states, x_t, and y_t (w_t) at loss steps."""
        out = [s for n in self.cell.params for s in self._m[n]]
        out += [s for st in self.cell.states for s in self._m[f"{st}0"]]
        out += [s for t in range(1, self.T + 1) for s in self._m[f"x{t}"]]
        out += [s for t in self.loss_steps for s in self._m[f"y{t}"]]
        return tuple(out + list(self.weights.values()))

    @property
    def settings(self) -> dict[str, Any]:
        return {"hidden_size": self.hidden_size, "input_size": self.input_size,
                "output_size": self.output_size, "activation": self.activation,
                "loss": self.loss, "loss_at": self.loss_at, "cell": self.cell.name}

    # ---- expansion --------------------------------------------------------------------------------
    @cached_property
    def expansion(self) -> dict[sp.Symbol, sp.Expr]:
        """{node entry symbol: its expression in parameters, initial states, inputs and targets}."""
        out: dict[sp.Symbol, sp.Expr] = {}
        for sym, rhs in self.definitions.items():
            out[sym] = rhs.xreplace(out)
        return out

    def expand(self, expr: Any) -> Any:
        return expr.xreplace(self.expansion)

    def expanded_loss(self) -> sp.Expr:
        return self.expansion[self.total_loss]

    def __repr__(self) -> str:
        return (f"CellGraph({self.cell.name!r}, T={self.T}, hidden_size={self.hidden_size}, "
                f"input_size={self.input_size}, output_size={self.output_size}, activation="
                f"{self.activation!r}, loss={self.loss!r}, loss_at={self.loss_at!r})")


def _unique_refs(eq):
    from .expr import refs
    seen, out = set(), []
    for r in refs(eq.expr):
        key = (r.kind, r.name)
        if key not in seen:
            seen.add(key)
            out.append(r)
    return out


def _edge_name(r: Ref, t: int) -> str:
    if r.kind == "param":
        return r.name
    if r.kind == "input":
        return f"x{t}"
    return f"{r.name}{t - 1 if r.kind == 'prev' else t}"


def unroll_cell(cell, T: int, *, hidden_size: int = 1, input_size: int = 1, output_size: int = 1,
                activation: str = "tanh", loss: str = "half_sse", loss_at: str = "all",
                weighted: bool = False) -> CellGraph:
    """Unroll ``cell`` (a Cell, a registry name or ``file.py:NAME``) over T steps.

    Args mirror ``derive.graph.unroll``; ``activation`` is the f of ``act(...)`` (elman, jordan).
    """
    from .load import resolve_cell
    cell = resolve_cell(cell)
    T = check_positive_int("T", T)
    sizes = [check_positive_int(n, v) for n, v in
             (("hidden_size", hidden_size), ("input_size", input_size), ("output_size", output_size))]
    if not isinstance(weighted, bool):
        raise TypeError(f"weighted must be True or False; got {weighted!r}.")
    return CellGraph(cell, T, *sizes, check_activation(activation), check_loss(loss),
                     check_loss_at(loss_at), weighted)
