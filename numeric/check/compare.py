"""evaluate(fn, case, spec): run the user's function on one case and judge every quantity.

Error of one quantity (a gradient array, or the loss)::

    err = ‖got − expected‖ / max(‖got‖ + ‖expected‖, tol.floor · ‖ν‖, tol.tiny)   # [0, 1]; inf for nan
    wrong  ⇔  err >= spec.tol.rtol

ν is the quantity's magnitude bound (numeric/check/magnitude.py). The norm-wise relative error
is the one ``numeric.gradcheck`` reports; 1 means unrelated values (or one of them zero).

NaN or inf in the function's answer is always wrong. A quantity whose reference (or whose
bound ν) is not finite — the engine itself overflowed on the case — cannot be judged: it is
left out of ``errors`` and listed in ``Outcome.unreliable``, neither right nor wrong.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from .conventions import ContractError, call, mean_count, reference
from .idiom import eps_loss, log_eps
from .magnitude import case_magnitudes
from .problems import Case
from .spec import CheckSpec, Tolerance


@dataclass(frozen=True)
class Outcome:
    """The verdict on one case: per-quantity errors, which are wrong, or a failure message."""

    case: Case
    expected: dict[str, Any]
    got: dict[str, Any] | None
    errors: dict[str, float] = field(default_factory=dict)
    wrong: tuple[str, ...] = ()
    failure: str | None = None          # raised, or answered in the wrong form
    mutated: tuple[str, ...] = ()
    unreliable: tuple[str, ...] = ()    # reference or its bound not finite: not judged
    dtypes: dict[str, str] = field(default_factory=dict)   # the dtype fn returned each quantity in
    eps: float | None = None            # the loss is Σ −log(p_t + eps): the log-epsilon idiom (idiom.py)

    @property
    def ok(self) -> bool:
        return self.failure is None and not self.wrong


def _norm(a: Any) -> float:
    return float(np.linalg.norm(np.ravel(a)))


def relative_errors(got: dict[str, Any], expected: dict[str, Any], bounds: Callable[[], dict[str, Any]],
                    tol: Tolerance) -> dict[str, float]:
    """err for every name present in both (see the module docstring); ``bounds()`` gives the
    magnitude bounds ν, computed only when some plain relative error exceeds rtol / 1000 (below
    that the plain error is reported: it is an upper bound of err and far from any verdict)."""
    errs, nu = {}, None
    for n in expected:
        if n not in got:
            continue
        g, e = np.asarray(got[n], np.float64), np.asarray(expected[n], np.float64)
        if not np.all(np.isfinite(e)):
            continue                                          # unreliable reference: not judged
        if not np.all(np.isfinite(g)):
            errs[n] = float("inf")
            continue
        diff, size = _norm(g - e), _norm(g) + _norm(e)
        if diff < 1e-3 * tol.rtol * max(size, tol.tiny):     # far inside: the floor cannot matter for the verdict
            errs[n] = diff / max(size, tol.tiny)
            continue
        nu = bounds() if nu is None else nu
        floor = tol.floor * _norm(nu[n])
        if not np.isfinite(floor):      # an infinite floor would make any answer "right": not judged
            continue
        errs[n] = diff / max(size, floor, tol.tiny)
    return errs


def evaluate(fn: Callable, case: Case, spec: CheckSpec) -> Outcome:
    """Call ``fn`` on ``case`` and compare with the reference engine at ``spec.tol``."""
    expected = reference(case, spec)
    try:
        got, mutated, dtypes = call(fn, case, spec)
    except ContractError as e:
        return Outcome(case, expected, None, failure=str(e))
    bounds = lambda: scaled(case_magnitudes(case, spec.row), 1.0 / mean_count(case, spec))  # noqa: E731
    errs = relative_errors(got, expected, bounds, spec.tol)
    eps = None
    if not errs.get("loss", 0.0) < spec.tol.rtol and np.isfinite(errs.get("loss", np.nan)):
        eps = log_eps(case, spec, got["loss"])
        if eps is not None:       # judged against Σ −log(p_t + eps) instead (confirmed by core)
            errs["loss"] = relative_errors({"loss": got["loss"]}, {"loss": eps_loss(case, spec, eps)},
                                           bounds, spec.tol)["loss"]
    wrong = tuple(n for n, v in errs.items() if not v < spec.tol.rtol)
    unreliable = tuple(n for n in expected if n in got and n not in errs)
    return Outcome(case, expected, got, errs, wrong, None, mutated, unreliable, dtypes, eps)


def scaled(bounds: dict[str, Any], c: float) -> dict[str, Any]:
    return bounds if c == 1.0 else {n: np.asarray(v) * c for n, v in bounds.items()}


def same_answer(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Two answers of the function to the same input agree (to 1e-12 relative, any order noise)."""
    if a.keys() != b.keys():
        return False
    return all(np.allclose(np.asarray(a[k], float), np.asarray(b[k], float), rtol=1e-12, atol=1e-300,
                           equal_nan=True) for k in a)
