"""The cell check's main search (hypothesis, shrinking sizes and T) and its diagnostic sweep.

The search draws the sizes, T, the factor levels and a seed for the values (cases.draw_case);
hypothesis shrinks a failure towards small T, small sizes and seed 0. The sweep evaluates a
few seeded cases for every combination of factor levels and every T (the elman checker's
SWEEP_TARGET cases in all), which gives each wrong quantity its smallest T and its dependencies.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
from hypothesis import HealthCheck, Phase, Verbosity, given, seed, settings, strategies as st
from hypothesis.errors import HypothesisException

from ..compare import Outcome
from ..diagnose import SWEEP_TARGET
from ..storage import cache_outside_cwd, drawn_from_the_seed_alone
from .cases import draw_case, sweep_levels
from .compare import evaluate
from .spec import CellSpec


class _Failed(Exception):
    def __init__(self, outcome: Outcome):
        super().__init__("failed")
        self.outcome = outcome


def _cases(spec: CellSpec):
    f = spec.factors()

    @st.composite
    def case(draw):
        T = draw(st.integers(1, spec.max_T))
        sizes = {"H": draw(st.integers(1, spec.max_H)), "D": draw(st.integers(1, spec.max_D)),
                 "V": draw(st.integers(1, spec.max_V)), "B": draw(st.integers(1, spec.max_B))}
        levels = {k: draw(st.sampled_from(v)) for k, v in f.items()}
        if spec.row:
            levels["batch"] = "1" if sizes["B"] == 1 else ">1"
        rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1)))
        return draw_case(rng, spec, levels, T, sizes)
    return case()


def search(fn: Any, spec: CellSpec, progress: Callable[[int], None] | None = None):
    """(cases drawn before the first failure, the shrunk failing Outcome or None, every Outcome)."""
    cache_outside_cwd()
    outcomes: list[Outcome] = []
    state = {"shrinking": False, "last": None}

    @seed(spec.seed)
    @settings(max_examples=spec.examples, database=None, deadline=None, verbosity=Verbosity.quiet,
              phases=(Phase.generate, Phase.shrink) if spec.shrink else (Phase.generate,), print_blob=False,
              report_multiple_bugs=False, suppress_health_check=list(HealthCheck))
    @given(_cases(spec))
    def inner(case) -> None:
        out = evaluate(fn, case, spec)
        if not state["shrinking"]:
            outcomes.append(out)
            if progress:
                progress(1)
        if not out.ok:
            state["shrinking"], state["last"] = True, out
            raise _Failed(out)

    try:
        with drawn_from_the_seed_alone():
            inner()
    except _Failed as e:
        return len(outcomes), e.outcome, outcomes
    except HypothesisException:
        if state["last"] is None:
            raise
        return len(outcomes), state["last"], outcomes
    return len(outcomes), None, outcomes


def sweep_cells(spec: CellSpec) -> int:
    return len(list(sweep_levels(spec))) * spec.max_T


def sweep(fn: Any, spec: CellSpec, progress: Callable[[int], None] | None = None) -> list[Outcome]:
    rng = np.random.default_rng(spec.seed)
    per = max(1, -(-SWEEP_TARGET // sweep_cells(spec)))
    out = []
    for levels in sweep_levels(spec):
        for T in range(1, spec.max_T + 1):
            for _ in range(per):
                out.append(evaluate(fn, draw_case(rng, spec, levels, T), spec))
                if progress:
                    progress(1)
    return out
