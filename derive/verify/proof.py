"""Independent proof: the δ-recursion gradients equal ``sympy.diff`` of the expanded loss.

Two routes share nothing but the graph's definitions (docs/derivation.md, section 7):

- ``naive_gradients(unrolled)``: ``sympy.diff`` of ``unrolled.expanded_loss()`` with respect
  to every parameter entry and h0 -- no δ, no chain rule of ours. For truncation,
  ``naive_truncated_gradients`` differentiates each window's loss with the state entering the
  window replaced by a constant symbol (the definition of numeric/truncation.py).
- ``prove_identical(derivation)``: the difference is identically 0. Every
  function application (tanh(...), exp(...), log(...)) is replaced by a fresh symbol, the
  rational function brought over one denominator, and its numerator expanded; a zero there is
  a zero for all values (a special case of an identity in more variables). This is how
  sigmoid's e^{-a}/(1+e^{-a})² from ``diff`` meets the table's h(1 - h).
- ``prove_at_points(derivation, ...)``: both sides at random exact rational points, evaluated
  with mpmath at ``digits + 20`` digits, must agree to ``digits`` significant digits.
  For relu the points are drawn away from the kink (|a_t| > 1/100 at every step).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

import mpmath
import sympy as sp
from sympy.functions.elementary.piecewise import ExprCondPair

from ..graph import Matrix, Unrolled
from ..gradients import GRADIENT_NAMES, Derivation

# ---- sympy.diff routes -------------------------------------------------------------------------


def naive_gradients(u: Unrolled, names=GRADIENT_NAMES) -> dict[str, Matrix]:
    """{name: ∂L/∂<name>} by ``sympy.diff`` of the fully expanded loss, entry by entry."""
    L = u.expanded_loss()
    return {n: u.mat(n).applyfunc(lambda s: sp.diff(L, s)) for n in names}


def naive_truncated_gradients(derivation: Derivation, names=GRADIENT_NAMES) -> dict[str, Matrix]:
    """The truncated gradients by ``sympy.diff``, one window (update point) at a time.

    In the window of τ the hidden state h_{start-1} entering it is replaced by constant
    symbols; the losses τ_prev < t <= τ are expanded from there and differentiated. h0 gets
    a gradient only from windows with start = 1, where h_{start-1} is h0 itself.
    """
    u = derivation.unrolled
    out = {n: [] for n in names}
    for w in derivation.windows:
        consts = u.mat("h", w.start - 1) if w.start == 1 else Matrix(
            [sp.Dummy(f"c{i}") for i in range(u.hidden_size)])
        back = dict(zip(consts, u.mat("h", w.start - 1).xreplace(u.expansion))) if w.start > 1 else {}
        exp: dict[sp.Symbol, sp.Expr] = dict(zip(u.mat("h", w.start - 1), consts))
        for sym, rhs in _window_definitions(u, w.start, w.tau):
            exp[sym] = rhs.xreplace(exp)
        loss = sp.Add(*[exp[u.L[t]] for t in w.losses])
        for n in names:
            if n == "h0" and w.start > 1:
                continue
            out[n].append(u.mat(n).applyfunc(lambda s: sp.diff(loss, s).xreplace(back)))
    return {n: Matrix(sum(parts[1:], parts[0])) if parts else Matrix(sp.zeros(*derivation.shape(n)))
            for n, parts in out.items()}


def _window_definitions(u: Unrolled, start: int, tau: int):
    nodes = set()
    for t in range(start, tau + 1):
        nodes.update(u.mat("a", t))
        nodes.update(u.mat("h", t))
        if t in u.L:
            nodes.update(u.mat("o", t))
            nodes.add(u.L[t])
    return [(s, rhs) for s, rhs in u.definitions.items() if s in nodes]


# ---- identically zero ----------------------------------------------------------------------------


def is_identically_zero(e: sp.Expr) -> bool:
    """True when ``e`` is shown to be 0 for all values (see the module docstring)."""
    if e == 0:
        return True
    atomized = e.xreplace(_atoms(e))
    numerator = sp.together(atomized).as_numer_denom()[0]
    return sp.expand(numerator) == 0


def _atoms(e: sp.Expr) -> dict:
    """Each function application -> a fresh symbol; exp(-z) -> 1/symbol of exp(z) (SymPy
    writes 1/exp(z) as exp(-z), so the two must share one symbol)."""
    reps, dummies = {}, {}
    for f in e.atoms(sp.Function):
        if not f.free_symbols:
            continue
        arg, neg = f.args[0] if f.args else None, False
        if isinstance(f, sp.exp) and arg.could_extract_minus_sign():
            arg, neg = -arg, True
        d = dummies.setdefault((type(f), arg) if isinstance(f, sp.exp) else f, sp.Dummy())
        reps[f] = 1 / d if neg else d
    return reps


@dataclass(frozen=True)
class ProofResult:
    """Per gradient name: proven (bool) and the largest relative difference seen (points)."""

    method: str
    proven: dict[str, bool]
    max_rel_diff: dict[str, float]

    @property
    def ok(self) -> bool:
        return all(self.proven.values())


def prove_identical(derivation: Derivation, names=GRADIENT_NAMES) -> ProofResult:
    """Our expanded gradient minus ``sympy.diff``'s is identically 0, entry by entry.

    For tanh, sigmoid and identity. relu's derivative is a Piecewise that SymPy cannot
    simplify to 0 symbolically (the difference is 0 on each side of every kink), so relu is
    refused with a ValueError pointing to ``prove_at_points``.
    """
    if derivation.unrolled.activation == "relu":
        raise ValueError("prove_identical supports activation tanh, sigmoid and identity; relu's "
                         "Piecewise derivative cannot be simplified to 0 symbolically. Use "
                         "prove_at_points(derivation), which evaluates both sides away from the kinks.")
    naive = _naive(derivation, names)
    proven = {n: all(is_identically_zero(a - b) for a, b in zip(derivation.expanded_matrix(n), naive[n]))
              for n in names}
    return ProofResult("identical", proven, {n: 0.0 if ok else float("nan") for n, ok in proven.items()})


def _naive(derivation: Derivation, names) -> dict[str, Matrix]:
    if derivation.truncation is None:
        return naive_gradients(derivation.unrolled, names)
    return naive_truncated_gradients(derivation, names)


# ---- at rational points ---------------------------------------------------------------------------


def random_point(u: Unrolled, rng: random.Random, *, max_den: int = 9) -> dict[sp.Symbol, sp.Rational]:
    """Exact rationals p/q in [-1, 1] (q <= max_den) for every leaf; y one-hot-free reals."""
    out = {}
    for s in u.leaves:
        q = rng.randint(1, max_den)
        out[s] = sp.Rational(rng.randint(-q, q), q)
    return out


def mp_eval(expr: sp.Basic, values: dict, memo: dict | None = None) -> mpmath.mpf:
    """Evaluate a SymPy expression with mpmath at the current precision; shared subtrees once.

    Supports what the graph and ``sympy.diff`` of it are built from: numbers, symbols, Add,
    Mul, Pow, tanh, exp, log, and Piecewise with relational / And / Or / Not / ITE conditions.
    ``values`` maps symbols to mpf or SymPy numbers.
    """
    memo = {} if memo is None else memo
    stack = [(expr, False)]
    while stack:
        e, ready = stack.pop()
        if e in memo or e in values:
            continue
        if e is sp.true or e is sp.false:
            memo[e] = bool(e)
        elif e.is_Number:
            memo[e] = mpmath.mpf(e.p) / e.q if e.is_Rational else mpmath.mpf(str(e))
        elif e.is_Symbol:
            raise ValueError(f"no value for symbol {e}")
        elif not ready:
            stack.append((e, True))
            stack.extend((a, False) for a in e.args)
        else:
            memo[e] = _apply(e, [memo[a] if a in memo else _val(values, a) for a in e.args])
    return memo[expr] if expr in memo else _val(values, expr)


def _val(values, s):
    v = values[s]
    return v if isinstance(v, mpmath.mpf) else mpmath.mpf(v.p) / v.q if getattr(v, "is_Rational", False) \
        else mpmath.mpf(str(v))


_FUNCS = {sp.tanh: mpmath.tanh, sp.exp: mpmath.exp, sp.log: mpmath.log}
_OPS = {sp.StrictGreaterThan: lambda a, b: a > b, sp.StrictLessThan: lambda a, b: a < b,
        sp.GreaterThan: lambda a, b: a >= b, sp.LessThan: lambda a, b: a <= b,
        sp.And: lambda *v: all(v), sp.Or: lambda *v: any(v), sp.Not: lambda v: not v,
        sp.ITE: lambda c, a, b: a if c else b, ExprCondPair: lambda v, c: (v, c)}


def _apply(e, vals):
    if e.is_Add:
        return mpmath.fsum(vals)
    if e.is_Mul:
        return mpmath.fprod(vals)
    if e.is_Pow:
        return vals[0] ** vals[1]
    if type(e) in _FUNCS:
        return _FUNCS[type(e)](vals[0])
    if type(e) in _OPS:
        return _OPS[type(e)](*vals)
    if isinstance(e, sp.Piecewise):
        for value, cond in vals:
            if cond:
                return value
        raise ValueError(f"no branch of {e} holds")
    raise TypeError(f"mp_eval cannot evaluate {type(e).__name__}: {e}")


def graph_values(derivation: Derivation, point: dict) -> dict:
    """mpf values of every leaf, node and δ entry of ``derivation`` at ``point`` (compact route)."""
    u = derivation.unrolled
    vals = {s: _val(point, s) for s in u.leaves}
    memo: dict = {}
    for defs in (u.definitions, derivation.delta_definitions()):
        for sym, rhs in defs.items():
            vals[sym] = mp_eval(rhs, vals, memo)
    return vals


def symbolic_preactivation_margin(derivation: Derivation, point: dict) -> float:
    """min over t and entries of |a_t| at a symbolic ``point`` (relu's distance from its kink),
    at 30 digits; numeric.problem.preactivation_margin is the same for NumPy arrays."""
    with mpmath.workdps(30):
        vals = graph_values(derivation, point)
        return float(min(abs(vals[s]) for t in range(1, derivation.unrolled.T + 1)
                         for s in derivation.unrolled.mat("a", t)))


def prove_at_points(derivation: Derivation, *, points: int = 3, digits: int = 50, seed: int = 0,
                    names=GRADIENT_NAMES) -> ProofResult:
    """Our gradients and ``sympy.diff``'s agree to ``digits`` significant digits at random points."""
    u, rng = derivation.unrolled, random.Random(seed)
    naive = _naive(derivation, names)
    worst = {n: 0.0 for n in names}
    for _ in range(points):
        point = random_point(u, rng)
        while u.activation == "relu" and symbolic_preactivation_margin(derivation, point) < 0.01:
            point = random_point(u, rng)
        with mpmath.workdps(digits + 20):
            vals = graph_values(derivation, point)
            memo: dict = {}
            for n in names:
                ours = [mp_eval(e, vals) for e in derivation.compact_matrix(n)]
                theirs = [mp_eval(e, point, memo) for e in naive[n]]
                for a, b in zip(ours, theirs):
                    rel = abs(a - b) / max(abs(a), abs(b), mpmath.mpf(10) ** -digits)
                    worst[n] = max(worst[n], float(rel))
    proven = {n: worst[n] <= 10.0 ** -digits for n in names}
    return ProofResult(f"{points} rational points, {digits} digits", proven, worst)


def check_equal_at_points(a: Any, b: Any, leaves, *, points: int = 3, digits: int = 50,
                          seed: int = 0) -> float:
    """Largest relative difference of two expressions in ``leaves`` at random rational points."""
    rng, worst = random.Random(seed), 0.0
    for _ in range(points):
        point = {s: sp.Rational(rng.randint(-9, 9), rng.randint(1, 9)) for s in leaves}
        with mpmath.workdps(digits + 20):
            x, y = mp_eval(a, point), mp_eval(b, point)
            worst = max(worst, float(abs(x - y) / max(abs(x), abs(y), mpmath.mpf(10) ** -digits)))
    return worst
