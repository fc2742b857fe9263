"""CheckReport: the verdict of ``check_implementation``, as text for people and JSON for CI.

JSON layout (``"schema": 1``): target, verdict ("correct" | "wrong" | "error" | "inconclusive"), exit_status
(0 | 1 | 2), convention, dtype, reference, tolerance, seed, examples, checked, varied_by_signature,
quantities {name: {verdict, max_rel_error, smallest_T, wrong_cases, cases, depends_on}}, wrong,
right, hints, counterexample, notes, error; added since: unsupported, returned_dtype, idiom,
mistakes, clipping, and per quantity "counts" {factor: {level: [wrong, cases]}} (the sweep). Non-finite
numbers are written as null.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .diagnose import ERROR, Finding
from .spec import Tolerance

SCHEMA = 1
EXIT = {"correct": 0, "wrong": 1, "error": 2, "inconclusive": 3}
SIGNATURES = {"column": "fn(params: dict, xs (T, D), targets (T,), h0 (H,)) -> (loss, grads: dict)",
              "row": "fn(x (N, T, D), h0 (N, H), Wx (D, H), Wh (H, H), b (H,), dh (N, T, H)) "
                     "-> (dx, dh0, dWx, dWh, db)"}
REFERENCE = {"column": "numeric.bptt", "row": "numeric.rnn_backward"}


@dataclass(frozen=True)
class Counterexample:
    """A failing case as the function received it, and its wrong answers.

    inputs: {name: array or value} in the function's own layout; wrong: {name: (expected, got,
    relative error)}; failure: the exception / malformed-answer message instead, if any.
    """

    source: str
    sizes: dict[str, int]
    settings: dict[str, Any]
    inputs: dict[str, Any]
    wrong: dict[str, tuple[Any, Any, float]]
    failure: str | None = None


@dataclass(frozen=True)
class CheckReport:
    """What was checked, the verdict, and (when wrong) what is wrong and where."""

    target: str
    verdict: str
    convention: str | None = None
    dtype: str | None = None
    tolerance: Tolerance | None = None
    seed: int | None = None
    checked: dict[str, Any] = field(default_factory=dict)
    varied: tuple[str, ...] = ()
    findings: tuple[Finding, ...] = ()
    search_examples: int = 0
    search_requested: int = 0
    sweep_examples: int = 0
    counterexample: Counterexample | None = None
    hints: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    error: str | None = None
    unsupported: dict[str, dict[str, str]] = field(default_factory=dict)   # keyword: value: fn's exception
    returned_dtype: str | None = None     # the dtype fn returned (float32 for float64 inputs: judged so)
    idiom: dict[str, Any] | None = None   # {"log_epsilon": ε, "cases": n}: the loss's −log(p + ε)
    mistakes: tuple[str, ...] = ()        # ids of the classic mistakes that reproduce fn (mistakes/catalog.py)
    clipping: dict[str, Any] | None = None  # {"kind": "value" | "norm", "c": c, "cases": n}

    @property
    def passed(self) -> bool:
        return self.verdict == "correct"

    @property
    def exit_status(self) -> int:
        return EXIT[self.verdict]

    @property
    def wrong(self) -> list[str]:
        return [f.name for f in self.findings if f.wrong]

    @property
    def right(self) -> list[str]:
        return [f.name for f in self.findings if not f.wrong and f.name != ERROR]

    def finding(self, name: str) -> Finding:
        return next(f for f in self.findings if f.name == name)

    # ---- JSON ---------------------------------------------------------------------------
    def as_dict(self) -> dict[str, Any]:
        ce = self.counterexample
        return _clean({
            "schema": SCHEMA, "target": self.target, "verdict": self.verdict,
            "exit_status": self.exit_status, "convention": self.convention, "dtype": self.dtype,
            "reference": REFERENCE.get(self.convention),
            "tolerance": None if self.tolerance is None else
            {"rtol": self.tolerance.rtol, "floor": self.tolerance.floor, "tiny": self.tolerance.tiny},
            "seed": self.seed,
            "examples": {"search": self.search_examples, "search_requested": self.search_requested,
                         "sweep": self.sweep_examples},
            "checked": self.checked, "varied_by_signature": list(self.varied),
            "quantities": {f.name: {"verdict": "wrong" if f.wrong else "right", "max_rel_error": f.max_error,
                                    "smallest_T": f.smallest_T, "wrong_cases": f.count_wrong, "cases": f.count,
                                    "depends_on": {k: {"wrong": list(w), "right": list(r)}
                                                   for k, (w, r) in f.depends.items()},
                                    "counts": {k: {lv: list(c) for lv, c in v.items()} for k, v in f.counts.items()}}
                           for f in self.findings},
            "wrong": self.wrong, "right": self.right, "hints": list(self.hints),
            "counterexample": None if ce is None else {
                "source": ce.source, "sizes": ce.sizes, "settings": ce.settings, "inputs": ce.inputs,
                "failure": ce.failure,
                "wrong": {n: {"expected": e, "got": g, "rel_error": r} for n, (e, g, r) in ce.wrong.items()}},
            "notes": list(self.notes), "error": self.error,
            "unsupported": self.unsupported, "returned_dtype": self.returned_dtype, "idiom": self.idiom,
            "mistakes": list(self.mistakes), "clipping": self.clipping,
        })

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.as_dict(), indent=indent, allow_nan=False)

    # ---- text ---------------------------------------------------------------------------
    def to_text(self) -> str:
        head = {"correct": "CORRECT", "wrong": "WRONG", "error": "CANNOT CHECK",
                "inconclusive": "INCONCLUSIVE"}[self.verdict]
        lines = [f"bptt check: {head} - {self.target}"]
        if self.verdict == "error":
            lines += [f"  {self.error}"] + [f"  note: {n}" for n in self.notes]
            lines.append("  (exit status 2: the function could not be checked; see docs/check.md)")
            return "\n".join(lines)
        lines.append(f"  {self.convention} convention: {SIGNATURES[self.convention]}; {self.dtype}"
                     + _model(self.checked.get("model", {})))
        lines.append("  " + _summary(self))
        lines += ["", _table(self)]
        if self.hints:
            lines += ["", "Points to:"] + [f"  - {h}" for h in self.hints]
        if self.verdict == "wrong":
            lines += ["", _dependence(self)]
        if self.counterexample is not None:
            lines += ["", _counterexample(self.counterexample)]
        lines += ["", _checked(self)]
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)

    __str__ = to_text


def _clean(x: Any) -> Any:
    """JSON-ready: arrays to lists, non-finite floats to None, tuples to lists."""
    if isinstance(x, dict):
        return {str(k): _clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    if isinstance(x, np.ndarray):
        return _clean(x.tolist())
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        return float(x) if math.isfinite(x) else None
    return x


def _fmt_err(e: float, below: float = 0.0) -> str:
    """1.0e+00; '< 1e-10' under ``below`` (rounding noise: its digits change with summation order)."""
    if not math.isfinite(e):
        return "nan/inf"
    return f"< {below:.0e}" if e < below else f"{e:.1e}"


def _summary(r: CheckReport) -> str:
    names = [f.name for f in r.findings if f.name != ERROR]
    cases = max((f.count for f in r.findings), default=0)
    if r.verdict == "correct":
        return (f"all {len(names)} quantities ({', '.join(names)}) agree with {REFERENCE[r.convention]} "
                f"on every one of {cases} cases (the first input is run twice, before and after "
                f"the others, to catch state carried between calls)")
    wrong = [n for n in r.wrong if n != ERROR]
    text = f"{len(wrong)} of {len(names)} quantities wrong: {', '.join(wrong) or '-'}; right: {', '.join(r.right) or '-'}"
    if ERROR in r.wrong:
        text += "; and fn raised on some inputs"
    return text


def _table(r: CheckReport) -> str:
    rows = [("quantity", "verdict", "from T", "max rel error", "wrong cases")]
    noise = r.tolerance.rtol * 1e-3 if r.tolerance else 0.0
    for f in r.findings:
        rows.append((f.name, "WRONG" if f.wrong else "right", str(f.smallest_T or "-"),
                     "-" if f.name == ERROR else _fmt_err(f.max_error, noise),
                     f"{f.count_wrong}/{f.count}"))
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    return "\n".join("  " + "  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in rows)


def _dependence(r: CheckReport) -> str:
    lines = [f"Dependence (over the sweep of {r.sweep_examples} cases):"]
    unseen = [f.name for f in r.findings if f.wrong and f.depends and not any(w for w, _ in f.depends.values())]
    for factor, levels in r.checked["factors"].items():
        if len(levels) < 2:
            lines.append(f"  {factor}: held at {levels[0]}")
            continue
        groups: dict[tuple, list[str]] = {}
        for f in r.findings:
            if f.wrong and f.name not in unseen and factor in f.depends:
                groups.setdefault(f.depends[factor], []).append(f.name)
        if groups and all(not right for _, right in groups):
            lines.append(f"  {factor}: no dependence (wrong at every level: {', '.join(levels)})")
            continue
        for (wrong, right), names in groups.items():
            c = r.finding(names[0]).counts.get(factor, {})
            n = lambda lvs: ", ".join(f"{lv} ({c[lv][0]}/{c[lv][1]})" if lv in c else lv for lv in lvs)  # noqa: E731
            what = f"wrong with {n(wrong)}; right with {n(right)}" if right else "wrong at every level"
            lines.append(f"  {factor}: {', '.join(names)} {what}")
    if unseen:
        lines.append(f"  ({', '.join(unseen)}: wrong only in drawn cases, never in the sweep, so no "
                     "dependence is known)")
    return "\n".join(lines)


def _arr(a: Any) -> str:
    """Full precision (the shortest repr that round-trips): the values can be pasted back."""
    if isinstance(a, np.ndarray) or isinstance(a, list):
        return np.array2string(np.asarray(a), separator=", ", max_line_width=96, floatmode="unique")
    return repr(float(a)) if isinstance(a, (float, np.floating)) else repr(a)


def _counterexample(ce: Counterexample) -> str:
    sizes = ", ".join(f"{k}={v}" for k, v in ce.sizes.items())
    sets = ", ".join(f"{k}={v!r}" for k, v in ce.settings.items())
    lines = [f"Minimal counterexample ({ce.source}): {sizes}", f"  {sets}"]
    for name, a in ce.inputs.items():
        text = _arr(a).replace("\n", "\n" + " " * (len(name) + 5))
        lines.append(f"  {name} = {text}")
    if ce.failure:
        lines.append(f"  -> {ce.failure}")
    for name, (e, g, err) in ce.wrong.items():
        e, g = np.asarray(e, float), np.asarray(g, float)
        lines.append(f"  {name}: rel error {_fmt_err(err)}")
        if e.size <= 12:
            pad = " " * 13
            lines.append(f"    expected {_arr(e)}".replace("\n", "\n" + pad))
            lines.append(f"    got      {_arr(g)}".replace("\n", "\n" + pad))
        else:
            d = np.abs(np.nan_to_num(g - e, nan=np.inf))
            i = np.unravel_index(int(np.argmax(d)), d.shape)
            lines.append(f"    worst entry {list(map(int, i))}: expected {float(e[i])!r}, got {float(g[i])!r}")
    return "\n".join(lines)


def _model(m: dict[str, Any]) -> str:
    """'; model: no biases, h0 = 0 (fn takes no h0), mean over the steps' (only what differs)."""
    parts = ([] if m.get("bias", True) else ["no biases (no b_h, b_y / b, db)"]) + \
        ([] if m.get("h0", "given") == "given" else
         ["h0 = 0" + ("" if m.get("h0_passed", True) else " (fn takes no h0)")]) + \
        (["loss and gradients the mean over the steps"] if m.get("reduction") == "mean" else [])
    return f"; model: {', '.join(parts)}" if parts else ""


def _judged_at(r: CheckReport) -> str:
    if r.returned_dtype and r.returned_dtype != r.dtype:
        return f"{r.returned_dtype}, the dtype fn returns"
    return str(r.dtype)


def _n(k: int, noun: str) -> str:
    return f"{k} {noun}{'' if k == 1 else 's'}"


def _checked(r: CheckReport) -> str:
    c = r.checked
    ranges = ", ".join(f"{k} {lo}..{hi}" for k, (lo, hi) in c["sizes"].items())
    f = c["factors"]
    held = [k for k in ("activation", "loss_at", "truncation") if k in f and k not in r.varied and len(f[k]) == 1]
    lines = [f"Checked: {_n(r.search_examples, 'drawn case')} (hypothesis, seed {r.seed}"
             + (f"; {r.search_requested} requested, stopped at the first failure" if r.search_examples
                < r.search_requested else "") + f") + {_n(r.sweep_examples, 'sweep case')}; {ranges}.",
             "  " + "; ".join(f"{k}: {', '.join(v)}" for k, v in f.items())
             + (f"; loss: {c['loss']}" if c.get("loss") else "") + (f"; inputs: {c['inputs']}"),
             f"  varied through fn's signature: {', '.join(r.varied) or 'none'}"
             + (f"; held (fn takes no such argument): {', '.join(held)}" if held else ""),
             f"Reference: {REFERENCE[r.convention]}; tolerance ({_judged_at(r)}): {r.tolerance.describe()}."]
    return "\n".join(lines)
