"""Find the mistake, not just the symptom: which variant of the reference reproduces fn.

``explain(outcomes, spec)`` first recognises clipping inside fn (every failing case whose
answer is the reference's gradients clipped at one common c), then tries every applicable
mistake of catalog.py on the failing cases clipping does not explain: a mistake is named
when its variant of the reference (reference.py) reproduces fn's answer on every one of them,
at the check's tolerance, judged with the magnitude bounds of the variant's own computation,
and at least one of them tells the variant from the right computation. The hints
(numeric/check/hints.py) say so; where none reproduces fn, they fall back to reading the
pattern of wrong quantities.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..compare import Outcome, relative_errors, scaled
from ..conventions import mean_count
from ..magnitude import case_magnitudes
from ..spec import ROLE, CheckSpec
from .catalog import MISTAKES, Mistake, applicable
from .clipping import apply, find_clip
from .reference import Knobs, run, variant_magnitudes

# A variant is judged against the magnitude bounds of its own computation
# (reference.variant_magnitudes), not the reference's: its wrong factor can amplify rounding
# noise far beyond them (tanh's 1 − h² on the growing states of identity). fn and the
# variant still round differently (their own orders of summation), so the match allows
# 100 x rtol (1e-5 in float64, 0.1 in float32), far below the 1e-2 .. 1 by which the mistakes
# differ from one another.
MATCH = 100.0
MAX_CASES = 400         # failing cases a variant is tried on (all of them, up to this many)


@dataclass(frozen=True)
class Explanation:
    """clip: ('value' | 'norm', c) or None, with the cases it explains; mistakes: those whose
    variant reproduces fn on every remaining failing case; rest: those cases."""

    clip: tuple[str, float] | None = None
    clip_cases: int = 0
    mistakes: tuple[Mistake, ...] = ()
    rest: tuple[Outcome, ...] = ()
    failing: int = 0
    names: dict[str, str] = field(default_factory=dict)
    clip_ids: frozenset = frozenset()      # id() of the outcomes clipping explains

    def texts(self) -> list[str]:
        """The mistakes' hint texts with fn's own names."""
        out = []
        for m in self.mistakes:
            text = m.text
            for k, v in self.names.items():
                text = text.replace("{" + k + "}", v)
            out.append(text)
        return out


class _Judge:
    """Within tolerance of a wanted answer, with the magnitude bounds of the computation that
    produced it (the reference's, or the variant's with ``knobs``) computed once per case."""

    def __init__(self, spec: CheckSpec):
        self.spec, self.bounds = spec, {}

    def __call__(self, o: Outcome, want: dict[str, Any], knobs: Knobs | None = None,
                 answer: dict[str, Any] | None = None) -> bool:
        """fn's answer on ``o`` (or ``answer`` in its place) matches ``want``."""
        def nu():
            key = (id(o), None if knobs is None else (knobs.activation, knobs.deriv))
            if key not in self.bounds:
                bounds = (case_magnitudes(o.case, self.spec.row) if knobs is None
                          else variant_magnitudes(o.case, self.spec, knobs))
                self.bounds[key] = scaled(bounds, 1.0 / mean_count(o.case, self.spec))
            return self.bounds[key]
        got = dict(o.got if answer is None else answer)
        if o.eps is not None:                 # the loss is the log-epsilon idiom's: not a mistake's
            got.pop("loss", None)
        errs = relative_errors(got, want, nu, self.spec.tol)
        return all(n in errs and errs[n] < MATCH * self.spec.tol.rtol for n in got if n in want)


def user_names(spec: CheckSpec) -> dict[str, str]:
    column = {"W_xh": "W_xh", "W_hh": "W_hh", "b_h": "b_h", "h0": "grads['h0']"}
    return {v: k for k, v in ROLE.items()} | {"h0": "dh0"} if spec.row else column


def explain(outcomes: list[Outcome], spec: CheckSpec) -> Explanation:
    seen, failing = set(), []
    for o in outcomes:
        if o.failure is None and o.wrong and id(o) not in seen:
            seen.add(id(o))
            failing.append(o)
    if not failing:
        return Explanation(names=user_names(spec))
    judge = _Judge(spec)
    weights = tuple(n for n in spec.names() if n not in ("loss", "dx", "dh0", "h0"))
    clip = find_clip(failing, weights)
    ids = frozenset(id(o) for o in failing if clip is not None and judge(o, apply(o.expected, clip, weights)))
    rest = [o for o in failing if id(o) not in ids]
    names = user_names(spec)
    if not rest:
        return Explanation(clip, len(ids), (), (), len(failing), names, ids)
    tried = sorted(rest, key=lambda o: (o.case.T, sum(o.case.sizes().values())))[:MAX_CASES]

    def reproduces(o: Outcome, m: Mistake) -> bool:
        want = run(o.case, spec, m.knobs)
        return judge(o, want, m.knobs) or (clip is not None and judge(o, apply(want, clip, weights), m.knobs))

    def tells(o: Outcome, m: Mistake) -> bool:
        """The variant's answer on ``o`` is not the right one's within its own rounding: where it
        is (its bounds so loose that any answer near it matches), the case tells nothing."""
        right = {n: o.expected[n] for n in o.got if n in o.expected}
        return not judge(o, run(o.case, spec, m.knobs), m.knobs, answer=right)

    hits = tuple(m for m in applicable(spec)
                 if all(reproduces(o, m) for o in tried) and any(tells(o, m) for o in tried))
    return Explanation(clip, len(ids), hits, tuple(rest), len(failing), names, ids)


__all__ = ["Explanation", "Knobs", "MISTAKES", "Mistake", "explain", "run"]
