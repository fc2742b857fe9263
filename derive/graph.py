"""unroll(T, ...): the unrolled computation graph of a vanilla RNN, as SymPy symbols.

The graph is the article's unrolled picture, one copy of the cell per time step, all copies
sharing the parameters (docs/derivation.md, equation (1))::

    a_t = W_xh x_t + W_hh h_{t-1} + b_h      h_t = f(a_t)
    o_t = W_hy h_t + b_y                     L_t = loss(o_t, y_t)      L = Σ_t L_t

Every node is a symbol with a definition in terms of its parents, so the graph stays small
(linear in T) and the fully expanded loss is a substitution away (``expanded_loss()``). Names
follow the contract of docs/symbols.md (``W_hh``, ``x1``, ``h0``; ``W_hh_0_1``, ``x1_0``).
f and the loss are evaluated from the shared rules table (numeric/rules.py) with SYMPY_NS.

Targets: real symbols ``y_t`` (V entries) for every loss. For cross_entropy they are the target
probabilities (a one-hot vector for a class index c: y_t[c] = 1, else 0), and the loss is the
rules-table value ``logsumexp(o_t) - y_t · o_t`` (= -Σ_i y_i log softmax(o_t)_i when Σ y = 1).

Example::

    >>> u = unroll(2)
    >>> u.definitions[u.a[2]]
    W_hh*h1 + W_xh*x2 + b_h
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

import sympy as sp

from numeric.rules import ACTIVATIONS, LOSSES
from numeric.validate import check_activation, check_loss, check_loss_at, check_positive_int

from .linalg import add, mat_vec
from .namespace import SYMPY_NS
from .printing.graph import graph_dot, graph_latex, graph_text
from .symbols import PARAM_NAMES, symbol_matrix

Matrix = sp.ImmutableMatrix


def activation_entries(activation: str, a: sp.MatrixBase) -> Matrix:
    """f applied entry by entry (rules table), to a column of pre-activations."""
    rule = ACTIVATIONS[activation]
    return Matrix._new(a.shape[0], a.shape[1], [rule.value(SYMPY_NS, v) for v in a])


def deriv_entries(activation: str, h: sp.MatrixBase) -> Matrix:
    """f'(a) written from h = f(a), entry by entry (rules table); relu's f'(0) = 0."""
    rule = ACTIVATIONS[activation]
    return Matrix._new(h.shape[0], h.shape[1], [sp.sympify(rule.deriv(SYMPY_NS, v)) for v in h])


def loss_value(loss: str, o: sp.MatrixBase, y: sp.MatrixBase) -> sp.Expr:
    """The rules-table loss of one step (a scalar) for the (V, 1) output o and target y.

    A loss written with element-wise powers (``ns.sum((o - y)**2)``) cannot take a non-square
    Matrix (SymPy's ``**`` is the matrix power); those rules sum over outputs, so they are
    evaluated entry by entry and summed. cross_entropy takes the whole column.
    """
    rule = LOSSES[loss]
    try:
        return sp.sympify(rule.value(SYMPY_NS, o, y))
    except (sp.ShapeError, sp.NonSquareMatrixError):
        return sp.Add(*[sp.sympify(rule.value(SYMPY_NS, oi, yi)) for oi, yi in zip(o, y)])


def loss_grad(loss: str, o: sp.MatrixBase, y: sp.MatrixBase) -> Matrix:
    """∂loss/∂o of one step from the rules table, a (V, 1) column."""
    g = LOSSES[loss].grad(SYMPY_NS, o, y)
    return Matrix(g) if isinstance(g, sp.MatrixBase) else Matrix([[g]])


