"""check_implementation: verify a user's BPTT against the engine and say what is wrong.

Order of work: (1) a probe — one ordinary case; if the function cannot answer it (raises,
wrong form) the input is unusable and nothing else runs; (2) the main search — hypothesis
draws ``examples`` cases and shrinks the first failure to a minimal one; (3) the sweep —
seeded cases at every combination of factor levels and every T, which gives each wrong
quantity its smallest T and its dependencies; (4) the probe again: a different answer means
state carried between calls.
"""

from __future__ import annotations

from typing import Any, Callable

from .compare import Outcome, evaluate, same_answer
from .conventions import arg_names, inputs_for
from .diagnose import findings, sweep, sweep_size
from .hints import hints
from .idiom import confirm, idiom_note
from .mistakes import explain
from .problems import probe_case
from .support import lower_precision, restrict, support_notes
from .report import CheckReport, Counterexample
from .spec import CheckSpec, make_spec, takes_h0


def check_implementation(fn: Callable, *, convention: str = "column", activation: str = "tanh",
                         loss: str = "cross_entropy", loss_at: str = "all", truncation: Any = None,
                         inputs: str = "real", examples: int = 200, seed: int = 0,
                         dtype: Any = "float64", max_T: int = 6, shrink: bool = True,
                         name: str | None = None, progress: bool = False, bias: bool = True,
                         h0: str = "given", reduction: str = "sum") -> CheckReport:
    """Check a BPTT implementation against the reference engine; report what is wrong.

    Args:
      fn: the function to check, in one of two conventions (docs/check.md):
        column: fn(params: dict, xs (T, D), targets (T,), h0 (H,)) -> (loss, grads: dict) with
          grads W_xh (H, D), W_hh (H, H), b_h (H,), W_hy (V, H), b_y (V,) and optionally h0 (H,);
          reference numeric.bptt. If fn names a parameter ``activation``, ``loss_at`` or
          ``truncation``, every value of it is tried; otherwise it is held at the argument below.
        row: fn(x (N, T, D), h0 (N, H), Wx (D, H), Wh (H, H), b (H,), dh (N, T, H))
          -> (dx, dh0, dWx, dWh, db); reference numeric.rnn_backward.
      convention: "column" | "row".
      activation, loss, loss_at, truncation: the problem held fixed when fn does not take them
        (defaults: the article's char-RNN, tanh with softmax cross-entropy at every step).
      inputs: "real" (xs uniform in [-1, 1]) or "one_hot" (character inputs, D = V).
      examples: cases drawn by hypothesis in the main search (the sweep adds its own).
      seed: seeds the search and the sweep; the same seed gives the same report.
      dtype: "float64" or "float32": the dtype of every array handed to fn (and its tolerance).
      max_T: longest sequence drawn.
      bias: False for a model without biases: params and grads have no b_h, b_y (row: fn takes no
        b and returns no db), and the reference runs without them.
      h0: "given" (drawn zero and non-zero) or "zero": the initial state is always zero, and fn is
        called without h0 when its signature has no place for it (column fn(params, xs, targets)).
      reduction: "sum" (L = Σ_t L_t, the default) or "mean": the loss, and so every gradient, is
        the mean over the steps with a loss (PyTorch's default); column convention only.
      shrink: shrink the first failure to a minimal case (hypothesis); False is faster and
        reports the first failing case as found.
      name: how the report names fn (default: its module and qualified name).
      progress: show a progress bar on stderr.
    Returns:
      CheckReport; ``.verdict`` is "correct", "wrong" or "error" (unusable), ``.exit_status``
      0 / 1 / 2, ``str(report)`` the text report, ``report.to_json()`` the JSON one.
    """
    spec = make_spec(fn, convention=convention, activation=activation, loss=loss, loss_at=loss_at,
                     truncation=truncation, inputs=inputs, examples=examples, seed=seed, dtype=dtype,
                     max_T=max_T, shrink=shrink, bias=bias, h0=h0, reduction=reduction)
    target = name or f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', repr(fn))}"
    first = evaluate(fn, probe_case(spec), spec)
    if first.failure:
        sizes = ", ".join(f"{k}={v}" for k, v in probe_case(spec).sizes().items())
        return CheckReport(target, "error", spec.convention, spec.dtype.name, spec.tol, spec.seed,
                           error=f"on an ordinary first input ({sizes}) {first.failure}",
                           notes=_signature_notes(spec) + _model_tips(fn, spec, first.failure))
    spec, low = lower_precision(first, spec)
    spec, refused = restrict(fn, spec)
    probe = probe_case(spec)
    first = evaluate(fn, probe, spec)
    bar = _progress_bar(spec, progress)
    try:
        from .search import search      # imports hypothesis only when a check runs
        found = search(fn, spec, bar and bar.update)
        swept = sweep(fn, spec, bar and bar.update)
    finally:
        if bar is not None:
            bar.close()
    again = evaluate(fn, probe, spec)
    state_changed = again.failure is not None or not same_answer(first.got or {}, again.got or {})

    everything, eps, n_eps = confirm([first] + found.outcomes + swept + [again] +
                                     ([found.minimal] if found.minimal is not None else []), spec)
    outcomes = everything
    swept = everything[1 + len(found.outcomes):1 + len(found.outcomes) + len(swept)]
    minimal = everything[-1] if found.minimal is not None else None
    names = spec.names(with_h0=bool(first.got) and "h0" in first.got)
    found_q = findings(names, outcomes, swept, spec)
    wrong = state_changed or any(f.wrong for f in found_q)
    notes = _notes(outcomes, found.flaky) + support_notes(spec, low, refused)
    if eps is not None:
        notes.append(idiom_note(eps, n_eps, outcomes))
    never = _never_judged(names, outcomes)
    if never and not wrong:        # a check that could not tell says so: never CORRECT unseen
        notes.append(f"inconclusive: {', '.join(never)} could not be judged on any case (the reference's "
                     "own answer was never finite there); check with smaller weights or a bounded activation.")
    verdict = "wrong" if wrong else "inconclusive" if never else "correct"
    why = explain(outcomes, spec) if wrong else None
    return CheckReport(
        target, verdict, spec.convention, spec.dtype.name, spec.tol, spec.seed,
        checked=_checked(spec), varied=spec.passes, findings=tuple(found_q),
        search_examples=found.examples, search_requested=spec.examples, sweep_examples=len(swept),
        counterexample=_counterexample(minimal if minimal is not None and not minimal.ok else None, swept, spec),
        hints=tuple(hints(found_q, spec, state_changed=state_changed, why=why, outcomes=outcomes, swept=swept)),
        notes=tuple(notes), unsupported=refused, returned_dtype="float32" if low else spec.dtype.name,
        idiom={"log_epsilon": eps, "cases": n_eps} if eps is not None else None,
        mistakes=tuple(m.name for m in why.mistakes) if why else (),
        clipping=None if why is None or why.clip is None else {"kind": why.clip[0], "c": why.clip[1],
                                                               "cases": why.clip_cases})


