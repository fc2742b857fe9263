"""Plain-language readings of a gated cell's findings, most specific first: state carried
between calls, the named mistake (mistakes.py), else which quantities are wrong from which T —
for stacked layouts, in which gates' blocks — and the factor dependencies (with counts, only
from the elman checker's MIN_FAILING failing sweep cases or more)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..diagnose import ERROR, Finding
from ..hints import MIN_FAILING
from .spec import CellSpec

STACKED = {"row": ("dWx", "dWh", "db"), "torch": ("rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0",
                                                  "rnn.bias_hh_l0")}


def hints(found: list[Finding], spec: CellSpec, *, state_changed: bool, mistakes, failing: list[Any]) -> list[str]:
    out = []
    if state_changed:
        out.append("The same input gave different answers on two calls: state carried between calls "
                   "(a global state, a cache, an optimiser step inside fn) changes the results.")
    by = {f.name: f for f in found}
    if ERROR in by and by[ERROR].wrong:
        out.append(f"fn raised or answered in the wrong form on {by[ERROR].count_wrong} case(s), from "
                   f"T = {by[ERROR].smallest_T} (see the counterexample).")
    wrong = [f for f in found if f.wrong and f.name != ERROR]
    if not wrong:
        return out
    if mistakes:
        out += [f"The mistake: {m.text} — on every one of the {len(failing)} failing case(s)." for m in mistakes]
        return out + _dependence(wrong, spec)
    if "loss" in by and by["loss"].wrong or "h" in by and by["h"].wrong:
        q = "the loss" if "loss" in by and by["loss"].wrong else "h (forward's output)"
        out.append(f"The forward pass itself differs: {q} is wrong (from T = {(by.get('loss') or by['h']).smallest_T}), "
                   f"and it depends on the forward pass alone — compare the cell's equations ({_equations(spec)}) "
                   "with your forward code.")
    t = min(f.smallest_T for f in wrong)
    names = ", ".join(f"{f.name} (from T = {f.smallest_T})" for f in wrong)
    searched = (f"no classic {spec.cell} mistake reproduces fn's answers" if spec.cell in ("lstm", "gru")
                else f"the search for classic mistakes covers lstm and gru only, not cell {spec.cell}")
    out.append(f"Wrong: {names} — {searched}"
               + (" — right at T = 1: the terms carried back through time are wrong." if t >= 2 else "."))
    back = _state_step(wrong, spec)
    if back:
        out.append(back)
    blocks = _blocks(failing, spec)
    if blocks:
        out.append(blocks)
    return out + _dependence(wrong, spec)


def _state_step(wrong: list[Finding], spec: CellSpec) -> str | None:
    """∂L/∂s_0 wrong from T = 1 while the parameter gradients are right at T = 1."""
    states = {"dh0"} if spec.row else {f"{s}0" for s in spec.states}
    s0 = [f for f in wrong if f.name in states and f.smallest_T == 1]
    rest = [f for f in wrong if f.name not in states and f.name not in ("h", "dx")]
    if s0 and rest and all(f.smallest_T >= 2 for f in rest):
        return (f"{', '.join(f.name for f in s0)} is wrong from T = 1 but the parameter gradients only from T = 2: "
                "the step from ∂L/∂s_t back to ∂L/∂s_{t-1} (the cell's state Jacobian, transposed) is wrong, "
                "while the per-step parameter terms are right.")
    return None


def _equations(spec: CellSpec) -> str:
    return "; ".join(getattr(spec.module, "EQUATIONS", ()))


def _blocks(failing: list[Any], spec: CellSpec) -> str | None:
    """Stacked layouts: the gates whose row / column block of the stacked gradients is wrong."""
    stacked = STACKED.get(spec.layout)
    if not stacked or not failing:
        return None
    order = spec.gate_order
    bad: dict[str, int] = {g: 0 for g in order}
    for o in failing:
        for n in stacked:
            if n not in o.wrong:
                continue
            e, g = np.asarray(o.expected[n], float), np.asarray(o.got[n], float)
            H = e.shape[-1] // len(order) if spec.row else e.shape[0] // len(order)
            for j, gate in enumerate(order):
                sl = (..., slice(j * H, (j + 1) * H)) if spec.row else (slice(j * H, (j + 1) * H),)
                d, s = np.linalg.norm(g[sl] - e[sl]), np.linalg.norm(g[sl]) + np.linalg.norm(e[sl])
                if d >= 1e2 * spec.tol.rtol * max(s, spec.tol.tiny):
                    bad[gate] += 1
    hit = [g for g, k in bad.items() if k]
    if not hit or len(hit) == len(order):
        return None
    where = "columns" if spec.row else "rows"
    spans = ", ".join(f"{g} ({where} {order.index(g)}H:{order.index(g) + 1}H, wrong in {bad[g]} case(s))" for g in hit)
    return (f"In the stacked gradients ({', '.join(stacked)}) only the blocks of gate(s) {spans} are wrong; "
            "the other gates' blocks are right.")


def _dependence(wrong: list[Finding], spec: CellSpec) -> list[str]:
    out = []
    rep = max(wrong, key=lambda f: f.count_wrong)
    for factor, levels in spec.factors().items():
        counts = rep.counts.get(factor, {})
        if len(levels) < 2 or sum(w for w, _ in counts.values()) < MIN_FAILING:
            continue
        bad = [lv for lv in levels if counts.get(lv, (0, 0))[0]]
        right = [lv for lv in levels if lv not in bad]
        if not bad or not right:
            continue
        per = ", ".join(f"{w}/{n} at {factor} = {lv}" for lv, (w, n) in counts.items())
        text = {("h0", "nonzero"): "Wrong only when the initial state is non-zero: h0 is not used as given.",
                ("dh_at", "all"): "Wrong only when dh is non-zero before the last step: dh[:, t] must be added "
                                  "at every step t.",
                ("batch", ">1"): "Right for N = 1, wrong for N > 1: a reduction over the batch is wrong."}.get(
            (factor, bad[0]) if len(bad) == 1 else None, f"Wrong only with {factor} = {', '.join(bad)}.")
        if factor == "scale" and right == ["10"]:
            text = "Not seen with large weights (scale 10), where saturated gates hide most bugs; not a clue."
        out.append(f"{text} ({rep.name} wrong in {per}.)")
    return out
