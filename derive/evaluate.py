"""Numbers from a derivation: every node, δ and gradient at given values, exact or to N digits.

The entry point:

- ``evaluate(derivation, values, *, digits=None)`` (also ``Derivation.evaluate``): values are
  given per leaf symbol or by name (see ``resolve_values``); with ``digits=None`` the
  arithmetic is exact (rationals stay rationals, tanh(1/2) stays tanh(1/2)), otherwise every
  node is rounded to ``digits`` significant digits as it is computed.
- ``derive.route.evaluate_problem(params, xs, targets, ...)`` (also ``derive.evaluate_problem``)
  builds on it: ``numeric.bptt``'s arguments and result type, from the symbolic derivation.

The node values are found by substituting numbers into the compact definitions one step at
a time (forward, then the δ recursion backward), so the cost is linear in T.
"""

from __future__ import annotations

import decimal
import fractions
from typing import Any

import numpy as np
import sympy as sp

from numeric.params import PARAM_NAMES

from .graph import Matrix, Unrolled
from .symbols import GRADIENT_NAMES

# derive.gradients.Derivation, taken by what it has, not imported: evaluating needs a derivation,
# not the code that makes one (which imports this module for Derivation.evaluate).
Derivation = Any

_MATRIX_KEYS = PARAM_NAMES + ("h0",)
_SEQUENCE_KEYS = {"x": "x", "xs": "x", "y": "y", "targets": "targets", "w": "w", "loss_weights": "w"}


def to_number(value: Any, name: str, digits: int | None = None) -> sp.Expr:
    """A user number as SymPy: int/Fraction/Decimal exactly, float (to ``digits``), SymPy numbers.

    Strings are refused: they would need ``sympify``, which evaluates code.
    """
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a number; got bool {value!r}.")
    if isinstance(value, (int, np.integer)):
        return sp.Integer(int(value))
    if isinstance(value, fractions.Fraction):
        return sp.Rational(value.numerator, value.denominator)
    if isinstance(value, decimal.Decimal):
        return sp.Rational(*value.as_integer_ratio())
    if isinstance(value, (float, np.floating)):
        if not np.isfinite(value):
            raise ValueError(f"{name} must be finite; got {value!r}.")
        return sp.Float(float(value), digits) if digits else sp.Float(float(value))
    if isinstance(value, sp.Expr) and value.is_number and not value.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        return value
    raise TypeError(f"{name} must be a real number (int, float, Fraction, Decimal or SymPy number); "
                    f"got {type(value).__name__} {value!r}.")


def _as_grid(value: Any, shape: tuple[int, int], name: str) -> list[list[Any]]:
    if isinstance(value, sp.MatrixBase):
        value = value.tolist()
    a = np.asarray(value, dtype=object)
    if shape[1] == 1 and a.ndim == 1:
        a = a.reshape(-1, 1)
    if a.ndim == 0 and shape == (1, 1):
        a = a.reshape(1, 1)
    if a.shape != shape:
        want = f"{shape}" + (f" or ({shape[0]},)" if shape[1] == 1 else "")
        raise ValueError(f"{name} must have shape {want}; got {a.shape}.")
    return a.tolist()


def resolve_values(u: Unrolled, values: dict, digits: int | None = None) -> dict[sp.Symbol, sp.Expr]:
    """{leaf symbol: number} from a user mapping; every leaf of the graph must get a value.

    Keys: a leaf Symbol or its name ("W_hh_0_1", "x2", "h0"); a whole parameter or "h0" with a
    number (scalar case) or a nested list / array / Matrix of its shape; "x" (or "xs"): T
    inputs; "y": T target columns; "targets": T class indices for cross_entropy (else the same
    as "y"); "w" (or "loss_weights"): T weights when the graph is ``weighted``. Entries for
    steps without a loss (loss_at="last") are ignored.
    """
    if not isinstance(values, dict):
        raise TypeError(f"values must be a dict; got {type(values).__name__}.")
    by_name = {str(s): s for s in u.leaves}
    out: dict[sp.Symbol, sp.Expr] = {}
    for key, v in values.items():
        if isinstance(key, sp.Symbol):
            key = str(key)
        if not isinstance(key, str):
            raise TypeError(f"values keys must be symbols or names; got {type(key).__name__} {key!r}.")
        if key in _MATRIX_KEYS:          # before leaf names: the scalar W_hh is both
            m = u.mat(key)
            for s, x in zip(m, sum(_as_grid(v, m.shape, key), [])):
                out[s] = to_number(x, key, digits)
        elif key in by_name:
            out[by_name[key]] = to_number(v, key, digits)
        elif key in _SEQUENCE_KEYS:
            out.update(_sequence(u, _SEQUENCE_KEYS[key], key, v, digits))
        else:
            raise ValueError(f"values has an unknown key {key!r}; use leaf names such as "
                             f"{list(by_name)[:4]} or one of {list(_MATRIX_KEYS)}, 'x', 'y', 'targets'.")
    missing = [str(s) for s in u.leaves if s not in out]
    if missing:
        more = f" (and {len(missing) - 8} more)" if len(missing) > 8 else ""
        raise ValueError(f"values is missing {missing[:8]}{more}.")
    return out


