"""What the article says of its worked example, checked on the example at hand.

The article ("A Worked Example") makes four statements; each becomes a ``Note`` saying
whether it holds for these numbers (they all hold for the canonical values; with
overrides some may not, and the note says why). The renderers print them; the tests
check the same four properties independently.
"""

from __future__ import annotations

from typing import Any

from dataclasses import dataclass

import sympy as sp

from .values import Value

# derive.example.worked.WorkedExample, taken by what it has, not imported: the example's display
# methods import this module at the top of theirs, one way, without an import circle.
WorkedExample = Any

# The article: "The tanh derivative (around 0.78-0.92 in our example)".
ARTICLE_TANH_RANGE = (sp.Rational(78, 100), sp.Rational(92, 100))

# How each activation's derivative is named and written in the notes and tables (display only;
# the values come from numeric/rules.py).
DERIV_NAME = {"tanh": "tanh'", "sigmoid": "σ'", "relu": "relu'", "identity": "f'"}


@dataclass(frozen=True)
class Note:
    """One of the article's statements: holds is True, False, or None (does not apply here)."""

    holds: bool | None
    text: str
    details: tuple[str, ...] = ()


def _number(v: Value) -> sp.Expr:
    """Something cheap to compare: the Rational itself, or 30 significant digits.

    Comparing closed forms like tanh(1/8 + tanh(1/2)/2) directly makes SymPy re-evaluate the
    nesting at every level; 30 digits decide every comparison made here (none is a tie).
    """
    return v.compact if not v.compact.free_symbols else v.evalf(30)


def _share_decimals(ex: WorkedExample, pairs, digits: int) -> list[str]:
    """Decimals of ``ex.share(t, s)`` for consecutive (t, s) pairs, one multiplication each.

    share(t, s) = W_hy ∂L_s/∂ŷ_s · Π_{r=t+1..s} W_hh f'(a_r): pairs must change t or s by one
    step at a time (t = 1 with s = 1, 2, …; or one s with t = s, s - 1, …), so that each product
    extends the previous one; building every share from scratch would cost O(T²).
    """
    b, ctx = ex.backward, ex.backward[0].delta.context
    dps = digits + 10
    num = lambda v: ctx.evalf(v.compact, dps)  # noqa: E731
    out, prod, zero, last = [], sp.Integer(1), False, None
    for t, s in pairs:
        if last is not None and last[0] == t and s == last[1] + 1:        # extend towards later s
            prod, zero = prod * num(b[s - 1].decay), zero or b[s - 1].decay.is_zero
        elif last is not None and last[1] == s and t == last[0] - 1:      # extend towards earlier t
            prod, zero = prod * num(b[t].decay), zero or b[t].decay.is_zero
        elif last is not None or t != s:
            raise ValueError(f"_share_decimals needs consecutive pairs starting at t = s; got {(t, s)}.")
        last = (t, s)
        direct = ex.parameters["W_hy"] * b[s - 1].dyhat.compact
        if zero or direct == 0 or s not in ex.loss_steps:
            out.append(str(sp.Integer(0)))
        else:
            out.append(str(sp.Float(prod * num(Value(direct, ctx)), digits)))
    return out


def _align_signs(nums: list[str]) -> list[str]:
    """Pad non-negative decimals by one space so that they line up with negative ones."""
    neg = any(n.startswith("-") for n in nums)
    return [(" " + n if neg and not n.startswith("-") else n) for n in nums]


def _steps(ts) -> str:
    ts = list(ts)
    if len(ts) <= 2:
        return " and ".join(str(t) for t in ts)
    return ", ".join(str(t) for t in ts[:-1]) + f" and {ts[-1]}"


def _path(s: int) -> str:
    """The hidden states the signal of L_s passes on its way back to h_1."""
    if s == 1:
        return "directly"
    if s <= 4:
        return "through " + ", ".join(f"h_{r}" for r in range(s, 1, -1))
    return f"through h_{s}, h_{s - 1}, …, h_2"


