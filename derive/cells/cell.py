"""Cell: a recurrent cell as data, and CellBuilder, the public way to write one.

A cell has named states (h; for the LSTM h and c), parameters with shapes in H, D, V, named
intermediate nodes (gates) and one step's equations, in order, from (x_t, states at t−1) to
(nodes, states at t). The output layer is the toolkit's (o_t = W_hy h_t + b_y on the state
``output``, W_hy and b_y added for you) unless ``readout=False``: then the node or state named
``output`` is the logits o_t itself (Jordan). A minimal gated unit::

    c = CellBuilder("mgu", states={"h": "H"})
    x, h = c.input, c.prev("h")
    f = c.node("f", sigmoid(c.affine("f", x, h)))                 # W_xf x + W_hf h_{t-1} + b_f
    n = c.node("n", tanh(c.param("W_xn", "H", "D") @ x + c.param("W_hn", "H", "H") @ (f * h)
                         + c.param("b_n", "H")))
    c.update("h", (1 - f) * h + f * n)
    MGU = c.build()

``build`` checks everything a derivation needs and raises CellError naming the equation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

import sympy as sp

from numeric.rules import ACTIVATIONS

from .expr import CHOSEN, Act, Add, Const, Expr, Had, MatVec, Ref, Scale, Sub, children, refs

DIMS = ("H", "D", "V")
_NAME = re.compile(r"^[A-Za-z](?:[A-Za-z_]*[A-Za-z])?$")
RESERVED = ("x", "y", "L", "w", "delta", "cse", "pre_")   # the graph's own names and prefixes


class CellError(ValueError):
    """A cell that cannot be derived; the message names the cell and the equation."""


@dataclass(frozen=True)
class Equation:
    """``target = expr`` of one step; kind "node" (an intermediate) or "state" (s_t)."""

    target: str
    kind: str
    expr: Expr

    def __str__(self) -> str:
        return f"{self.target} = {self.expr}"


@dataclass(frozen=True)
class Cell:
    """A recurrent cell as data (build one with CellBuilder).

    states: {name: dimension letter} in order (initial values ``<name>0``).
    params: {name: shape}, (r, c) for matrices and (r,) for vectors, letters from H, D, V;
      with ``readout`` W_hy (V, H) and b_y (V,) come last.
    equations: one step, in evaluation order. output: the state read by the output layer
      (``readout=True``) or the logits themselves (``readout=False``, dimension V).
    """

    name: str
    states: dict[str, str]
    params: dict[str, tuple[str, ...]]
    equations: tuple[Equation, ...]
    output: str = "h"
    readout: bool = True
    doc: str = ""
    nodes: tuple[str, ...] = field(default=())

    @cached_property
    def readout_equation(self) -> Equation | None:
        """o = W_hy h + b_y on the output state (None when the cell gives the logits itself)."""
        if not self.readout:
            return None
        W, b = Ref("W_hy", "param", ("V", "H")), Ref("b_y", "param", ("V",))
        return Equation("o", "output", MatVec(W, Ref(self.output, "state", ("H",))) + b)

    @property
    def gradient_names(self) -> tuple[str, ...]:
        """Every parameter, then every initial state (``h0``, ``c0``)."""
        return (*self.params, *(f"{s}0" for s in self.states))

    def equation(self, target: str) -> Equation:
        return next(e for e in self.equations if e.target == target)

    def __str__(self) -> str:
        lines = [f"cell {self.name}: states {', '.join(self.states)}"]
        lines += [f"  {e}" for e in self.equations]
        if self.readout:
            lines.append(f"  o = W_hy @ {self.output} + b_y")
        return "\n".join(lines)


class CellBuilder:
    """Write a cell: ``prev``/``param``/``affine`` give references, ``node``/``update`` add equations."""

    def __init__(self, name: str, *, states: dict[str, str], output: str | None = None,
                 readout: bool = True, doc: str = "") -> None:
        if not isinstance(states, dict) or not states:
            raise CellError(f"cell {name!r}: states must be a non-empty dict name -> dimension; got {states!r}.")
        self.name, self.doc, self.readout = name, doc, readout
        for s, dim in states.items():
            self._check_name(s, "state")
            if dim not in DIMS:
                raise CellError(f"cell {name!r}: state {s!r} has dimension {dim!r}; choose one of {list(DIMS)}.")
        self.states = dict(states)
        self.output = output or ("h" if "h" in states else next(iter(states)))
        self.params: dict[str, tuple[str, ...]] = {}
        self.equations: list[Equation] = []
        self.input = Ref("x", "input", ("D",))

    # ---- references -------------------------------------------------------------------------
    def prev(self, state: str) -> Ref:
        """The state at t−1 (``h0`` at the first step)."""
        if state not in self.states:
            raise CellError(f"cell {self.name!r}: prev({state!r}): no such state; states are {list(self.states)}.")
        return Ref(state, "prev", (self.states[state],))

    def param(self, name: str, *shape: str) -> Ref:
        """A parameter of shape (r, c) or (r,), letters from H, D, V; the same name, the same shape."""
        self._check_name(name, "parameter")
        if not 1 <= len(shape) <= 2 or any(d not in DIMS for d in shape):
            raise CellError(f"cell {self.name!r}: parameter {name!r} has shape {shape!r}; give one or two "
                            f"of {list(DIMS)}, e.g. param({name!r}, 'H', 'D').")
        if self.params.setdefault(name, shape) != shape:
            raise CellError(f"cell {self.name!r}: parameter {name!r} declared with shapes "
                            f"{self.params[name]} and {shape}.")
        return Ref(name, "param", shape)

    def affine(self, gate: str, *inputs: Ref, bias: bool = True, out: str = "H") -> Expr:
        """Σ W_<src><gate> src + b_<gate>, one matrix per input (src: x, a state or its prev)."""
        terms = [self.param(f"W_{_src(r)}{gate}", out, r.shape[0]) @ r for r in inputs]
        if bias:
            terms.append(self.param(f"b_{gate}", out))
        total = terms[0]
        for t in terms[1:]:
            total = total + t
        return total

    # ---- equations ----------------------------------------------------------------------------
    def node(self, name: str, expr: Expr) -> Ref:
        """An intermediate node (a gate) of this step; returns its reference."""
        self._check_name(name, "node")
        self._new_target(name, expr)
        self.equations.append(Equation(name, "node", expr))
        return Ref(name, "node", self._shape_of(self.equations[-1]))

    def update(self, state: str, expr: Expr) -> Ref:
        """The state's value at t; returns its reference (for later equations of the step)."""
        if state not in self.states:
            raise CellError(f"cell {self.name!r}: update({state!r}): no such state; states are {list(self.states)}.")
        self._new_target(state, expr)
        self.equations.append(Equation(state, "state", expr))
        self._shape_of(self.equations[-1])
        return Ref(state, "state", (self.states[state],))

    def build(self) -> Cell:
        """The checked, immutable Cell (shapes, names, every state updated once)."""
        return check_cell(self.name, self.states, self.params, self.equations, self.output,
                          self.readout, self.doc)

    def _shape_of(self, eq: Equation) -> tuple[str, ...]:
        """Check the equation now (errors point at the line that wrote it) and return its shape."""
        params = dict(self.params, W_hy=("V", "H"), b_y=("V",)) if self.readout else self.params
        shapes: dict = {}
        for e in self.equations[:-1]:
            shapes[("node" if e.kind == "node" else "state", e.target)] = _shape(e, self.states, params, shapes)
        return _shape(eq, self.states, params, shapes, self.name)

    def _new_target(self, name: str, expr) -> None:
        if not isinstance(expr, Expr):
            raise CellError(f"cell {self.name!r}: equation {name} = {expr!r}: the right side must be a cell "
                            "expression (references, numbers, @, +, -, *, activations).")
        if any(e.target == name for e in self.equations):
            raise CellError(f"cell {self.name!r}: {name!r} is defined twice.")

    def _check_name(self, name: str, what: str) -> None:
        check_name(self.name, name, what)


