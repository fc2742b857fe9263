"""The main search: hypothesis draws cases from numeric.strategies and shrinks a failure.

An inner ``@given`` test evaluates the user's function on each drawn case and raises on the
first wrong answer; hypothesis then shrinks the case (T, sizes and values towards small and
simple) while it keeps failing, and re-raises on the minimal case, which we capture. The
settings are explicit (no database, seeded, quiet), so the search is reproducible and leaves
no files behind, whatever hypothesis profile the caller has loaded.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

import numpy as np
from hypothesis import HealthCheck, Phase, Verbosity, assume, given, seed, settings, strategies as st
from hypothesis.errors import HypothesisException
from hypothesis.extra.numpy import arrays

from ..strategies import dims, floats_array, problems
from .compare import Outcome, evaluate
from ..problem import preactivation_margin
from .problems import RELU_MARGIN, Case, make_case
from .spec import SCALES, CheckSpec
from .storage import cache_outside_cwd, drawn_from_the_seed_alone


class _Failed(Exception):
    def __init__(self, outcome: Outcome):
        super().__init__(outcome.failure or f"wrong: {', '.join(outcome.wrong)}")
        self.outcome = outcome


@dataclass(frozen=True)
class SearchResult:
    """examples: cases drawn before the first failure (all of them when none failed);
    minimal: the shrunk failing case's Outcome, or None; outcomes: every generated case's."""

    examples: int
    minimal: Outcome | None
    outcomes: list[Outcome]
    flaky: bool = False          # the failure did not reproduce on a re-run of the same case


def cases(spec: CheckSpec) -> st.SearchStrategy[Case]:
    """Cases for ``spec``, drawn with ``numeric.strategies.problems``."""
    d = dims(max_T=spec.max_T, max_B=spec.max_B, max_D=spec.max_D, max_H=spec.max_H,
             max_V=spec.max_V, batched=spec.row)
    if spec.inputs == "one_hot":
        d = d.map(lambda x: replace(x, D=x.V))
    return _cases(spec, d)


@st.composite
def _cases(draw, spec: CheckSpec, dims_strategy) -> Case:
    scale = draw(st.sampled_from(SCALES))
    truncated = spec.vary_truncation and draw(st.booleans())
    p = draw(problems(dims_strategy=dims_strategy, scale=scale, activations=list(spec.activations),
                      losses=[spec.loss], loss_at=list(spec.loss_ats), truncation=truncated,
                      h0=None, loss_weights=False, relu_margin=RELU_MARGIN))
    d, xs = p.dims, p.xs
    if spec.inputs == "one_hot":
        xs = np.eye(d.V)[draw(arrays(np.int64, (d.T,), elements=st.integers(0, d.V - 1)))]
    h0 = p.h0 if p.h0 is not None else np.zeros(((d.B,) if spec.row else ()) + (d.H,))
    dhs = None
    if spec.row:
        dhs = draw(floats_array((d.T, d.B, d.H), 1.0))
        if p.loss_at == "last":
            dhs[:-1] = 0.0
    case = make_case(spec, params=p.params, xs=xs, targets=None if spec.row else p.targets, h0=h0,
                     dhs=dhs, activation=p.activation, loss_at=p.loss_at, truncation=p.truncation,
                     scale=scale)
    if case.activation == "relu":             # again after rounding / one-hot inputs
        assume(preactivation_margin(case.params, case.xs, case.h0) > RELU_MARGIN)
    return case


def search(fn: Callable, spec: CheckSpec, progress: Callable[[int], None] | None = None) -> SearchResult:
    """Evaluate ``spec.examples`` drawn cases; on a failure, shrink it to a minimal case."""
    cache_outside_cwd()
    outcomes: list[Outcome] = []
    state: dict = {"shrinking": False, "last_fail": None}

    @seed(spec.seed)
    @settings(max_examples=spec.examples, database=None, derandomize=False, deadline=None,
              phases=(Phase.generate, Phase.shrink) if spec.shrink else (Phase.generate,), verbosity=Verbosity.quiet, print_blob=False,
              report_multiple_bugs=False, suppress_health_check=list(HealthCheck))
    @given(cases(spec))
    def inner(case: Case) -> None:
        out = evaluate(fn, case, spec)
        if not state["shrinking"]:
            outcomes.append(out)
            if progress:
                progress(1)
        if not out.ok:
            state["shrinking"] = True
            state["last_fail"] = out
            raise _Failed(out)

    try:
        with drawn_from_the_seed_alone():
            inner()
    except _Failed as e:
        return SearchResult(len(outcomes), e.outcome, outcomes)
    except HypothesisException:
        # Flaky: a case failed once and passed when run again, i.e. the function's answers
        # depend on earlier calls. Keep the last failure seen; the report says why.
        if state["last_fail"] is None:
            raise
        return SearchResult(len(outcomes), state["last_fail"], outcomes, flaky=True)
    return SearchResult(len(outcomes), None, outcomes)
