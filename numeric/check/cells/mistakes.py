"""Find the mistake: which variant of the reference reproduces the user's gated cell.

Each entry of ``catalog(spec)`` is a classic LSTM / GRU mistake — one setting of the knobs of
variants.py — or, in the row layout, another order of the stacked gates. A mistake is named
when its variant reproduces fn's answer on every failing case (up to MAX_CASES, smallest
first) within the elman checker's match tolerance (numeric/check/mistakes MATCH x rtol).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from ..compare import Outcome
from ..mistakes import MATCH
from .compare import judge, sensitivity_magnitudes
from .layouts import named, stack, unstack
from .spec import CellSpec
from .variants import Knobs, run

MAX_CASES = 40


@dataclass(frozen=True)
class CellMistake:
    """name: the JSON report's id; text: the hint; knobs: the variant (None: a gate order)."""

    name: str
    text: str
    knobs: Knobs | None = None
    order: tuple[str, ...] | None = None


OWN = ("; if that is the model you mean, write it as your own cell (docs/own-cell.md) and check it with "
       "--cell FILE.py:NAME")


def _sigma(g: str) -> str:
    return f"σ'(a_{g}) = {g}_t (1 − {g}_t)"


LSTM = [
    *(CellMistake(f"{g}_gate_derivative_missing", f"the {g} gate's derivative is missing: your gradients equal "
                  f"the reference's with δa_{g} = δ{g}_t, without the factor {_sigma(g)}", Knobs(no_deriv=g))
      for g in "ifo"),
    CellMistake("g_candidate_derivative_missing", "the candidate's derivative is missing: your gradients equal the "
                "reference's with δa_g = δg_t, without the factor tanh'(a_g) = 1 − g_t²", Knobs(no_deriv="g")),
    CellMistake("dc_not_carried", "δc is not carried through time: your gradients equal the reference's with "
                "δc_{t-1} = 0 instead of δc_t ⊙ f_t (the cell state's own path back to c_{t-1})",
                Knobs(c_carry="none")),
    CellMistake("dc_carried_without_f", "δc is not carried through f_t: your gradients equal the reference's with "
                "δc_{t-1} = δc_t in place of δc_t ⊙ f_t", Knobs(c_carry="one")),
    CellMistake("tanh_derivative_of_c_raw", "tanh'(c_t) is computed from c_t itself: your gradients equal the "
                "reference's with 1 − c_t² in place of 1 − tanh(c_t)² in δc_t += δh_t ⊙ o_t ⊙ tanh'(c_t)",
                Knobs(dtanh_c="raw")),
    CellMistake("candidate_derivative_at_c", "the candidate's tanh' is applied to c: your gradients equal the "
                "reference's with 1 − c_t² in place of 1 − g_t² in δa_g = δc_t ⊙ i_t ⊙ tanh'(a_g)",
                Knobs(dg_from="c")),
    CellMistake("candidate_derivative_at_tanh_c", "the candidate's tanh' is applied to c: your gradients equal the "
                "reference's with 1 − tanh(c_t)² in place of 1 − g_t² in δa_g = δc_t ⊙ i_t ⊙ tanh'(a_g)",
                Knobs(dg_from="tanh_c")),
    CellMistake("dh_not_carried", "δh is not carried through time: your gradients equal the reference's without "
                "the recurrent term Σ_gates W_h·ᵀ δa_{t+1} in δh_t", Knobs(h_carry=False)),
]
GRU = [
    *(CellMistake(f"{g}_gate_derivative_missing", f"the {g} gate's derivative is missing: your gradients equal "
                  f"the reference's with δa_{g} = δ{g}_t, without the factor {_sigma(g)}", Knobs(no_deriv=g))
      for g in "rz"),
    CellMistake("n_candidate_derivative_missing", "the candidate's derivative is missing: your gradients equal the "
                "reference's with δa_n = δn_t, without the factor tanh'(a_n) = 1 − n_t²", Knobs(no_deriv="n")),
    CellMistake("r_on_h_prev", "r_t ⊙ is applied to the wrong term of the candidate: your results equal the "
                "reference's with n_t = tanh(W_xn x_t + b_xn + W_hn (r_t ⊙ h_{t-1}) + b_hn) (the original GRU) "
                "in place of tanh(W_xn x_t + b_xn + r_t ⊙ (W_hn h_{t-1} + b_hn)) (PyTorch's, the declared cell)"
                f"{OWN}", Knobs(r_term="h")),
    CellMistake("r_on_x_term", "r_t ⊙ is applied to the wrong term of the candidate: your results equal the "
                "reference's with r_t ⊙ (W_xn x_t + b_xn) in place of r_t ⊙ (W_hn h_{t-1} + b_hn)", Knobs(r_term="x")),
    CellMistake("r_on_h_prev_backward", "the backward pass applies r_t ⊙ to the wrong term of the candidate: the "
                "forward is right, but your gradients equal those of n_t = tanh(W_xn x_t + W_hn (r_t ⊙ h_{t-1}) + ...) "
                "(r_t ⊙ h_{t-1} in δW_hn, r_t ⊙ after W_hnᵀ in δh_{t-1})", Knobs(r_backward="h")),
    CellMistake("r_missing_backward", "the backward pass drops r_t ⊙ from the candidate's recurrent term: your "
                "gradients equal the reference's with δ(W_hn h_{t-1} + b_hn) = δa_n instead of r_t ⊙ δa_n",
                Knobs(r_backward="missing")),
    CellMistake("z_swapped", "the update gate's roles are swapped: your results equal the reference's with "
                "h_t = z_t ⊙ n_t + (1 − z_t) ⊙ h_{t-1} in place of (1 − z_t) ⊙ n_t + z_t ⊙ h_{t-1} (PyTorch's)"
                f"{OWN}", Knobs(z_swapped=True)),
    CellMistake("direct_path_missing", "the direct path is missing: your gradients equal the reference's without "
                "δh_{t-1} += δh_t ⊙ z_t (h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t-1})", Knobs(direct=False)),
    CellMistake("dh_not_carried", "δh is not carried through time: your gradients equal the reference's with "
                "δh_{t-1} = 0 at every step", Knobs(h_carry=False)),
]


