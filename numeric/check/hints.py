"""Plain-language readings of the findings: what the pattern of wrong quantities points to.

Heuristics, phrased as "points to", never as proof. They read: which quantities are wrong
(by their role in the column convention, so the row convention's dWh is W_hh), the smallest T
of each, whether the wrong answers were exactly zero, and the factor dependencies. A
dependence on truncation, loss placement, weight scale or batch size marks a conditional bug,
and the structural readings (through-time term, accumulation, f') are then left out.
"""

from __future__ import annotations

from typing import Any

from ..params import LAYER_PARAMS
from .diagnose import ERROR, Finding, findings
from .localise import localise
from .spec import ROLE, CheckSpec

THROUGH_TIME = ("the through-time term is wrong — δ_t = ∂L_t/∂h_t + W_hhᵀ (f'(a_{t+1}) ⊙ δ_{t+1}) "
                "(docs/check.md)")
SINGLE = {   # {n}: the quantity as the user's function names it (W_hh, or dWh in the row convention)
    "W_hh": "Only the W_hh gradient ({n}) is wrong, already at T = 1: ∂L/∂W_hh = Σ_t ∂L/∂a_t h_{{t-1}}ᵀ — "
            "its second factor must be the previous state h_{{t-1}} (h0 at t = 1), not h_t.",
    "b_h": "Only the bias gradient ({n}) is wrong: it must be Σ_t ∂L/∂a_t (summed over time, and over "
           "the batch), one entry per hidden unit.",
    "h0": "Only ∂L/∂h0 ({n}) is wrong: it is W_hhᵀ ∂L/∂a_1 (the weight gradients are right, so δ is).",
    "W_xh": "Only the W_xh gradient ({n}) is wrong: ∂L/∂W_xh = Σ_t ∂L/∂a_t x_tᵀ.",
    "xs": "Only ∂L/∂x ({n}) is wrong: ∂L/∂x_t = W_xhᵀ ∂L/∂a_t.",
}
CONDITIONAL = {"truncation", "loss_at", "dh_at", "scale", "batch"}
MIN_FAILING = 3     # a dependence is claimed only from this many failing sweep cases, or more


def _join(xs) -> str:
    return ", ".join(xs)


def hints(found: list[Finding], spec: CheckSpec, *, state_changed: bool, why: Any = None,
          outcomes: list[Any] = (), swept: list[Any] = ()) -> list[str]:
    """Every reading that applies, most specific first: clipping inside fn, then the mistake
    whose variant of the reference reproduces fn (numeric/check/mistakes/), else the pattern of
    the wrong quantities — computed on the cases clipping does not explain."""
    out = []
    if state_changed:
        out.append("The same input gave different answers on two calls: state carried between calls "
                   "(a global hprev, a cache, an optimiser step inside fn) changes the results.")
    by = {f.name: f for f in found}
    if ERROR in by and by[ERROR].wrong:
        out.append(f"fn raised or answered in the wrong form on {by[ERROR].count_wrong} case(s), from "
                   f"T = {by[ERROR].smallest_T} (see the counterexample).")
    if why is not None and why.clip is not None:
        kind, c = why.clip
        how = f"clipped to [−{c:.6g}, {c:.6g}] (np.clip)" if kind == "value" else f"rescaled to a global norm of {c:.6g}"
        alone = (f"on {why.clip_cases} of the {why.failing} failing cases every gradient equals the "
                 f"reference's {how}" if why.clip_cases else
                 f"fn's gradients are {how} on several failing cases, though never the reference's alone")
        out.append(f"The gradients are clipped inside fn: {alone}. fn must return the gradient itself; "
                   "clip in the training loop instead.")
        if not why.rest:
            return out
        ids = why.clip_ids
        found = findings([f.name for f in found if f.name != ERROR], [o for o in outcomes if id(o) not in ids],
                         [o for o in swept if id(o) not in ids], spec)
        rest = _readings(found, spec, why, [])
        if rest:
            rest[0] = f"On the {len(why.rest)} failing case(s) clipping does not explain: {rest[0][0].lower()}{rest[0][1:]}"
        return out + rest
    return _readings(found, spec, why, out)