def note_w_hh_at_t1(ex: WorkedExample, digits: int) -> Note:
    """W_hh's contribution at t = 1 is ∂L/∂a_1 · h_0: zero exactly when h_0 = 0."""
    b = ex.backward
    first = b[0].contrib["W_hh"]
    later = [(s.t, s.contrib["W_hh"]) for s in b[1:]]
    rest = ", ".join(f"t = {t}: {v.decimal(digits)}" for t, v in later)
    if ex.parameters["h0"] != 0:
        return Note(False, f"W_hh's contribution at t = 1 is ∂L/∂a_1·h_0 = {first.decimal(digits)}, "
                           f"not 0: the article's zero needs h_0 = 0, here h_0 = {ex.parameters['h0']}.")
    ok = first.is_zero and all(not v.is_zero for _, v in later)
    text = "W_hh's contribution at t = 1 is ∂L/∂a_1·h_0 = 0 exactly, because h_0 = 0"
    if later:
        verb = "both contribute" if len(later) == 2 else ("contributes" if len(later) == 1 else "all contribute")
        zero = [t for t, v in later if v.is_zero]
        text += (f"; steps {_steps(t for t, _ in later)} {verb} ({rest})." if not zero else
                 f"; but step(s) {_steps(zero)} contribute 0 too ({rest}).")
    else:
        text += " (T = 1: there is no later step)."
    return Note(ok, text)


def note_delta1_collects_all_losses(ex: WorkedExample, digits: int) -> Note:
    """δ_1 = Σ_s (share of L_s): every loss reaches h_1."""
    steps = ex.loss_steps
    every = _share_decimals(ex, [(1, s) for s in range(1, steps[-1] + 1)], digits)
    parts = {s: every[s - 1] for s in steps}
    ok = all(parts[s] != "0" for s in steps)
    name = ("all three losses" if len(steps) == 3 else
            f"all {len(steps)} losses" if len(steps) > 1 else f"the one loss L_{steps[0]}")
    d = ex.backward[0].delta.decimal(digits)
    head = (f"δ_1 = ∂L/∂h_1 = {d} collects {name}:" if ok else
            f"δ_1 = ∂L/∂h_1 = {d} does not collect every loss (a share is 0):")
    lines = tuple(f"L_{s}: {v}  ({_path(s)})"
                  for s, v in zip(steps, _align_signs([parts[s] for s in steps])))
    return Note(ok, head, lines)


def note_deriv_range(ex: WorkedExample, digits: int) -> Note:
    """tanh'(a_t) lies in the article's [0.78, 0.92]."""
    name = DERIV_NAME[ex.activation]
    vals = ", ".join(b.fprime.decimal(digits) for b in ex.backward)
    lo, hi = ARTICLE_TANH_RANGE
    if ex.activation != "tanh":
        return Note(None, f"{name}(a_t) = {vals} (the article's 0.78–0.92 is about tanh').")
    inside = all(bool(lo <= _number(b.fprime) <= hi) for b in ex.backward)
    where = "inside" if inside else "not all inside"
    return Note(inside, f"{name}(a_t) = {vals}: {where} the article's \"around 0.78–0.92\".")


def note_decay(ex: WorkedExample, digits: int) -> Note:
    """Each step back multiplies the signal by W_hh·f'(a_t), which the article says is < 1."""
    name = DERIV_NAME[ex.activation]
    if ex.T == 1:
        return Note(None, f"Each step back scales the signal by W_hh·{name}(a_t); with T = 1 there is "
                          "no earlier step.")
    back = ex.backward[:0:-1]                            # t = T .. 2
    ok = all(bool(abs(_number(b.decay)) < 1) for b in back)
    factors = ", ".join(f"×{b.decay.decimal(digits)} (h_{b.t} → h_{b.t - 1})" for b in back)
    text = (f"Each earlier step's share is scaled by W_hh·{name}(a_t) "
            + ("< 1" if ok else "— not below 1 in size at every step") + f": {factors}.")
    s = ex.loss_steps[-1]
    chain = " → ".join(_share_decimals(ex, [(t, s) for t in range(s, 0, -1)], digits))
    details = (f"L_{s}'s share of δ_t, t = {s} … 1: {chain}",)
    if ok:
        details += ("Over many steps this shrinking compounds exponentially: the vanishing gradient.",)
    return Note(ok, text, details)


def article_notes(ex: WorkedExample, digits: int = 6) -> list[Note]:
    """The article's four statements about its worked example, checked on ``ex``."""
    return [note_w_hh_at_t1(ex, digits), note_delta1_collects_all_losses(ex, digits),
            note_deriv_range(ex, digits), note_decay(ex, digits)]


__all__ = ["ARTICLE_TANH_RANGE", "DERIV_NAME", "Note", "article_notes"]