class Unrolled:
    """The unrolled graph for T steps; build it with ``unroll(...)``.

    Attributes (scalar case: plain Symbols; vector case: ImmutableMatrix of entry symbols):
      params: {"W_xh" (H, D), "W_hh" (H, H), "b_h" (H, 1), "W_hy" (V, H), "b_y" (V, 1)}.
      h0: (H, 1).  xs: [x_1 .. x_T], each (D, 1).  ys: [y_1 .. y_T], each (V, 1).
      a, h, o: dicts t -> node (h[0] is h0); o_t exists at the loss steps only.
      L: dict t -> Symbol L_t at the loss steps; loss_steps: those t (all, or only T).
      weights: dict t -> Symbol w_t multiplying L_t when ``weighted`` (else empty).
      loss_scale: 1, or for mse 1 / (loss steps x V).
      definitions: {node entry symbol: expression in its parents}, in topological order.
      edges: [(parent, child)] between node names ("x1", "h0", "a1", "W_hh", "L1", "L").
    """

    def __init__(self, T: int, hidden_size: int, input_size: int, output_size: int,
                 activation: str, loss: str, loss_at: str, weighted: bool) -> None:
        H, D, V = hidden_size, input_size, output_size
        self.T, self.hidden_size, self.input_size, self.output_size = T, H, D, V
        self.activation, self.loss, self.loss_at, self.weighted = activation, loss, loss_at, weighted
        self.scalar = H == D == V == 1
        sm = lambda base, r, c: symbol_matrix(base, r, c, self.scalar)  # noqa: E731
        self._m: dict[str, Matrix] = {
            "W_xh": sm("W_xh", H, D), "W_hh": sm("W_hh", H, H), "b_h": sm("b_h", H, 1),
            "W_hy": sm("W_hy", V, H), "b_y": sm("b_y", V, 1), "h0": sm("h0", H, 1)}
        for t in range(1, T + 1):
            for base, n in (("x", D), ("y", V), ("a", H), ("h", H), ("o", V)):
                self._m[f"{base}{t}"] = sm(f"{base}{t}", n, 1)
        self.loss_steps = tuple(range(1, T + 1)) if loss_at == "all" else (T,)
        scale_by_count = LOSSES[loss].scale_by_count
        self.loss_scale = sp.Rational(1, len(self.loss_steps) * V) if scale_by_count else sp.Integer(1)
        self.L = {t: sp.Symbol(f"L{t}") for t in self.loss_steps}
        self.weights = {t: sp.Symbol(f"w{t}") for t in self.loss_steps} if weighted else {}
        self.total_loss = sp.Symbol("L")
        self.definitions: dict[sp.Symbol, sp.Expr] = {}
        self.edges: list[tuple[str, str]] = []
        self._build()

    # ---- construction ---------------------------------------------------------------------
    def _build(self) -> None:
        m, defs, edges = self._m, self.definitions, self.edges
        for t in range(1, self.T + 1):
            a = add([mat_vec(m["W_xh"], m[f"x{t}"]), mat_vec(m["W_hh"], self.mat("h", t - 1)), m["b_h"]],
                    m["b_h"].shape)
            defs.update(zip(m[f"a{t}"], a))
            edges += [(f"x{t}", f"a{t}"), (self.node_name("h", t - 1), f"a{t}"),
                      ("W_xh", f"a{t}"), ("W_hh", f"a{t}"), ("b_h", f"a{t}")]
            defs.update(zip(m[f"h{t}"], activation_entries(self.activation, m[f"a{t}"])))
            edges.append((f"a{t}", f"h{t}"))
            if t not in self.L:
                continue
            o = add([mat_vec(m["W_hy"], m[f"h{t}"]), m["b_y"]], m["b_y"].shape)
            defs.update(zip(m[f"o{t}"], o))
            edges += [(f"h{t}", f"o{t}"), ("W_hy", f"o{t}"), ("b_y", f"o{t}")]
            defs[self.L[t]] = self.step_weight(t) * loss_value(self.loss, m[f"o{t}"], m[f"y{t}"])
            edges += [(f"o{t}", f"L{t}"), (f"y{t}", f"L{t}"), (f"L{t}", "L")]
        defs[self.total_loss] = sp.Add(*self.L.values())

    def step_weight(self, t: int) -> sp.Expr:
        """The factor on the rules-table loss of step t: w_t (weighted) x loss_scale."""
        return self.weights.get(t, sp.Integer(1)) * self.loss_scale

    # ---- access -----------------------------------------------------------------------------
    def mat(self, base: str, t: int | None = None) -> Matrix:
        """Any leaf or node as a Matrix, scalar case included: mat("W_hh"), mat("h", 0)."""
        if t is None:
            return self._m[base]
        key = "h0" if (base, t) == ("h", 0) else f"{base}{t}"
        if key not in self._m or (base == "o" and t not in self.L):
            raise KeyError(f"the graph has no node {base}_{t} (T = {self.T}, loss steps {self.loss_steps})")
        return self._m[key]

    def public(self, m: sp.MatrixBase) -> Any:
        """The user-facing form: the sole entry in the scalar case, else the Matrix."""
        return m[0, 0] if self.scalar else m

    @staticmethod
    def node_name(base: str, t: int) -> str:
        return "h0" if (base, t) == ("h", 0) else f"{base}{t}"

    @property
    def params(self) -> dict[str, Any]:
        return {n: self.public(self._m[n]) for n in PARAM_NAMES}

    @property
    def h0(self) -> Any:
        return self.public(self._m["h0"])

    @property
    def xs(self) -> list[Any]:
        return [self.public(self._m[f"x{t}"]) for t in range(1, self.T + 1)]

    @property
    def ys(self) -> list[Any]:
        return [self.public(self._m[f"y{t}"]) for t in range(1, self.T + 1)]

    def _nodes(self, base: str, steps) -> dict[int, Any]:
        return {t: self.public(self.mat(base, t)) for t in steps}

    @property
    def a(self) -> dict[int, Any]:
        return self._nodes("a", range(1, self.T + 1))

    @property
    def h(self) -> dict[int, Any]:
        return self._nodes("h", range(0, self.T + 1))

    @property
    def o(self) -> dict[int, Any]:
        return self._nodes("o", self.loss_steps)

    @cached_property
    def leaves(self) -> tuple[sp.Symbol, ...]:
        """Every symbol a value must be given for: parameters, h0, x_t, and y_t (w_t) at loss steps."""
        out = [s for n in (*PARAM_NAMES, "h0") for s in self._m[n]]
        out += [s for t in range(1, self.T + 1) for s in self._m[f"x{t}"]]
        out += [s for t in self.loss_steps for s in self._m[f"y{t}"]]
        out += list(self.weights.values())
        return tuple(out)

    @property
    def settings(self) -> dict[str, Any]:
        return {"hidden_size": self.hidden_size, "input_size": self.input_size,
                "output_size": self.output_size, "activation": self.activation,
                "loss": self.loss, "loss_at": self.loss_at}

    # ---- expansion ----------------------------------------------------------------------------
    @cached_property
    def expansion(self) -> dict[sp.Symbol, sp.Expr]:
        """{node entry symbol: its expression in parameters, h0, inputs and targets only}."""
        out: dict[sp.Symbol, sp.Expr] = {}
        for sym, rhs in self.definitions.items():
            out[sym] = rhs.xreplace(out)
        return out

    def expand(self, expr: Any) -> Any:
        """Substitute every node by its expansion (expr may be a scalar or a Matrix)."""
        return expr.xreplace(self.expansion)

    def expanded_loss(self) -> sp.Expr:
        """L = Σ_t L_t written in parameters, h0, inputs and targets only."""
        return self.expansion[self.total_loss]

    # ---- printing (derive/printing.py does the work) ---------------------------------------------
    def to_dot(self, *, show_params: bool = False) -> str:
        """Graphviz DOT source of the unrolled picture (``show_params``: draw shared weights too)."""
        return graph_dot(self, show_params=show_params)

    def __str__(self) -> str:
        return graph_text(self)

    def _repr_latex_(self) -> str:
        return "$$" + graph_latex(self) + "$$"

    def __repr__(self) -> str:
        return (f"Unrolled(T={self.T}, hidden_size={self.hidden_size}, input_size={self.input_size}, "
                f"output_size={self.output_size}, activation={self.activation!r}, loss={self.loss!r}, "
                f"loss_at={self.loss_at!r})")