def catalog(spec: CellSpec) -> list[CellMistake]:
    """The mistakes that apply to the check: the cell's, and (row layout) the other gate orders."""
    out = {"lstm": LSTM, "gru": GRU}.get(spec.cell, [])
    if spec.row:
        for order in itertools.permutations(spec.gate_order):
            if order != spec.gate_order:
                o = "".join(order)
                out = out + [CellMistake(f"gate_order_{o}", f"your function reads the stacked gates in the order "
                                         f"{', '.join(order)}, not {', '.join(spec.gate_order)}: its results equal "
                                         f"the reference's with that order — if that is your layout, pass "
                                         f"--gate-order {o} (gate_order='{o}')", order=order)]
    return out


def variant(o: Outcome, spec: CellSpec, m: CellMistake) -> dict[str, Any]:
    """The mistake's answer on the outcome's case, as fn names it."""
    case = o.case
    if m.order is None:
        return named(run(case, spec, m.knobs), case, spec)
    # fn reads block j of each stack as gate order[j]: its cell's parameters are those blocks
    args = [stack(spec.cell, case.params, spec.gate_order, w) for w in ("Wx", "Wh", "b")]
    P = unstack(spec.cell, *args, m.order) | {"W_hy": case.params["W_hy"], "b_y": case.params["b_y"]}
    from dataclasses import replace
    return named(run(replace(case, params=P), spec), case, spec, order=m.order)


def explain(outcomes: list[Outcome], spec: CellSpec) -> tuple[tuple[CellMistake, ...], list[Outcome]]:
    """(the mistakes that reproduce fn on every failing case, the failing cases)."""
    seen, failing = set(), []
    for o in outcomes:
        if o.failure is None and o.wrong and id(o) not in seen:
            seen.add(id(o))
            failing.append(o)
    if not failing or spec.cell not in ("lstm", "gru"):
        return (), failing
    tried = sorted(failing, key=lambda o: (o.case.T, sum(o.case.sizes().values())))[:MAX_CASES]
    memo: dict[int, dict] = {}

    def reproduces(o: Outcome, m: CellMistake) -> bool:
        cache = memo.setdefault(id(o), {})
        if "nu" not in cache:
            cache["nu"] = sensitivity_magnitudes(o.case, spec, o.expected)
        want = variant(o, spec, m)
        errs = judge(o.case, spec, o.got, want, cache)
        return all(n in errs and errs[n] < MATCH * spec.tol.rtol for n in o.got if n in want)
    hits = tuple(m for m in catalog(spec) if all(reproduces(o, m) for o in tried))
    return hits, failing