def _never_judged(names: list[str], outcomes: list[Outcome]) -> list[str]:
    """The quantities that no case judged (in every case fn returned them, the reference was
    unreliable); a quantity fn never returned is reported by the findings, not here."""
    returned = [o for o in outcomes if o.failure is None and o.got]
    return [n for n in names if any(n in o.got for o in returned)
            and not any(n in o.got and n not in o.unreliable for o in returned)]


def _progress_bar(spec: CheckSpec, on: bool):
    if not on:
        return None
    from tqdm import tqdm
    return tqdm(total=spec.examples + sweep_size(spec), desc="bptt check", unit="case", leave=False)


def _signature_notes(spec: CheckSpec) -> tuple[str, ...]:
    from .report import SIGNATURES
    return (f"expected the {spec.convention} convention: {SIGNATURES[spec.convention]}",)


def _model_tips(fn: Callable, spec: CheckSpec, failure: str) -> tuple[str, ...]:
    """Flags that describe the model fn implements, when its refusal suggests one."""
    tips = []
    if spec.pass_h0 and not takes_h0(fn, spec.convention, spec.bias):
        tips.append("fn has no place for h0: if its initial state is always zero, check it with --h0 zero "
                    "(h0='zero'), which calls it without h0.")
    if spec.bias and any(f"'{b}'" in failure for b in ("b_h", "b_y", "b")):
        tips.append("a model without biases is checked with --no-bias (bias=False): no b_h, b_y in params "
                    "and grads (row: no b, no db).")
    return tuple(tips)


