"""gradcheck_fn: central differences of fn's loss against the gradients fn returns.

For each entry θ_i of each array of the point: n_i = (L(θ + ε e_i) − L(θ − ε e_i)) / 2ε, in
float64, every call of fn on a fresh copy of the point. The comparison and its verdict are
numeric/gradcheck_verdict.judge's, with the noise floor of the differences (norm-wise over an
array of n entries)

    F = max(4·ε_L·max(1, |L|), 2·δ) / eps · √n

where ε_L is the machine epsilon of the dtype fn's loss comes in and δ the spread of the loss
over three calls at the same point (0 for a deterministic fn): a gradient not well above F is
inconclusive, never a pass; a FAIL that kinks within eps explain (numeric/fn_gradcheck/kinks.py)
is inconclusive too. Cost: 3 calls at the point, then 2 per entry (4 for an array whose
first comparison cannot decide).
"""

from __future__ import annotations

import time
from typing import Any, Callable

import numpy as np

from ..gradcheck import DEFAULT_RTOL, EPS_MACH64, _bar, _central_diff, lost_steps
from ..gradcheck_verdict import STEP_RATIO, Comparison, GradcheckReport, judge
from ..validate import check_positive_real
from .answer import as_point, call, read_answer, read_loss
from .kinks import differences, explain_by_kinks
from .report import FnGradcheckReport

REPEATS = 3            # calls at the point: the analytic answer, and the loss's spread (noise)
# The range of 3 draws of a noise is on average 1.7 of its standard deviations but can be far
# less; twice the range keeps an underestimated noise from passing a gradient it hides.
NOISE_SLACK = 2.0


def gradcheck_fn(fn: Callable[[dict], Any], params: Any, *, eps: float = 1e-6, rtol: float | None = None,
                 atol: float | None = None, name: str | None = None, point_source: str = "params",
                 max_seconds: float | None = None, progress: bool = False) -> FnGradcheckReport:
    """Check fn(params) -> (loss, grads) against central differences of its own loss.

    Args:
      fn: called as fn(params) with params a dict {name: float64 array} (a fresh copy each call);
        returns (loss, grads): loss a real number, grads {name: array} with exactly params' keys
        and shapes. Data (inputs, targets) live inside fn (a closure or module globals); fn must
        be a deterministic function of params — a noisy one gives "inconclusive", not a verdict.
      params: the point, a dict of real arrays (ints are read as floats); copied to float64.
      eps: the central-difference step (1e-6: truncation ~eps², round-off ~ε_mach·|L|/eps).
      rtol: the norm-wise relative error that passes; default 1e-7, or 1e-3 when fn returns
        float32 gradients (with a note).
      atol: the floor of the error's denominator; default the noise floor F / rtol.
      name: how the report names fn; point_source: how it names where the point came from.
      max_seconds: refuse (ValueError) when the differences are estimated to take longer
        (from the time of one call); None: no limit.
      progress: a progress bar on stderr (one tick per entry).
    Returns:
      FnGradcheckReport: verdict "pass" / "fail" / "inconclusive", exit_status 0 / 1 / 3.
    Raises:
      FnError (a ValueError) when params is not a dict of finite real arrays or fn raises or
      answers in another form than (loss, grads) — the message says what was expected.
    """
    eps = check_positive_real("eps", eps)
    rtol = None if rtol is None else check_positive_real("rtol", rtol)
    atol = None if atol is None else check_positive_real("atol", atol, allow_zero=True)
    point = as_point(params)
    changed: list[str] = []
    start = time.perf_counter()
    answer = call(fn, point, " at the point", changed)
    seconds = time.perf_counter() - start
    loss, loss_dtype, grads, grad_dtypes = read_answer(answer, point)
    notes = [f"fn changes the arrays it is given ({', '.join(changed)}); each call gets a fresh copy of "
             "the point, so the check is not affected"] if changed else []
    losses = [loss] + [read_loss(call(fn, point, " at the point"))[0] for _ in range(REPEATS - 1)]
    spread = NOISE_SLACK * float(np.ptp(losses)) if np.all(np.isfinite(losses)) else 0.0
    if spread:
        notes.append(f"fn is not deterministic: {REPEATS} calls at the same point gave losses from "
                     f"{min(losses):.17g} to {max(losses):.17g}; {NOISE_SLACK:g} x that spread ({spread:.2e}) "
                     "is in the noise floor")
    if rtol is None:
        low = "float32" in grad_dtypes or loss_dtype == np.float32
        rtol = DEFAULT_RTOL[np.dtype(np.float32 if low else np.float64)]
        if low:
            notes.append("fn returns float32; judged at float32's tolerance (relative error < 1e-3)")
    entries_total = sum(a.size for a in point.values())
    if max_seconds is not None:
        estimate = 2 * entries_total * max(seconds, 1e-6)
        if estimate > max_seconds:
            raise ValueError(f"max_seconds: differencing {entries_total:,} entries takes 2 calls of fn each "
                             f"({seconds:.2g} s a call): an estimated {estimate:,.0f} s, more than "
                             f"{max_seconds:g}; raise it or check at a smaller point.")
    eps_loss = float(np.finfo(loss_dtype).eps) if loss_dtype.kind == "f" else EPS_MACH64
    work = {k: v.copy() for k, v in point.items()}
    f = lambda: read_loss(call(fn, work, " at a perturbed point (θ ± eps)"))[0]  # noqa: E731
    bar = _bar(entries_total, progress)
    entries = {}
    try:
        with np.errstate(all="ignore"):
            for key, x in work.items():
                entries[key] = _check_one(key, f, x, grads[key], eps, rtol, atol, loss, spread, eps_loss,
                                          bar and bar.update)
    finally:
        if bar is not None:
            bar.close()
    return FnGradcheckReport(name or getattr(fn, "__qualname__", repr(fn)), GradcheckReport(entries, eps),
                             loss, point_source, {k: v.shape for k, v in point.items()}, tuple(notes),
                             REPEATS + 2 * entries_total)


def _check_one(key, f, x, a, eps, rtol, atol, loss, spread, eps_loss, tick):
    lost = lost_steps(x, eps)
    num, second = differences(f, x, eps, loss, tick)
    finite = bool(np.isfinite(loss))
    floor = max(4 * eps_loss * max(1.0, abs(loss)), spread) / eps * np.sqrt(x.size) if finite else np.inf
    c = Comparison(key, eps, rtol, atol, float(floor), lost, finite, None)
    entry = judge(c, a, num, lambda: _central_diff(f, x, eps * STEP_RATIO))
    return entry if spread or lost else explain_by_kinks(entry, a, num, second, eps)