def _readings(found: list[Finding], spec: CheckSpec, why: Any, out: list[str]) -> list[str]:
    """The named mistake, else the pattern of the wrong quantities (after ``out``)."""
    wrong = [f for f in found if f.wrong and f.name != ERROR]
    if not wrong:
        return out
    if why is not None and why.mistakes:
        texts = why.texts()
        n = len(why.rest)
        out += [f"The mistake: {t} — on every one of the {n} failing case(s)." for t in texts]
        loc = localise(list(why.rest), spec)
        return out + ([loc] if loc else []) + [text for _, text in _dependence_hints(wrong, spec)]
    roles = {(ROLE.get(f.name, f.name) if spec.row else f.name): f for f in wrong}
    dep = _dependence_hints(wrong, spec)
    # Not seen only at the saturating scale is masking (f' ~ 0 hides most bugs), not a condition.
    conditional = bool({f for f, text in dep if not text.startswith("Not seen")} & CONDITIONAL)
    others = set(roles) - {"loss"}
    if "loss" in roles:
        out.append("Only the loss value is wrong; every gradient is right: L must be the sum Σ_t L_t "
                   "(not a mean) of -log p_t[y_t] (or the chosen loss) over the steps with a loss."
                   if not others else
                   f"The loss is wrong too (from T = {roles['loss'].smallest_T}): the loss formula or the "
                   "forward pass (states, outputs) differs — compare the counterexample's loss with the "
                   "expected one; no single classic mistake reproduces fn's answers.")
    zeros = [f.name for f in wrong if f.zeros and f.name != "loss"]
    if "loss" in roles or any(f == "h0" for f, _ in dep):
        zeros = []              # zeros from a wrong forward pass or an ignored h0, not from the loop
    if zeros:
        t = min(roles[r].smallest_T for r in roles if roles[r].name in zeros)
        out.append(f"{_join(zeros)} came back exactly zero where they should not (T = {t}): a step or a "
                   "term is never added — check the loop bounds (the backward loop must visit every "
                   "step t = T .. 1).")
    out_layer = others & {"W_hy", "b_y"}
    if out_layer and "loss" not in roles and not conditional:
        out.append("W_hy / b_y (the output layer, which has no recurrence) are wrong: ∂L_t/∂o_t itself "
                   "is wrong (for softmax cross-entropy it is p_t − onehot(y_t)).")
    rec = [r for r in (*LAYER_PARAMS, "h0", "xs") if r in roles]
    if rec and others == {rec[0]} and rec[0] in SINGLE and (rec[0] != "W_hh" or roles["W_hh"].smallest_T == 1):
        out.append(SINGLE[rec[0]].format(n=roles[rec[0]].name))
    elif rec and not (out_layer or zeros or "loss" in roles or conditional):
        out += _structural(roles, rec, activation_explained=any(f == "activation" for f, _ in dep))
    loc = localise(list(why.rest) if why is not None else [], spec)
    return out + ([loc] if loc else []) + [text for _, text in dep]


def _structural(roles: dict[str, Finding], rec: list[str], *, activation_explained: bool) -> list[str]:
    names = _join(roles[r].name for r in rec)
    t = {r: roles[r].smallest_T for r in rec}
    if len(rec) > 1 and t.get("h0") == 1 and all(v >= 2 for r, v in t.items() if r != "h0"):
        return [f"∂L/∂h0 ({roles['h0'].name}) is wrong from T = 1 but the weight gradients only from "
                "T = 2: the step from ∂L/∂a_t back to ∂L/∂h_{t-1} is wrong — it is W_hhᵀ ∂L/∂a_t "
                "(is W_hh transposed?)."]
    if min(t.values()) >= 2:
        if "b_h" not in roles and {"W_xh", "W_hh"} & set(roles):
            return [f"{names}: right at T = 1, wrong from T = {min(t.values())} while the bias gradient "
                    "is right, so ∂L/∂a_t is right: the per-step contributions are not summed over t "
                    "(overwritten instead of accumulated?)."]
        return [f"{names}: right at T = 1, wrong from T = {min(t.values())}: {THROUGH_TIME}."]
    if {"W_xh", "b_h"} <= set(roles) and not activation_explained:
        return [f"{names}: ∂L/∂a_t is wrong already at T = 1: the step through the activation is "
                "wrong — ∂L/∂a_t = ∂L/∂h_t ⊙ f'(a_t), with f' computed from h_t (tanh: 1 − h_t², "
                "sigmoid: h_t (1 − h_t))."]
    return []


