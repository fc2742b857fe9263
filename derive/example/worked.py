"""The article's scalar worked example, exactly: forward and backward tables in SymPy Rationals.

A scalar RNN (H = D = V = 1) over T steps, every number an exact Rational::

    a_t = W_xh x_t + W_hh h_{t-1} + b_h,   h_t = f(a_t),   ŷ_t = W_hy h_t + b_y,   L = Σ_t L_t

Backward, as the article writes it (docs/worked-example.md)::

    δ_T = W_hy ∂L_T/∂ŷ_T
    δ_t = W_hy ∂L_t/∂ŷ_t + W_hh f'(a_{t+1}) δ_{t+1}          # ∂h_{t+1}/∂h_t = f'(a_{t+1}) W_hh
    ∂L/∂a_t = f'(a_t) δ_t;   contributions: W_xh += ∂L/∂a_t x_t,  W_hh += ∂L/∂a_t h_{t-1}, ...

f, f' and the losses come from the shared rules table (numeric/rules.py) evaluated with
SYMPY_NS; nothing here re-states them. Every quantity is a ``Value``: a compact exact form,
written in the symbols h1..hT wherever h_t is irrational (tanh(1/2) stays ``h1``), and the
closed form with those substituted, which ``sympy.sympify`` reads back.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from .canonical import canonical
from typing import Any, Mapping

import sympy as sp

from numeric.rules import ACTIVATIONS, LOSSES, REAL_TARGET_LOSSES, gamma
from numeric.validate import check_activation, check_choice, check_loss_at

from .exact import as_rational, as_rationals
from .latex import to_latex
from .render import to_json, to_markdown, to_text
from .values import GRADIENTS, MAX_DIGITS, PARAMETERS, Hidden, Value, check_digits
from ..namespace import SYMPY_NS

EXAMPLE_LOSSES = REAL_TARGET_LOSSES                       # real targets, one scalar output


@dataclass(frozen=True)
class ForwardStep:
    """Step t of the forward pass: a_t, h_t = f(a_t), ŷ_t, and L_t (0 where no loss)."""

    t: int
    a: Value
    h: Value
    yhat: Value
    loss: Value


@dataclass(frozen=True)
class BackwardStep:
    """Step t of the backward pass.

    dyhat: ∂L_t/∂ŷ_t (0 where step t has no loss); delta: δ_t = ∂L/∂h_t; fprime: f'(a_t);
    da: ∂L/∂a_t = f'(a_t) δ_t; decay: W_hh f'(a_t), the factor one step back from h_t to
    h_{t-1}; contrib: this step's term of each gradient (keys PARAMETERS).
    ``WorkedExample.share(t, s)`` splits δ_t by the loss L_s it comes from.
    """

    t: int
    dyhat: Value
    delta: Value
    fprime: Value
    da: Value
    decay: Value
    contrib: Mapping[str, Value]


@dataclass(frozen=True)
class WorkedExample:
    """The worked example's setup, forward and backward tables, loss and gradients.

    parameters: exact W_xh, W_hh, W_hy, b_h, b_y, h0; x, targets: T exact values each.
    forward, backward: one row per step, t = 1..T (both in time order).
    hidden: {h_t symbol: closed form} for each irrational hidden state used in compact forms.
    gradients: ∂L/∂θ for θ in GRADIENTS (W_xh, W_hh, W_hy, b_h, b_y, h0).
    """

    parameters: Mapping[str, sp.Rational]
    x: tuple[sp.Rational, ...]
    targets: tuple[sp.Rational, ...]
    activation: str
    loss: str
    loss_at: str
    forward: tuple[ForwardStep, ...]
    backward: tuple[BackwardStep, ...]
    total_loss: Value
    gradients: Mapping[str, Value]
    hidden: Mapping[sp.Symbol, sp.Expr]

    @property
    def T(self) -> int:
        return len(self.x)

    @property
    def loss_steps(self) -> tuple[int, ...]:
        """The steps t that carry a loss L_t (all of them, or only T for loss_at='last')."""
        return tuple(range(1, self.T + 1)) if self.loss_at == "all" else (self.T,)

    def share(self, t: int, s: int) -> Value:
        """The part of δ_t that comes from the loss L_s (0 unless s >= t carries a loss).

        δ_t = Σ_s share(t, s), with share(t, s) = W_hy ∂L_s/∂ŷ_s · Π_{r=t+1..s} W_hh f'(a_r):
        the signal of L_s, scaled once per step on its way back from h_s to h_t.
        """
        if not (1 <= t <= self.T and 1 <= s <= self.T):
            raise ValueError(f"share(t, s) needs 1 <= t, s <= T = {self.T}; got t = {t}, s = {s}.")
        b = self.backward
        if s < t or s not in self.loss_steps:
            return Value(sp.Integer(0), b[0].delta.context)
        chain = sp.Mul(*(b[r - 1].fprime.compact for r in range(t + 1, s + 1)))
        coeff = self.parameters["W_hh"] ** (s - t) * self.parameters["W_hy"]
        return Value(coeff * (chain * b[s - 1].dyhat.compact), b[0].delta.context)

    @property
    def is_canonical(self) -> bool:
        """True for the article's example as stored in derive/example/worked_example.json."""
        c = canonical()
        return (all(self.parameters[k] == as_rational(v, name=k) for k, v in c["parameters"].items())
                and self.x == as_rationals(c["x"]) and self.targets == as_rationals(c["targets"])
                and (self.activation, self.loss, self.loss_at) == (c["activation"], c["loss"], c["loss_at"]))

    def to_text(self, digits: int = 6) -> str:
        return to_text(self, digits)

    def to_markdown(self, digits: int = 6) -> str:
        return to_markdown(self, digits)

    def to_latex(self, digits: int = 6) -> str:
        return to_latex(self, digits)

    def to_json(self) -> dict[str, Any]:
        return to_json(self)

    def __str__(self) -> str:
        return self.to_text()

    def _repr_latex_(self) -> str:
        return to_latex(self, 6, display=("$$", "$$"))


