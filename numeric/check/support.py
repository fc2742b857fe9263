"""What fn supports: option values it refuses, and the precision it really computes in.

Option values: a value of ``activation``, ``loss_at`` or ``truncation`` (the keywords read from
fn's signature) that fn refuses with an exception (one of REFUSALS) on the ordinary probe case — e.g.
``ValueError("unknown activation 'identity'")`` from an implementation of tanh and sigmoid
only — is "not supported by fn": it is listed in the report and left out of the check, and the
values fn does support are checked as usual.

Precision: when fn is handed float64 but returns float32 (``np.empty(..., dtype='f')``
storage), its answers can only be float32-accurate; every value is then drawn exact in
float32 (nothing that underflows float32) and judged at float32's tolerance.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Callable

import numpy as np

from ..truncation import Truncation
from .compare import Outcome, evaluate
from .problems import probe_case
from .spec import TOLERANCES, CheckSpec

LOW = (np.dtype(np.float32), np.dtype(np.float16))


def lower_precision(first: Outcome, spec: CheckSpec) -> tuple[CheckSpec, list[str]]:
    """spec judged at float32 when fn returned float32 (or float16) for float64 inputs."""
    low = sorted(n for n, d in first.dtypes.items() if np.dtype(d) in LOW)
    if not low or spec.dtype != np.dtype(np.float64):
        return spec, []
    f32 = np.dtype(np.float32)
    return replace(spec, precision=f32, tol=TOLERANCES[f32]), low


# How code says "I do not do that": a bug in the code path (IndexError, ZeroDivisionError, ...)
# is not a refusal, and is checked (and reported) like any other answer.
REFUSALS = ("ValueError", "NotImplementedError", "KeyError", "LookupError", "TypeError", "AssertionError")


def _refused(o: Outcome) -> str | None:
    if not (o.failure and o.failure.startswith("fn raised ")):
        return None
    msg = o.failure[len("fn raised "):]
    return msg if msg.split(":")[0].split(" ")[0] in REFUSALS else None


def _split(fn: Callable, spec: CheckSpec, key: str, values: tuple[str, ...],
           refused: dict[str, dict[str, str]]) -> tuple[str, ...]:
    keep = []
    for v in values:
        msg = _refused(evaluate(fn, probe_case(spec, **{key: v}), spec))
        if msg is None:
            keep.append(v)
        else:
            refused.setdefault(key, {})[v] = msg
    return tuple(keep) or values                  # none at all: the probe reports it (exit 2)


def restrict(fn: Callable, spec: CheckSpec) -> tuple[CheckSpec, dict[str, dict[str, str]]]:
    """spec without the option values fn refuses; {keyword: {value: fn's exception}}."""
    refused: dict[str, dict[str, str]] = {}
    if "activation" in spec.passes:
        spec = replace(spec, activations=_split(fn, spec, "activation", spec.activations, refused))
    if "loss_at" in spec.passes and not spec.row:
        spec = replace(spec, loss_ats=_split(fn, spec, "loss_at", spec.loss_ats, refused))
    if spec.vary_truncation:
        case = replace(probe_case(spec), truncation=Truncation(1, 2))
        msg = _refused(evaluate(fn, case, spec))
        if msg is not None:
            refused["truncation"] = {"Truncation(k1, k2)": msg}
            spec = replace(spec, vary_truncation=False, truncation=None)
    return spec, refused


def support_notes(spec: CheckSpec, low: list[str], refused: dict[str, dict[str, str]]) -> list[str]:
    notes = []
    if low:
        notes.append(f"fn returns float32 while the inputs were float64 ({', '.join(low)}): its answers are "
                     "judged at float32's tolerance, with every drawn value exact in float32 (none that "
                     "underflows float32); pass --dtype float32 to hand it float32 inputs as well.")
    for key, values in refused.items():
        for v, msg in values.items():
            notes.append(f"not supported by fn: {key}={v!r} ({msg} on an ordinary input); not checked, "
                         f"the values it supports were.")
    return notes
