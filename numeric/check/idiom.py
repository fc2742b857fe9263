"""The log-epsilon idiom: a loss written Σ_t −log(p_t[y_t] + ε) for a small ε (1e-12, 1e-8, ...).

It is not a bug: the gradients people pair with it are p_t − onehot(y_t), the true gradient of
−log p_t, and −log(p + ε) differs from −log p only where p_t[y_t] is not ≫ ε (large weights,
p ≪ 1e-10) or where the loss is about 0 (one class, V = 1: p = 1 and the loss is −log(1 + ε) ≈ −ε).
``log_eps`` finds the ε that makes a wrong loss match (if one ≤ EPS_MAX does); core.py then
confirms that one ε explains every such case (``confirm``), else the cases are wrong again.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import numpy as np

from ..forward import forward
from .conventions import mean_count
from .problems import Case
from .spec import CheckSpec

EPS_MAX = 1e-4          # larger is not "a small ε guarding log(0)"
EPS_MIN = 1e-300


def _logp(case: Case, spec: CheckSpec) -> np.ndarray | None:
    """log p_t[y_t] at the steps with a loss (cross-entropy, column convention), or None."""
    if spec.row or case.loss != "cross_entropy":
        return None
    with np.errstate(all="ignore"):
        o = forward(case.params, case.xs, h0=case.h0, activation=case.activation).os
        m = o.max(axis=1, keepdims=True)
        lse = (m + np.log(np.exp(o - m).sum(axis=1, keepdims=True)))[:, 0]
    steps = range(case.T) if case.loss_at == "all" else [case.T - 1]
    lp = np.array([o[t, case.targets[t]] - lse[t] for t in steps])
    return lp if np.all(np.isfinite(lp)) else None


def eps_loss(case: Case, spec: CheckSpec, eps: float) -> float:
    """Σ_t −log(p_t[y_t] + eps) (divided as the reduction says)."""
    lp = _logp(case, spec)
    return float(-np.logaddexp(lp, math.log(eps)).sum()) / mean_count(case, spec)


def log_eps(case: Case, spec: CheckSpec, got: float) -> float | None:
    """The ε in (EPS_MIN, EPS_MAX] with Σ −log(p_t + ε) = got, or None (no such ε)."""
    lp = _logp(case, spec)
    if lp is None or not math.isfinite(got):
        return None
    c = 1.0 / mean_count(case, spec)
    f = lambda le: float(-np.logaddexp(lp, le).sum()) * c  # noqa: E731   decreasing in log ε
    lo, hi = math.log(EPS_MIN), math.log(EPS_MAX)
    if not f(hi) <= got <= f(lo) or got >= float(-lp.sum()) * c:
        return None
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if f(mid) > got else (lo, mid)
        if hi - lo < 1e-13:
            break
    return math.exp((lo + hi) / 2)


def confirm(outcomes: list[Any], spec: CheckSpec) -> tuple[list[Any], float | None, int]:
    """One ε for every case whose loss the idiom explained: the ε of the case where the loss
    differs most from −log p (where p ≪ ε, so −log(p + ε) ≈ −log ε pins ε down); cases it
    does not explain are wrong again.
    Returns (outcomes, ε or None, how many cases the idiom explained)."""
    cand = [o for o in outcomes if o.eps is not None]
    if not cand:
        return outcomes, None, 0
    best = max(cand, key=lambda o: abs(o.got["loss"] - o.expected["loss"]))   # ε best determined there
    eps = _snap(best.eps)
    out, n = [], 0
    for o in outcomes:
        if o.eps is None:
            out.append(o)
            continue
        if eps is None:
            out.append(_wrong_again(o))
            continue
        want, got = eps_loss(o.case, spec, eps), o.got["loss"]
        # the terms of the loss are about |−log p_t| + 1 each: its rounding-noise floor
        floor = spec.tol.floor * (abs(o.expected["loss"]) + o.case.T)
        err = abs(got - want) / max(abs(got) + abs(want), floor, spec.tol.tiny)
        if err < spec.tol.rtol:
            n += 1
            out.append(replace(o, eps=eps))
        else:
            out.append(_wrong_again(o))
    return out, (eps if n else None), n


def _wrong_again(o: Any) -> Any:
    errs = dict(o.errors)
    e, g = o.expected["loss"], o.got["loss"]
    errs["loss"] = abs(g - e) / max(abs(g) + abs(e), 1e-300)
    return replace(o, eps=None, errors=errs, wrong=tuple(n for n in errs if n in o.wrong or n == "loss"))


def _snap(eps: float) -> float | None:
    """The round value (1e-12, 5e-8, 2.5e-7) the estimate is, or None: the idiom's ε is a
    constant someone typed. Tolerance: 1e-6, plus what rounding 1 + ε in float64 does to an
    ε seen through a loss near 0 (2.2e-16 / ε)."""
    tol = 1e-6 + 1e-15 / eps
    for digits in (1, 2, 3):
        r = float(f"{eps:.{digits - 1}e}")
        if abs(r - eps) <= tol * eps:
            return r
    return None


def where_it_matters(outcomes: list[Any]) -> str:
    """'p_t[y_t] < 1e-10 at scale 10 in 12 cases; one class (V = 1) in 3': the explained cases."""
    ex = [o for o in outcomes if o.eps is not None]
    one = sum(1 for o in ex if o.case.params.output_size == 1)
    small = len(ex) - one
    parts = []
    if small:
        scales = sorted({f"{o.case.scale:g}" for o in ex if o.case.params.output_size > 1})
        parts.append(f"{small} case(s) where some p_t[y_t] is not ≫ ε (weight scale {', '.join(scales)})")
    if one:
        parts.append(f"{one} case(s) with one class (V = 1), where the true loss is exactly 0")
    return "; ".join(parts)


def idiom_note(eps: float, n: int, outcomes: list[Any]) -> str:
    return (f"the loss is Σ_t −log(p_t[y_t] + ε) with ε = {eps:.3g} (the log-epsilon idiom), not Σ_t −log p_t[y_t]: "
            f"not a bug — the gradients are those of −log p_t. It made the loss differ in {n} case(s): "
            f"{where_it_matters(outcomes)}; those losses were judged against the idiom's value.")
