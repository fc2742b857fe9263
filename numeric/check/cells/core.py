"""check_cell: verify a user's LSTM / GRU / any derived cell against the generated engine.

The order of work is the elman checker's (numeric/check/core.py): a probe on one ordinary case
(unusable input stops there), the precision fn really returns (float32 storage judged at
float32), the hypothesis search with shrinking, the seeded sweep, the probe again (state
carried between calls), the findings (numeric/check/diagnose.py), the mistake search.
"""

from __future__ import annotations

from typing import Any

from ..core import _never_judged, counterexample_case   # the elman checker's rules
from ..diagnose import findings
from ..report import Counterexample
from ..support import lower_precision, support_notes
from .cases import probe_case
from .compare import evaluate
from .hints import hints
from .layouts import inputs_for
from .mistakes import explain
from .report import SIGNATURES, CellCheckReport
from .spec import make_spec


def check_cell(fn: Any, *, cell: Any = "lstm", layout: str = "column", gate_order: Any = None,
               loss: str = "cross_entropy", loss_at: str = "all", examples: int = 200, seed: int = 0,
               dtype: Any = "float64", max_T: int = 5, shrink: bool = True,
               name: str | None = None) -> CellCheckReport:
    """Check an implementation of a cell's BPTT against the engine; report what is wrong.

    Args:
      fn: the implementation in one of the layouts of numeric/check/cells/spec.py — column
        (per-gate dicts, reference numeric.cells.bptt), torch (PyTorch's stacked names, mapped with
        numeric.cells.from_torch / to_torch), row (the course's layer backward, gates stacked in
        ``gate_order``), or for the row layout the pair (forward, backward).
      cell: "lstm", "gru", another built-in name, or a generated engine module (a user's cell:
        ``bptt generate --cell FILE.py:NAME``; ``bptt check --cell FILE.py:NAME`` generates it).
      layout: "column" | "row" | "torch" (row and torch: lstm and gru only).
      gate_order: row layout: "ifog" (the course's LSTM default), "ifgo" (PyTorch's), ...; GRU "rzn".
      loss_at: column and torch layouts: "all" | "last" (the row layout varies where dh is non-zero).
      examples, seed, dtype, max_T, shrink, name: as numeric.check.check_implementation.
    Returns:
      CellCheckReport (a numeric.check.CheckReport): verdict "correct" | "wrong" | "error" |
      "inconclusive", exit_status 0 / 1 / 2 / 3, text and JSON (schema 1, plus cell, layout, gate_order).
    """
    spec = make_spec(fn, cell=cell, layout=layout, gate_order=gate_order, loss=loss, loss_at=loss_at,
                     examples=examples, seed=seed, dtype=dtype, max_T=max_T, shrink=shrink)
    target = name or _name(fn)
    extra = {"cell": spec.cell, "layout": spec.layout, "gate_order": spec.gate_order if spec.row else None,
             "pair": spec.pair}
    probe = probe_case(spec)
    first = evaluate(fn, probe, spec)
    if first.failure:
        sizes = ", ".join(f"{k}={v}" for k, v in probe.sizes().items())
        return CellCheckReport(target, "error", spec.convention, spec.dtype.name, spec.tol, spec.seed,
                               error=f"on an ordinary first input ({sizes}) {first.failure}",
                               notes=(f"expected the {spec.layout} layout: {signature(spec)}",) + _tips(fn, spec),
                               **extra)
    spec, low = lower_precision(first, spec)
    probe = probe_case(spec)
    first = evaluate(fn, probe, spec)
    from .search import search, sweep           # imports hypothesis only when a check runs
    n_search, minimal, found = search(fn, spec)
    swept = sweep(fn, spec)
    again = evaluate(fn, probe, spec)
    from ..compare import same_answer
    state_changed = again.failure is not None or not same_answer(first.got or {}, again.got or {})
    outcomes = [first] + found + swept + [again] + ([minimal] if minimal is not None else [])
    names = spec.names(with_h0=False) + [f"{s}0" for s in spec.states if first.got and f"{s}0" in first.got]
    found_q = findings(names, outcomes, swept, spec)
    wrong = state_changed or any(f.wrong for f in found_q)
    mistakes, failing = explain(outcomes, spec) if wrong else ((), [])
    notes = support_notes(spec, low, {})
    if spec.row and "c" in spec.states:
        notes.append("row layout: c0 = 0 (as the course's lstm_forward), so ∂L/∂c0 is not checked.")
    if spec.row and spec.cell == "gru":
        notes.append("row layout: b stacks b_r, b_z, b_xn; the GRU's b_hn is 0.")
    never = [] if wrong else _never_judged(names, outcomes)
    if never:                  # a check that could not tell says so: never CORRECT unseen
        notes.append(f"inconclusive: {', '.join(never)} could not be judged on any case (the reference's own "
                     "answer was never finite there).")
    mutated = sorted({m for o in outcomes for m in o.mutated})
    if mutated:
        notes.append(f"fn modified its inputs in place ({', '.join(mutated)}); the checker passes fresh copies.")
    return CellCheckReport(
        target, "wrong" if wrong else "inconclusive" if never else "correct", spec.convention, spec.dtype.name, spec.tol, spec.seed,
        checked=_checked(spec), findings=tuple(found_q), search_examples=n_search,
        search_requested=spec.examples, sweep_examples=len(swept),
        counterexample=_counterexample(minimal if minimal is not None and not minimal.ok else None, swept, spec),
        hints=tuple(hints(found_q, spec, state_changed=state_changed, mistakes=mistakes, failing=failing)),
        notes=tuple(notes), returned_dtype="float32" if low else spec.dtype.name,
        mistakes=tuple(m.name for m in mistakes), **extra)