def _dependence_hints(wrong: list[Finding], spec: CheckSpec) -> list[tuple[str, str]]:
    """(factor, text) for every factor whose levels split the wrong quantities' failures."""
    out = []
    factors = spec.factors()
    rep = max(wrong, key=lambda f: f.count_wrong)          # the most often wrong quantity's counts
    for factor, levels in factors.items():
        seen = {lv for f in wrong if factor in f.depends for lv in f.depends[factor][0]}
        right = [lv for lv in levels if lv not in seen]
        if not seen or not right:
            continue
        counts = rep.counts.get(factor, {})
        if sum(w for w, _ in counts.values()) < MIN_FAILING:
            continue                    # too few failing cases to tell a dependence from chance
        bad = sorted(seen)
        per = ", ".join(f"{w}/{n} at {factor} = {lv}" for lv, (w, n) in counts.items())
        out.append((factor, f"{_dependence_text(factor, bad, right, spec)} ({rep.name} wrong in {per}.)"))
    return out


def _dependence_text(factor: str, bad: list[str], right: list[str], spec: CheckSpec) -> str:
    if factor == "activation":
        if right == ["identity"]:
            return ("Right only for the identity activation (f' = 1): the activation derivative f'(a_t) "
                    "is missing or wrong.")
        if len(right) == 1:
            return f"Right only for {right[0]}: {right[0]}'s derivative seems to be used for every activation."
        return f"Wrong only for the activation(s) {_join(bad)}: check their derivatives."
    if factor == "h0" and bad == ["nonzero"]:
        return ("Wrong only when h0 ≠ 0: h0 is not used as given (the forward pass must start from h0, "
                "and h_{t-1} at t = 1 is h0).")
    if factor == "batch" and bad == [">1"]:
        return ("Right for one sequence (N = 1), wrong for N > 1: a reduction over the batch axis is "
                "wrong (sum, not mean; every sequence, not one).")
    if factor in ("loss_at", "dh_at"):
        if spec.row:
            where = {"all": "when the upstream dh is non-zero before the last step: dh[:, t] must be "
                            "added at every step t, not only at T",
                     "last": "when only the last step has an upstream gradient"}
        else:
            where = {"all": "with a loss at every step: the terms ∂L_t/∂h_t for t < T are mishandled",
                     "last": "with the loss at the last step only: steps without a loss must "
                             "contribute no ∂L_t/∂o_t and no loss"}
        return f"Wrong only {where[bad[0]]}."
    if factor == "truncation" and bad == ["truncated"]:
        return ("Right for full BPTT, wrong when truncated: the truncation window is off (losses "
                "τ_prev < t ≤ τ reach back to step max(1, τ − k2 + 1); docs/truncation.md).")
    if factor == "scale" and bad == ["10"]:
        return ("Wrong only with large weights (scale 10), where gradients are large: they are "
                "probably clipped or rescaled inside fn (clip in the training loop instead).")
    if factor == "scale" and right == ["10"]:
        return (f"Not seen with large weights (scale 10): saturated units (f' ≈ 0) make the "
                f"difference vanish below the {spec.dtype.name} tolerance there; not a clue.")
    return f"Wrong only with {factor} = {_join(bad)}."