def worked_example(*, x: Any = None, targets: Any = None, W_xh: Any = None, W_hh: Any = None,
                   W_hy: Any = None, b_h: Any = None, b_y: Any = None, h0: Any = None,
                   activation: str | None = None, loss: str | None = None,
                   loss_at: str | None = None) -> WorkedExample:
    """Compute the scalar worked example exactly; every argument defaults to the canonical value.

    Args:
      x, targets: T >= 1 numbers each (a sequence, or a comma-separated string "1, 1/4").
      W_xh, W_hh, W_hy, b_h, b_y, h0: one number each.
        Numbers are ints, Fractions, SymPy Rationals, floats (read by their repr: 0.1 is
        1/10) or strings read by ``derive.example.exact.parse_number`` ("0.1", "1/4").
      activation: "tanh" | "sigmoid" | "relu" | "identity" (relu'(0) = 0).
      loss: "half_sse" ½(ŷ−y)² | "sse" (ŷ−y)² | "mse" (ŷ−y)² / (number of steps with a loss).
      loss_at: "all" (a loss at every step) or "last" (only L_T).
    Returns:
      WorkedExample with exact forward/backward tables and gradients.
    """
    c = canonical()
    given = {"W_xh": W_xh, "W_hh": W_hh, "W_hy": W_hy, "b_h": b_h, "b_y": b_y, "h0": h0}
    prm = {k: as_rational(c["parameters"][k] if v is None else v, name=k) for k, v in given.items()}
    xs = as_rationals(c["x"] if x is None else x, name="x")
    ys = as_rationals(c["targets"] if targets is None else targets, name="targets")
    if not xs:
        raise ValueError("x must hold at least one value (T >= 1); got an empty sequence.")
    if len(ys) != len(xs):
        raise ValueError(f"targets must have one value per step, T = {len(xs)} (from x); got {len(ys)}.")
    activation = check_activation(c["activation"] if activation is None else activation)
    loss = _check_loss(c["loss"] if loss is None else loss)
    loss_at = check_loss_at(c["loss_at"] if loss_at is None else loss_at)
    return _compute(prm, xs, ys, activation, loss, loss_at)


def _check_loss(loss: Any) -> str:
    if loss in LOSSES and loss not in EXAMPLE_LOSSES:
        raise ValueError(f"loss={loss!r} needs class targets; the scalar worked example takes one of "
                         f"{sorted(EXAMPLE_LOSSES)}.")
    return check_choice("loss", loss, EXAMPLE_LOSSES)