def _tips(fn: Any, spec) -> tuple[str, ...]:
    """A row-layout function of five arguments is a course forward: name the pair form."""
    import inspect
    if not spec.row or spec.pair:
        return ()
    try:
        n = len(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        return ()
    return ("fn takes 5 arguments, like a forward function (x, h0, Wx, Wh, b): check the pair as "
            "FILE.py:FORWARD,BACKWARD (e.g. lstm_forward,lstm_backward).",) if n == 5 else ()


def signature(spec) -> str:
    text = SIGNATURES["pair" if spec.pair else spec.layout]
    return text.replace("G·H", f"{len(spec.gate_order)}H") if spec.gate_order else text


def _name(fn: Any) -> str:
    fs = fn if isinstance(fn, tuple) else (fn,)
    return "+".join(f"{getattr(f, '__module__', '?')}.{getattr(f, '__qualname__', repr(f))}" for f in fs)


def _checked(spec) -> dict[str, Any]:
    sizes = {"T": (1, spec.max_T), "D": (1, spec.max_D), "H": (1, spec.max_H)}
    sizes |= {"N": (1, spec.max_B)} if spec.row else {"V": (1, spec.max_V)}
    return {"factors": {k: list(v) for k, v in spec.factors().items()}, "sizes": sizes,
            "loss": None if spec.row else spec.loss, "inputs": "real",
            "model": {"cell": spec.cell, "states": list(spec.states)}}


def _counterexample(minimal, swept, spec) -> Counterexample | None:
    picked = counterexample_case(minimal, swept, spec.shrink)
    if picked is None:
        return None
    minimal, source = picked
    case = minimal.case
    args, names = inputs_for(case, spec)
    inputs = {}
    for n, a in zip(names, args):
        inputs |= {f"{n}[{k!r}]": v for k, v in a.items()} if isinstance(a, dict) else {n: a}
    if spec.pair:
        inputs["dh"] = case.dhs.swapaxes(0, 1)
    settings = {spec.place: case.loss_at, "scale": case.scale}
    wrong = {n: (minimal.expected[n], minimal.got[n], minimal.errors[n]) for n in minimal.wrong}
    return Counterexample(source, case.sizes(), settings, inputs, wrong, minimal.failure)
