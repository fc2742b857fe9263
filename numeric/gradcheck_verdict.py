"""The verdict of one finite-difference comparison: pass, fail, or inconclusive, and why.

Central differences in float64 carry two errors: round-off, about ε_mach·|L|/eps per entry
(the loss is rounded at θ ± eps, and the difference is divided by 2·eps), and truncation,
eps²·|∂³L|/6. The comparison of an analytic gradient ``a`` with the differences ``n`` can only
tell right from wrong when those errors are well below the gradient itself, so each gradient
gets one of three verdicts:

- pass: a, n finite, the noise floor F below RESOLUTION · max(‖a‖, ‖n‖), and
  ‖a − n‖ / max(‖a‖ + ‖n‖, atol) < rtol (atol defaults to F / rtol: below it, absolute error);
  or a and n both exactly zero (the loss did not change by a single bit under any step).
- fail: the differences at eps and at STEP_RATIO·eps agree with each other (to their own
  floors, or to AGREE of their size) but the analytic gradient is further than MARGIN times
  their uncertainty from them; or the analytic gradient has NaN/inf while the loss is finite.
- inconclusive: anything else (the loss not finite near θ, a step lost to rounding, a floor not
  below the gradient, differences that never settle), with the reason and, when one exists, a
  step size that would do.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import numpy as np

# The floor must be below 1/1000 of the gradient's norm for a verdict. At the default eps
# (1e-6) F ≈ 4e-10·max(1, |L|)·√n, so only gradients below ~4e-7·max(1, |L|)·√n (vanishing
# ones) are left unjudged, and a pass certifies the analytic gradient to 0.1 % at worst (to rtol
# wherever ‖a‖ + ‖n‖ >= F / rtol). A looser 1/10 would let a 9 % error pass on a small gradient.
RESOLUTION = 1e-3
# The second step size. Truncation error grows 100x from eps to 10·eps and round-off shrinks
# 10x, so differences that match at both are neither truncation- nor noise-dominated.
STEP_RATIO = 10.0
# The two step sizes "agree" when they differ by < 10 % of the differences themselves (an
# eps² truncation law explains that: n(10ε) − n(ε) = 99·(n(ε) − g)), or by < 3x their floors.
AGREE = 0.1
FLOOR_SLACK = 3.0
# fail needs the analytic gradient further than 10x the differences' uncertainty from them:
# the uncertainty is itself an estimate (a norm-wise bound), 10x keeps noise from being a FAIL.
MARGIN = 10.0
# Suggested steps stay where truncation (eps²·|∂³L|/6) is still far below rtol · ‖g‖ for the
# unit-scale problems gradcheck draws: 1e-4 gives 2e-9·|∂³L|.
MAX_SUGGESTED_EPS = 1e-4
DEFAULT_EPS = 1e-6
VERDICTS = ("pass", "fail", "inconclusive")
EXIT = {"pass": 0, "fail": 1, "inconclusive": 3}      # 2 is bad input (the CLI's usage errors)


@dataclass(frozen=True)
class GradcheckEntry:
    """The check of one gradient: norm-wise relative error, its worst entry and the verdict.

    verdict is "pass", "fail" or "inconclusive" (None: judged by rel_error < rtol alone);
    reason says why a gradient is not a pass; suggested_eps is a step that would resolve it
    (None when no step size would); noise_floor is the differences' round-off floor F
    (None: not computed).
    """

    name: str
    rel_error: float
    abs_error: float
    worst_index: tuple[int, ...]
    analytic: float
    numeric: float
    rtol: float
    atol: float
    verdict: str | None = None
    reason: str = ""
    suggested_eps: float | None = None
    noise_floor: float | None = None

    @property
    def status(self) -> str:
        if self.verdict is not None:
            return self.verdict
        return "pass" if self.rel_error < self.rtol else "fail"

    @property
    def passed(self) -> bool:
        return self.status == "pass"

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "verdict": self.status, "rel_error": _num(self.rel_error),
                "abs_error": _num(self.abs_error), "worst_index": list(self.worst_index),
                "analytic": _num(self.analytic), "numeric": _num(self.numeric), "rtol": self.rtol,
                "atol": _num(self.atol),
                "noise_floor": None if self.noise_floor is None else _num(self.noise_floor),
                "reason": self.reason or None, "suggested_eps": self.suggested_eps}

    def __str__(self) -> str:
        label = {"pass": "ok", "fail": "FAIL", "inconclusive": "INCONCLUSIVE"}[self.status]
        text = f"{self.name:<5} rel {self.rel_error:.3e}  abs {self.abs_error:.3e}  [{label}]"
        if self.status != "pass":
            text += (f"\n  worst entry {self.name}{list(self.worst_index)}:"
                     f"\n    analytic {self.analytic:.17g}\n    numeric  {self.numeric:.17g}"
                     f"\n  tolerance rel < {self.rtol:g} (atol floor {self.atol:.3g})")
        if self.reason:
            text += f"\n  {self.reason}"
        return text


@dataclass(frozen=True)
class GradcheckReport:
    """Per-gradient entries (W_xh, W_hh, b_h, W_hy, b_y, h0, xs) and the overall verdict.

    verdict: "fail" if any gradient fails, else "inconclusive" if any is, else "pass";
    ``passed`` is True only for "pass"; ``exit_status`` 0 / 1 / 3 (as ``bptt gradcheck``).
    """

    entries: dict[str, GradcheckEntry]
    eps: float

    @property
    def verdict(self) -> str:
        states = {e.status for e in self.entries.values()}
        return "fail" if "fail" in states else "inconclusive" if "inconclusive" in states else "pass"

    @property
    def passed(self) -> bool:
        return self.verdict == "pass"

    @property
    def exit_status(self) -> int:
        return EXIT[self.verdict]

    @property
    def reason(self) -> str:
        """The reasons of the gradients that carry the verdict (empty for a pass)."""
        v = self.verdict
        return "; ".join(f"{e.name}: {e.reason}" for e in self if e.status == v and e.reason)

    @property
    def suggested_eps(self) -> float | None:
        """A step size for the inconclusive gradients, if every one of them has one."""
        bad = [e for e in self if e.status == "inconclusive"]
        if not bad or any(e.suggested_eps is None for e in bad):
            return None
        return max(e.suggested_eps for e in bad)

    @property
    def max_rel_error(self) -> float:
        return max(e.rel_error for e in self.entries.values())

    def __getitem__(self, name: str) -> GradcheckEntry:
        return self.entries[name]

    def __iter__(self) -> Iterator[GradcheckEntry]:
        return iter(self.entries.values())

    def as_dict(self) -> dict[str, Any]:
        return {"schema": 1, "verdict": self.verdict, "exit_status": self.exit_status, "eps": self.eps,
                "reason": self.reason or None, "suggested_eps": self.suggested_eps,
                "max_rel_error": _num(self.max_rel_error), "gradients": [e.as_dict() for e in self]}

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.as_dict(), indent=indent, allow_nan=False)

    def __str__(self) -> str:
        head = f"gradcheck (central differences, eps={self.eps:g}): {self.verdict.upper()}"
        lines = [head] + [str(e) for e in self]
        if self.suggested_eps is not None:
            lines.append(f"suggested eps: {self.suggested_eps:g}")
        return "\n".join(lines)


def _num(x: float) -> float | None:
    """JSON-ready: non-finite numbers as null."""
    return float(x) if math.isfinite(x) else None


@dataclass(frozen=True)
class Comparison:
    """What judge() needs about one gradient besides the arrays."""

    name: str
    eps: float
    rtol: float
    atol: float | None          # the caller's; None: F / rtol
    floor: float                # round-off floor F of the differences at eps (norm-wise)
    lost: int                   # entries where x ± eps == x
    loss_finite: bool
    w_hh_norm: Callable[[], float] | None       # None: no W_hh (a model-free check)


def judge(c: Comparison, a: np.ndarray, n: np.ndarray, second: Callable[[], np.ndarray]) -> GradcheckEntry:
    """The verdict on analytic ``a`` against differences ``n`` at c.eps; ``second()`` gives the
    differences at STEP_RATIO·eps, computed only when the first comparison cannot decide."""
    a = np.asarray(a, np.float64)
    atol = c.floor / c.rtol if c.atol is None else c.atol
    floor = c.floor if c.atol is None else max(c.floor, c.atol * c.rtol)
    err = np.abs(a - n)
    worst = np.unravel_index(int(np.argmax(np.nan_to_num(err, nan=np.inf))), err.shape) if err.size else ()
    abs_err = float(np.linalg.norm(a - n))
    size = float(np.linalg.norm(a) + np.linalg.norm(n))
    scale = max(size, atol)
    if not math.isfinite(abs_err):
        rel = float("nan")                          # NaN/inf: no relative error to speak of
    else:
        rel = abs_err / scale if scale > 0 else 0.0  # both exactly zero (atol = 0): they agree
    make = lambda verdict, reason="", eps=None: GradcheckEntry(  # noqa: E731
        c.name, rel, abs_err, tuple(int(i) for i in worst), float(a[worst]), float(n[worst]), c.rtol,
        atol, verdict, reason, eps, floor)
    verdict, reason, eps = _decide(c, a, n, second, floor, abs_err, rel, size)
    return make(verdict, reason, eps)


def _decide(c, a, n, second, floor, abs_err, rel, size) -> tuple[str, str, float | None]:
    if not c.loss_finite or not np.all(np.isfinite(n)):
        return ("inconclusive", "the loss is not finite at these weights or within eps of them "
                "(overflow), so finite differences see nothing; use smaller weights", None)
    if c.lost:
        return ("inconclusive", f"eps={c.eps:g} is lost to rounding: x ± eps == x for {c.lost} of {n.size} "
                "entries, whose differences are 0 by construction", _suggest(c.eps, floor, 0.0))
    if not np.all(np.isfinite(a)):
        return "fail", "the analytic gradient has NaN/inf where the loss and its differences are finite", None
    if not np.any(a) and not np.any(n):
        return "pass", "", None
    M = max(float(np.linalg.norm(a)), float(np.linalg.norm(n)))
    if floor > RESOLUTION * M:
        return ("inconclusive", f"the gradient (norm {M:.2e}) is not well above the finite differences' "
                f"noise floor {floor:.2e} (~ε_mach·max(1, |L|)/eps); they cannot tell right from wrong here",
                _suggest(c.eps, floor, M))
    if rel < c.rtol:
        return "pass", "", None
    return _two_steps(c, n, second(), floor, abs_err, M)


def _two_steps(c, n, n2, floor, abs_err, M) -> tuple[str, str, float | None]:
    """FAIL only when the differences at eps and STEP_RATIO·eps agree but the analytic does not."""
    eps2 = c.eps * STEP_RATIO
    if not np.all(np.isfinite(n2)):
        return "inconclusive", f"the loss is not finite within {eps2:g} of these weights", None
    n1_norm, n2_norm = float(np.linalg.norm(n)), float(np.linalg.norm(n2))
    d12 = float(np.linalg.norm(n - n2))
    floors = floor * (1 + 1 / STEP_RATIO)
    settled = d12 <= AGREE * n1_norm or d12 <= FLOOR_SLACK * floors
    if not settled:
        w = None if c.w_hh_norm is None else c.w_hh_norm()
        what = ("noisy, not smooth, or too curved at this point" if w is None else
                ("chaotic" if w > 1 else "too curved") + f" in these weights (‖W_hh‖₂ = {w:.3g})")
        return ("inconclusive", f"finite differences unreliable here: the loss is {what}; the differences "
                f"do not settle (norm {n2_norm:.3g} at eps {eps2:g}, {n1_norm:.3g} at eps {c.eps:g})", None)
    uncertainty = floor + d12
    if abs_err > MARGIN * uncertainty:
        return ("fail", f"the differences at eps {c.eps:g} and {eps2:g} agree (to {d12:.2e}) but the "
                f"analytic gradient is {abs_err:.2e} from them", None)
    return ("inconclusive", f"the analytic gradient is {abs_err:.2e} from the differences, within their own "
            f"uncertainty {uncertainty:.2e} (their change from eps {c.eps:g} to {eps2:g})",
            _smaller(c.eps, floor, M) if d12 > floors else None)


def _smaller(eps: float, floor: float, M: float) -> float | None:
    """eps / STEP_RATIO when truncation dominates and its round-off floor still resolves M."""
    return eps / STEP_RATIO if floor * STEP_RATIO <= 0.1 * RESOLUTION * M else None


def _suggest(eps: float, floor: float, M: float) -> float | None:
    """A step whose round-off floor (∝ 1/eps) is RESOLUTION/10 of the gradient, in
    [DEFAULT_EPS, MAX_SUGGESTED_EPS]; None when even MAX_SUGGESTED_EPS is too small."""
    if M == 0.0:                              # nothing known about the gradient: the usual step
        return DEFAULT_EPS
    need = eps * floor / (0.1 * RESOLUTION * M)
    if need > MAX_SUGGESTED_EPS:
        return None
    return float(min(max(need, DEFAULT_EPS), MAX_SUGGESTED_EPS))