def unroll(T: int, *, hidden_size: int = 1, input_size: int = 1, output_size: int = 1,
           activation: str = "tanh", loss: str = "half_sse", loss_at: str = "all",
           weighted: bool = False) -> Unrolled:
    """Build the unrolled graph of a vanilla RNN over T steps.

    Args:
      T: number of time steps (>= 1). The graph holds O(T) symbols; expansion is lazy.
      hidden_size, input_size, output_size: H, D, V (>= 1). With all three 1 the symbols are
        the scalar names (W_hh, x1, h0); otherwise one symbol per entry (W_hh_0_1, x1_0).
      activation: "tanh" | "sigmoid" | "relu" | "identity".
      loss: "half_sse" | "sse" | "mse" | "cross_entropy" (targets: see the module docstring).
      loss_at: "all" (a loss at every step) or "last" (only L_T).
      weighted: multiply each L_t by a symbol w_t (numeric.bptt's loss_weights).
    Returns:
      Unrolled.
    """
    T = check_positive_int("T", T)
    sizes = [check_positive_int(n, v) for n, v in
             (("hidden_size", hidden_size), ("input_size", input_size), ("output_size", output_size))]
    if not isinstance(weighted, bool):
        raise TypeError(f"weighted must be True or False; got {weighted!r}.")
    return Unrolled(T, *sizes, check_activation(activation), check_loss(loss), check_loss_at(loss_at),
                    weighted)
