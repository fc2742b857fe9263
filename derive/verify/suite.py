"""The property suite outside pytest: ``verify(examples, seed)`` -> VerifyReport.

Each property of ``derive.verify.properties.PROPERTIES`` runs under hypothesis (its own
seed, no example database, no deadline): its cases are drawn, the error measured and its
maximum kept; on a failure hypothesis shrinks the case and the smallest failing one is
kept as the counterexample. ``bptt verify`` (derive/cli/commands/verify.py) prints the report.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, Phase, Verbosity, given, seed as hseed, settings

from .properties import PROPERTIES, Property, share

SCHEMA = 1


@dataclass
class PropertyResult:
    """The outcome of one property: examples run, largest error, verdict, counterexample."""

    name: str
    routes: str
    measure: str
    kind: str
    examples: int = 0
    max_error: float = 0.0
    tolerance: float = 0.0
    passed: bool = True
    seconds: float = 0.0
    counterexample: dict[str, Any] | None = None
    worst_case: str | None = None              # summary of the case with the largest error

    def as_json(self) -> dict[str, Any]:
        finite = math.isfinite(self.max_error)
        return {"name": self.name, "routes": self.routes, "measure": self.measure, "kind": self.kind,
                "examples": self.examples, "max_error": self.max_error if finite else None,
                "max_error_text": f"{self.max_error:.3g}", "tolerance": self.tolerance,
                "passed": self.passed, "seconds": round(self.seconds, 3),
                "worst_case": self.worst_case, "counterexample": self.counterexample}


@dataclass
class VerifyReport:
    seed: int
    examples: int
    results: list[PropertyResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.results)

    def draws(self, kind: str) -> int:
        return share(kind, self.examples)

    def as_json(self) -> dict[str, Any]:
        return {"schema": SCHEMA, "seed": self.seed, "examples": self.examples,
                "symbolic_examples": self.draws("symbolic"), "unrolled_examples": self.draws("unrolled"),
                "passed": self.passed, "seconds": round(self.seconds, 2),
                "properties": [r.as_json() for r in self.results]}

    def to_json(self) -> str:
        return json.dumps(self.as_json(), indent=2)

    def to_text(self) -> str:
        from .report import report_text
        return report_text(self)


def _describe(case: Any) -> dict[str, str]:
    """summary + runnable code of a case (a Problem, a SymbolicCase or (target, Problem))."""
    if isinstance(case, tuple):
        target, problem = case
        return {"summary": f"{target.module_name}: {problem.summary()}",
                "code": f"# module: {target.command()}\n{problem.to_code()}"}
    return {"summary": case.summary(), "code": case.to_code()}


def run_property(prop: Property, examples: int, seed: int, bar=None) -> PropertyResult:
    """Run one property on ``examples`` draws (hypothesis, seeded); shrink on failure."""
    res = PropertyResult(prop.name, prop.routes, prop.measure_name, prop.kind, tolerance=prop.tolerance)
    failure: dict[str, Any] = {}

    def check(case) -> None:
        try:
            err = float(prop.measure(case))
            message = None
        except Exception as e:                       # a route that raises fails the property
            err, message = math.inf, f"{type(e).__name__}: {e}"
        if math.isnan(err):
            err = math.inf
        res.examples += 1
        if err > res.max_error or res.worst_case is None:
            res.max_error, res.worst_case = err, _describe(case)["summary"]
        if bar is not None:
            bar.update(1)
        if not err <= prop.tolerance:
            failure.update(case=case, error=err, message=message)   # the last one is the shrunk one
            raise AssertionError(message or f"error {err:.3g} > tolerance {prop.tolerance:g}")

    test = settings(max_examples=examples, database=None, deadline=None, derandomize=False,
                    suppress_health_check=list(HealthCheck), verbosity=Verbosity.quiet,
                    phases=(Phase.explicit, Phase.generate, Phase.shrink), print_blob=False,
                    report_multiple_bugs=False)(given(prop.strategy())(check))
    t0 = time.perf_counter()
    try:
        hseed(seed)(test)()
    except Exception as e:                            # hypothesis re-raises the shrunk failure
        res.passed = False
        if failure:
            res.counterexample = _describe(failure["case"]) | {
                "error": f"{failure['error']:.6g}", "message": failure["message"] or str(e).splitlines()[0]}
        else:
            res.counterexample = {"summary": "(no case)", "code": "", "error": "inf",
                                  "message": f"{type(e).__name__}: {e}"}
    res.seconds = time.perf_counter() - t0
    return res


def _preload() -> None:
    """Import every generated module before the first draw.

    Hypothesis mixes constants found in the loaded local modules into its draws, so the draws
    of a seed depend on what is imported; the properties import what they use at the top of
    their module, and the generated engines (loaded by name, on first use) are loaded here, so
    that ``bptt verify --seed S`` gives the same table whatever --only selects. (In a process
    that has imported more of the project, e.g. under pytest, the draws of a seed differ from
    the CLI's.)
    """
    from numeric.generated import MODULES, load

    for activation, loss in MODULES:
        load(activation, loss)


def verify(examples: int = 100, seed: int = 0, *, only: str | None = None,
           progress: bool | None = None) -> VerifyReport:
    """Run every property (or those whose name contains ``only``).

    Args:
      examples: draws per numeric property; the straight-line route gets a quarter and the
        symbolic properties a fixed 5% (at least 2 each), on small problems (T <= 4).
      seed: hypothesis seed; the same seed and examples give the same draws.
      only: a case-insensitive substring of the property names to run.
      progress: a tqdm bar on stderr (None: only when stderr is a terminal).
    """
    from tqdm import tqdm

    _preload()
    chosen = [p for p in PROPERTIES if only is None or only.lower() in p.name.lower()]
    if not chosen:
        names = ", ".join(repr(p.name) for p in PROPERTIES)
        raise ValueError(f"--only {only!r} matches no property; the properties are {names}.")
    report = VerifyReport(seed, examples)
    total = sum(share(p.kind, examples) for p in chosen)
    t0 = time.perf_counter()
    with tqdm(total=total, desc="bptt verify", unit="ex", disable=None if progress is None else not progress,
              leave=False, dynamic_ncols=True) as bar:
        for prop in chosen:
            bar.set_postfix_str(prop.name)
            report.results.append(run_property(prop, share(prop.kind, examples), seed, bar))
    report.seconds = time.perf_counter() - t0
    return report