def _src(r) -> str:
    if not isinstance(r, Ref) or r.kind == "param":
        raise CellError(f"affine takes x, states and nodes as inputs; got {r} (write W @ expr for others).")
    return "x" if r.kind == "input" else r.name


def _shape(eq: Equation, states, params, shapes=None, cell=None):
    where = f"cell {cell!r}, equation {eq}" if cell else f"equation {eq}"
    shape = infer(eq.expr, params, states, shapes or {}, where)
    if shape is None:
        raise CellError(f"{where}: the right side is a bare number; a node or state needs a vector.")
    if eq.kind == "state" and shape != (states[eq.target],):
        raise CellError(f"{where}: the right side has shape {shape}, but state {eq.target!r} is "
                        f"({states[eq.target]!r},).")
    return shape


def check_name(cell: str, name: str, what: str) -> None:
    """Names are letters and inner underscores, not reserved, and read back by sympify as symbols."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise CellError(f"cell {cell!r}: {what} name {name!r} must be letters with inner underscores "
                        "(no digits: time and entry indices are appended).")
    if name in RESERVED[:4] or name.startswith(RESERVED[4:]):
        raise CellError(f"cell {cell!r}: {what} name {name!r} is reserved (x, y, L, w, delta..., cse..., pre_...).")
    for probe in (name, f"{name}1"):
        if sp.sympify(probe) != sp.Symbol(probe):
            raise CellError(f"cell {cell!r}: {what} name {name!r} does not read back with sympy.sympify "
                            f"({probe!r} is {sp.sympify(probe)!r}); choose another name.")


def check_cell(name, states, params, equations, output, readout, doc) -> Cell:
    """Check shapes and definitions; raise CellError naming the equation."""
    params = dict(params)
    if readout:
        for p, shape in (("W_hy", ("V", "H")), ("b_y", ("V",))):
            if params.setdefault(p, shape) != shape:
                raise CellError(f"cell {name!r}: parameter {p!r} is the output layer's, shape {shape}.")
    shapes: dict[tuple[str, str], tuple[str, ...]] = {}
    for eq in equations:
        shapes[("node" if eq.kind == "node" else "state", eq.target)] = _shape(eq, states, params, shapes, name)
    never = [s for s in states if ("state", s) not in shapes]
    if never:
        raise CellError(f"cell {name!r}: state {never[0]!r} is never updated; add c.update({never[0]!r}, ...).")
    used = {r.name for eq in equations for r in refs(eq.expr) if r.kind == "node"}
    unused = [eq.target for eq in equations if eq.kind == "node" and eq.target not in used
              and not (not readout and eq.target == output)]
    if unused:
        raise CellError(f"cell {name!r}, equation {next(e for e in equations if e.target == unused[0])}: "
                        f"node {unused[0]!r} is never used.")
    _check_output(name, states, shapes, output, readout)
    nodes = tuple(e.target for e in equations if e.kind == "node")
    return Cell(name, dict(states), params, tuple(equations), output, readout, doc, nodes)


def _check_output(name, states, shapes, output, readout) -> None:
    if readout:
        if output not in states or states[output] != "H":
            raise CellError(f"cell {name!r}: the output layer reads a state of dimension H; got output={output!r}.")
        return
    shape = shapes.get(("state", output)) or shapes.get(("node", output))
    if shape != ("V",):
        raise CellError(f"cell {name!r}: with readout=False, output={output!r} must be a node or state of "
                        f"dimension V (the logits); got shape {shape}.")


def infer(e: Expr, params, states, shapes, where) -> tuple[str, ...] | None:
    """The shape of ``e`` (None for a bare number); CellError on a mismatch or unknown name."""
    if isinstance(e, Const):
        return None
    if isinstance(e, Ref):
        return _ref_shape(e, params, states, shapes, where)
    if isinstance(e, MatVec):
        W, x = infer(e.W, params, states, shapes, where), infer(e.x, params, states, shapes, where)
        if not isinstance(e.W, Ref) or e.W.kind != "param" or len(W) != 2:
            raise CellError(f"{where}: the left of @ must be a matrix parameter; got {e.W}.")
        if x is None or x != (W[1],):
            raise CellError(f"{where}: shape mismatch in {e}: {e.W} is {W}, {e.x} is {x}.")
        return (W[0],)
    if isinstance(e, Act):
        if e.f != CHOSEN and e.f not in ACTIVATIONS:
            raise CellError(f"{where}: unknown function {e.f!r}; choose one of {sorted(ACTIVATIONS)}.")
        return infer(e.a, params, states, shapes, where)
    if isinstance(e, Scale):
        return infer(e.a, params, states, shapes, where)
    if isinstance(e, (Add, Sub, Had)):
        a, b = (infer(c, params, states, shapes, where) for c in children(e))
        if isinstance(e, Had) and (a is None or b is None):
            raise CellError(f"{where}: ⊙ takes two vectors; {e} has a bare number (write 2 * v).")
        if a is not None and b is not None and a != b:
            raise CellError(f"{where}: shape mismatch in {e}: {a} and {b}.")
        return a or b
    raise CellError(f"{where}: unknown function {type(e).__name__}; use @, +, -, *, numbers and activations.")


def _ref_shape(r: Ref, params, states, shapes, where):
    if r.kind == "input":
        return ("D",)
    if r.kind == "param":
        return params[r.name]
    if r.kind == "prev":
        return (states[r.name],)
    key = ("node" if r.kind == "node" else "state", r.name)
    if key not in shapes:
        raise CellError(f"{where}: {r.name!r} is used before its equation (write the equations in order).")
    return shapes[key]