def _times(c: sp.Rational, e: sp.Expr) -> sp.Expr:
    """c·e for display: a rational c stays outside a sum ((1 - h2**2)/2, not 1/2 - h2**2/2)."""
    if isinstance(e, sp.Add) and c not in (0, 1, -1):
        return sp.Mul(c, e, evaluate=False)
    return c * e


def _compute(prm: Mapping[str, sp.Rational], xs: tuple, ys: tuple, activation: str, loss: str,
             loss_at: str) -> WorkedExample:
    """Forward pass, then the δ recursion, in compact forms; closed forms by substitution."""
    act, rule, ns = ACTIVATIONS[activation], LOSSES[loss], SYMPY_NS
    T = len(xs)
    W_xh, W_hh, W_hy, b_h, b_y = (prm[k] for k in PARAMETERS)
    steps = range(1, T + 1) if loss_at == "all" else (T,)
    scale = sp.Rational(1, len(steps)) if rule.scale_by_count else sp.Integer(1)

    defs: dict[sp.Symbol, sp.Expr] = {}     # h<t> -> h_t in earlier symbols, irrational h_t only
    hs = [prm["h0"]]                         # h_0..h_T as used in compact forms
    rows: list[dict[str, sp.Expr]] = []
    for t in range(1, T + 1):
        a = W_xh * xs[t - 1] + W_hh * hs[t - 1] + b_h
        h_val = act.value(ns, a)
        h = h_val if h_val.is_Rational else sp.Symbol(f"h{t}")
        if h is not h_val:
            defs[h] = h_val
        hs.append(h)
        yhat = W_hy * h + b_y
        on = t in steps
        rows.append({"a": a, "h": act.value(ns, a), "yhat": yhat,
                     "loss": scale * rule.value(ns, yhat, ys[t - 1]) if on else sp.Integer(0),
                     "dyhat": scale * rule.grad(ns, yhat, ys[t - 1]) if on else sp.Integer(0),
                     "fprime": act.deriv(ns, h)})

    growth = float(abs(W_hh)) * gamma(activation)
    ctx = Hidden(defs, guard=20 + math.ceil(T * math.log10(max(1.0, growth))))

    def V(expr: Any) -> Value:
        return Value(sp.sympify(expr), ctx)  # our own expressions and ints, never user text

    back: list[BackwardStep] = []
    delta_next = sp.Integer(0)
    for t in range(T, 0, -1):
        r = rows[t - 1]
        # W_hh f'(a_{t+1}) δ_{t+1} = (∂h_{t+1}/∂h_t)ᵀ δ_{t+1}; multiplied in this order so that
        # SymPy does not distribute the rational W_hh over f' (keeps "(1 - h2**2)/2" readable)
        carry = W_hh * (rows[t]["fprime"] * delta_next) if t < T else sp.Integer(0)
        delta = W_hy * r["dyhat"] + carry
        da = r["fprime"] * delta
        contrib = {"W_xh": da * xs[t - 1], "W_hh": da * hs[t - 1], "W_hy": r["dyhat"] * hs[t],
                   "b_h": da, "b_y": r["dyhat"]}
        back.append(BackwardStep(t, V(r["dyhat"]), V(delta), V(r["fprime"]), V(da),
                                 V(_times(W_hh, r["fprime"])), {k: V(v) for k, v in contrib.items()}))
        delta_next = delta
    back.reverse()

    grads = {k: V(sp.Add(*(b.contrib[k].compact for b in back))) for k in PARAMETERS}
    grads["h0"] = V(W_hh * back[0].da.compact)
    forward = tuple(ForwardStep(t, V(r["a"]), V(r["h"]), V(r["yhat"]), V(r["loss"]))
                    for t, r in enumerate(rows, start=1))
    return WorkedExample(dict(prm), tuple(xs), tuple(ys), activation, loss, loss_at, forward,
                         tuple(back), V(sp.Add(*(r["loss"] for r in rows))), grads, dict(ctx.full))


__all__ = ["BackwardStep", "EXAMPLE_LOSSES", "ForwardStep", "GRADIENTS", "Hidden", "MAX_DIGITS", "PARAMETERS",
           "Value", "WorkedExample", "canonical", "check_digits", "worked_example"]