def _notes(outcomes: list[Outcome], flaky: bool) -> list[str]:
    notes = []
    mutated = sorted({m for o in outcomes for m in o.mutated})
    if mutated:
        notes.append(f"fn modified its inputs in place ({', '.join(mutated)}); the checker passes fresh "
                     "copies, but a caller reusing them would see the change.")
    unjudged = sum(1 for o in outcomes if o.unreliable)
    if unjudged:
        notes.append(f"{unjudged} case(s) not judged for some quantities: the reference engine's own answer "
                     "was not finite there (overflow), so nothing could be compared.")
    if flaky:
        notes.append("the first failure did not reproduce when the same case was run again, so it "
                     "could not be shrunk: fn's answers depend on earlier calls.")
    return notes


def _checked(spec: CheckSpec) -> dict[str, Any]:
    sizes = {"T": (1, spec.max_T), "D": (1, spec.max_D), "H": (1, spec.max_H)}
    if spec.row:
        sizes["N"] = (1, spec.max_B)
    else:
        sizes["V"] = (1, spec.max_V)
        if spec.inputs == "one_hot":
            sizes["D"] = sizes["V"]
    return {"factors": {k: list(v) for k, v in spec.factors().items()}, "sizes": sizes,
            "loss": None if spec.row else spec.loss, "inputs": spec.inputs,
            "model": {"bias": spec.bias, "h0": spec.h0, "h0_passed": spec.pass_h0,
                      "reduction": None if spec.row else spec.reduction}}


def counterexample_case(minimal, swept: list, shrink: bool):
    """(the outcome to show, where it came from), or None when nothing failed: hypothesis's
    (shrunk) failure, else the smallest failing sweep case (by T, then total size). Shared by
    the gated-cell checker."""
    if minimal is not None:
        return minimal, "found by hypothesis and shrunk" if shrink else "found by hypothesis, not shrunk"
    bad = [o for o in swept if not o.ok]
    if not bad:
        return None
    return min(bad, key=lambda o: (o.case.T, sum(o.case.sizes().values()))), "smallest failing sweep case, not shrunk"


def _counterexample(minimal: Outcome | None, swept: list[Outcome], spec: CheckSpec) -> Counterexample | None:
    picked = counterexample_case(minimal, swept, spec.shrink)
    if picked is None:
        return None
    minimal, source = picked
    case = minimal.case
    args, kw = inputs_for(case, spec)
    if spec.row:
        inputs = dict(zip(arg_names(spec), args))
    else:
        inputs = {**args[0], **dict(zip(arg_names(spec)[1:], args[1:]))}
    settings = {"activation": case.activation}
    if spec.row:
        settings["dh_at"] = case.loss_at
    else:
        settings |= {"loss": case.loss, "loss_at": case.loss_at,
                     "truncation": None if case.truncation is None else str(case.truncation)}
    wrong = {n: (minimal.expected[n], minimal.got[n], minimal.errors[n]) for n in minimal.wrong}
    return Counterexample(source, case.sizes(), settings, inputs, wrong, minimal.failure)
