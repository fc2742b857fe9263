"""Forward mode through one cell step: a small NumPy interpreter of the cell's Expr tree.

Written for the cross-checks, independently of the generated engines and of the VJP table
(derive/cells/vjp.py): every node of a step's equations is evaluated as a ``Dual`` carrying,
for B sequences at once,

    value  (B, r)       the node's value (the rules table's activations, with NumPy)
    tan    (B, r, n)    its sensitivities ∂node/∂θ to every entry of θ (the ``Layout``)
    mag    (B, r, n)    Σ |path terms| of those sensitivities (every local partial in absolute
                        value, f' widened by its own rounding bound E_f' of numeric/routes/
                        compare.py): the size of what is summed, so the cancellation-aware
                        scale of a rounding comparison
    err    (B, r)       the first-order rounding-error bound of ``value``, per ε

with the JVP rules (ẏ the tangent)::

    y = W x      ẏ = W ẋ + (∂y/∂W: x in the row of each W_ij)      y = a ± b    ẏ = ȧ ± ḃ
    y = a ⊙ b    ẏ = ȧ ⊙ b + a ⊙ ḃ                                 y = c a      ẏ = c ȧ
    y = f(a)     ẏ = f'(a) ⊙ ȧ      f and f' (written from y) from numeric/rules.py

A parameter's tangent is the unit vector of its entries; x_t's the unit vectors of the
x_t block; a state at t−1 carries its tangent from the previous step (the initial state's:
the unit vectors of its ``<state>0`` block). Column vectors as in the article; rows of the
arrays here are sequences (value[b] is the column of sequence b).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from derive.cells.expr import CHOSEN, Act, Add, Const, Had, MatVec, Ref, Scale, Sub
from numeric.routes.compare import _FPRIME_ERROR as FPRIME_ERROR  # E_f' per activation: one table
from numeric.rules import ACTIVATIONS, NUMPY_NS


@dataclass
class Dual:
    value: np.ndarray
    tan: np.ndarray
    mag: np.ndarray
    err: np.ndarray


class Layout:
    """Column offsets in θ: every parameter (the cell's order), every ``<state>0``, then x_1..x_T.

    sizes: {"H": H, "D": D, "V": V}. ``block(name)`` is the slice of a parameter or initial
    state (flattened row-major: W_ij at i·cols + j); ``x(t)`` the slice of x_t (1-based).
    """

    def __init__(self, cell, sizes: dict[str, int], T: int) -> None:
        self.cell, self.sizes, self.T = cell, sizes, T
        self.shapes = {p: tuple(sizes[d] for d in shape) for p, shape in cell.params.items()}
        self.shapes.update({f"{s}0": (sizes[d],) for s, d in cell.states.items()})
        self.offsets, n = {}, 0
        for name, shape in self.shapes.items():
            self.offsets[name] = n
            n += int(np.prod(shape))
        self.xs_offset, self.D = n, sizes["D"]
        self.n = n + T * sizes["D"]

    def block(self, name: str) -> slice:
        o = self.offsets[name]
        return slice(o, o + int(np.prod(self.shapes[name])))

    def x(self, t: int) -> slice:
        o = self.xs_offset + (t - 1) * self.D
        return slice(o, o + self.D)


def unit(B: int, rows: int, n: int, where: slice, dtype) -> np.ndarray:
    """(B, rows, n) tangents that are the identity on the columns ``where`` (a vector's entries)."""
    out = np.zeros((B, rows, n), dtype)
    out[:, :, where] = np.eye(rows, dtype=dtype)
    return out


def leaf(value: np.ndarray, tan: np.ndarray) -> Dual:
    """An exact input: its value, its tangent, the same magnitude, no rounding error."""
    return Dual(value, tan, np.abs(tan), np.zeros(value.shape, value.dtype))


class Step:
    """Evaluate the cell's equations of step t; ``run(x, prev)`` -> {name: Dual}."""

    def __init__(self, cell, params: dict[str, np.ndarray], lay: Layout, activation: str) -> None:
        self.cell, self.params, self.lay, self.activation = cell, params, lay, activation
        self.relu_margin = np.inf       # min |pre-activation| of a relu seen (finite differences' kink)

    def run(self, t: int, x: Dual, prev: dict[str, Dual]) -> dict[str, Dual]:
        env: dict[tuple[str, str], Dual] = {("input", "x"): x}
        env.update({("prev", s): d for s, d in prev.items()})
        memo: dict[int, Dual] = {}
        for eq in self.cell.equations:
            env[(eq.kind, eq.target)] = self.eval(eq.expr, env, memo, x.value.shape[0])
        return {name: d for (kind, name), d in env.items() if kind in ("node", "state")}

    def readout(self, env: dict[str, Dual], B: int) -> Dual:
        """o_t: the output layer on the output state, or the cell's own logits (readout=False)."""
        ro = self.cell.readout_equation
        if ro is None:
            return env[self.cell.output]
        return self.eval(ro.expr, {("state", k): v for k, v in env.items()}, {}, B)

    # ---- the JVP rules ------------------------------------------------------------------------------
    def eval(self, e, env, memo, B: int) -> Dual:
        if id(e) in memo:
            return memo[id(e)]
        if isinstance(e, Ref):
            out = self._ref(e, env, B)
        elif isinstance(e, MatVec):
            out = self._matvec(e, env, memo, B)
        elif isinstance(e, (Add, Sub)):
            a, b = (self._operand(s, o, env, memo, B) for s, o in ((e.a, e.b), (e.b, e.a)))
            sign = 1.0 if isinstance(e, Add) else -1.0
            out = Dual(a.value + sign * b.value, a.tan + sign * b.tan, a.mag + b.mag,
                       a.err + b.err + np.abs(a.value) + np.abs(b.value))
        elif isinstance(e, Had):
            a, b = self.eval(e.a, env, memo, B), self.eval(e.b, env, memo, B)
            out = Dual(a.value * b.value, a.tan * b.value[..., None] + a.value[..., None] * b.tan,
                       a.mag * np.abs(b.value)[..., None] + np.abs(a.value)[..., None] * b.mag,
                       np.abs(b.value) * a.err + np.abs(a.value) * b.err + np.abs(a.value * b.value))
        elif isinstance(e, Scale):
            a, c = self.eval(e.a, env, memo, B), float(e.c)
            out = Dual(c * a.value, c * a.tan, abs(c) * a.mag, abs(c) * (a.err + np.abs(a.value)))
        elif isinstance(e, Act):
            out = self._act(e, env, memo, B)
        else:
            raise TypeError(f"cannot evaluate {type(e).__name__} in a cell step")
        memo[id(e)] = out
        return out

    def _ref(self, r: Ref, env, B: int) -> Dual:
        if r.kind == "param":                     # a bias-like vector (matrices only appear in W @ x)
            v = self.params[r.name]
            dtype = v.dtype
            return leaf(np.broadcast_to(v, (B, v.shape[0])).copy(),
                        unit(B, v.shape[0], self.lay.n, self.lay.block(r.name), dtype))
        key = ("input", "x") if r.kind == "input" else (r.kind, r.name)
        return env[key]

    def _operand(self, s, other, env, memo, B: int) -> Dual:
        if isinstance(s, Const):                  # a number broadcast to the other operand's shape
            o = self.eval(other, env, memo, B)
            v = np.full_like(o.value, float(s.value))
            return Dual(v, np.zeros_like(o.tan), np.zeros_like(o.mag), np.zeros_like(v))
        return self.eval(s, env, memo, B)

    def _matvec(self, e: MatVec, env, memo, B: int) -> Dual:
        W = self.params[e.W.name]
        x = self.eval(e.x, env, memo, B)
        rows, cols = W.shape
        A = np.abs(W)
        direct = np.einsum("ij,bk->bijk", np.eye(rows, dtype=W.dtype), x.value).reshape(B, rows, rows * cols)
        tan = np.einsum("rc,bcn->brn", W, x.tan)
        mag = np.einsum("rc,bcn->brn", A, x.mag)
        where = self.lay.block(e.W.name)
        tan[:, :, where] += direct
        mag[:, :, where] += np.abs(direct)
        return Dual(x.value @ W.T, tan, mag, (np.abs(x.value) + x.err) @ A.T)

    def _act(self, e: Act, env, memo, B: int) -> Dual:
        a = self.eval(e.a, env, memo, B)
        name = self.activation if e.f == CHOSEN else e.f
        rule = ACTIVATIONS[name]
        if name == "relu" and a.value.size:
            self.relu_margin = min(self.relu_margin, float(np.abs(a.value).min()))
        with np.errstate(over="ignore"):          # sigmoid of a very negative a: exp overflows to inf, y = 0
            y = np.asarray(rule.value(NUMPY_NS, a.value), a.value.dtype)
        fp = np.broadcast_to(np.asarray(rule.deriv(NUMPY_NS, y), a.value.dtype), y.shape)
        # a path through f carries f' as computed from y: |f'| plus its own rounding (1 − h² next to 1)
        local = np.abs(fp) + FPRIME_ERROR[name](y, np.abs(fp), a.err)
        return Dual(y, fp[..., None] * a.tan, local[..., None] * a.mag, np.abs(fp) * a.err + np.abs(y))