def _sequence(u: Unrolled, kind: str, key: str, seq: Any, digits: int | None) -> dict:
    seq = list(seq.tolist() if isinstance(seq, np.ndarray) else seq)
    if len(seq) != u.T:
        raise ValueError(f"{key} must hold T = {u.T} entries (one per step); got {len(seq)}.")
    out = {}
    for t, item in enumerate(seq, start=1):
        if kind == "w":
            if t in u.weights:
                out[u.weights[t]] = to_number(item, f"{key}[{t - 1}]", digits)
            continue
        if kind == "targets" and u.loss == "cross_entropy":
            if isinstance(item, bool) or not isinstance(item, (int, np.integer)) or not 0 <= item < u.output_size:
                raise ValueError(f"{key}[{t - 1}] must be a class index in [0, {u.output_size - 1}]; got {item!r}.")
            item = [int(i == item) for i in range(u.output_size)]
        base = "x" if kind == "x" else "y"
        if base == "y" and t not in u.loss_steps:
            continue
        m = u.mat(base, t)
        for s, x in zip(m, sum(_as_grid(item, m.shape, f"{key}[{t - 1}]"), [])):
            out[s] = to_number(x, f"{key}[{t - 1}]", digits)
    return out


class Evaluation(dict):
    """{gradient name: value} (number in the scalar case, else Matrix) and everything on the way.

    Attributes: loss (L = Σ_t L_t, always the full loss); losses {t: L_t}; values {symbol:
    number} for every leaf, node and δ entry; contributions {name: [(t, tau, value)]}; dxs
    [∂L/∂x_t for t = 1..T]. ``node("h", 2)``, ``delta(1)``, ``da(1)`` give single nodes.
    """

    def __init__(self, derivation: Derivation, grads, values, contributions, dxs) -> None:
        super().__init__(grads)
        u = self.unrolled = derivation.unrolled
        self.derivation, self.values, self.contributions, self.dxs = derivation, values, contributions, dxs
        self.losses = {t: values[u.L[t]] for t in u.loss_steps}
        self.loss = values[u.total_loss]

    def node(self, base: str, t: int) -> Any:
        """The value of a_t, h_t or o_t (base "a", "h", "o")."""
        return self.unrolled.public(self.unrolled.mat(base, t).xreplace(self.values))

    def delta(self, t: int, tau: int | None = None) -> Any:
        """δ_t (full BPTT) or the δ_t of the window of update point ``tau`` (truncated)."""
        for s, label, sym, _ in self.derivation._delta:
            if s == t and label == tau:
                return self.unrolled.public(sym.xreplace(self.values))
        raise KeyError(f"no δ_{t}" + (f" in the window of τ = {tau}" if tau else "") + " in this derivation")

    def da(self, t: int, tau: int | None = None) -> Any:
        """∂L/∂a_t = f'(a_t) ⊙ δ_t."""
        fp = self.derivation._fp[t].xreplace(self.values)
        d = self.delta(t, tau)
        return fp[0, 0] * d if self.unrolled.scalar else Matrix(fp.multiply_elementwise(d))


def evaluate(derivation: Derivation, values: dict, *, digits: int | None = None) -> Evaluation:
    """Evaluate ``derivation`` at ``values`` (see ``resolve_values`` for the keys).

    digits: None for exact arithmetic, else significant digits (1..1000) kept at every node.
    """
    if digits is not None and (isinstance(digits, bool) or not isinstance(digits, int) or not 1 <= digits <= 1000):
        raise ValueError(f"digits must be None or an integer in [1, 1000]; got {digits!r}.")
    u = derivation.unrolled
    val: dict[sp.Basic, sp.Expr] = dict(resolve_values(u, values, digits))
    rnd = (lambda e: e.evalf(digits)) if digits else (lambda e: e)
    for defs in (u.definitions, derivation.delta_definitions()):
        for sym, rhs in defs.items():
            val[sym] = rnd(rhs.xreplace(val))

    def num(m: Matrix) -> Matrix:
        return Matrix(m.xreplace(val).applyfunc(rnd))

    contributions, grads = {}, {}
    for name in GRADIENT_NAMES:
        parts = [(t, tau, num(v)) for t, tau, v in derivation._contrib[name]]
        total = Matrix(sum((p[2] for p in parts), sp.zeros(*derivation.shape(name))).applyfunc(rnd))
        contributions[name] = [(t, tau, u.public(v)) for t, tau, v in parts]
        grads[name] = u.public(total)
    dxs = [sp.zeros(u.input_size, 1) for _ in range(u.T)]
    for t, _, v in derivation._dx:
        dxs[t - 1] = dxs[t - 1] + num(v)
    return Evaluation(derivation, grads, val, contributions, [u.public(Matrix(x).applyfunc(rnd)) for x in dxs])
