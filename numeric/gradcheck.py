"""Finite-difference gradient checking: numerical_gradient and gradcheck.

Central differences, (f(θ + ε e_i) − f(θ − ε e_i)) / 2ε, for every entry. In float64 with
ε = 1e-6 the truncation error is O(ε²) ≈ 1e-12 and the round-off error about
ε_mach·|L|/ε ≈ 2e-10·|L| per entry, so a correct gradient shows a norm-wise relative error
around 1e-9 — far below the article's bar of 1e-7, and a wrong one far above it. Where that
reasoning fails (overflow, an eps lost to rounding or drowned in round-off, a loss chaotic in
the weights) the verdict is "inconclusive", never a pass: see numeric/gradcheck_verdict.py.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from .bptt import bptt, prepare
from .forward import outputs, run_states
from .gradcheck_verdict import STEP_RATIO, Comparison, GradcheckEntry, GradcheckReport, judge
from .kernels import loss_and_grad_
from .params import PARAM_NAMES, Params
from .validate import as_params, check_positive_real

__all__ = ["GradcheckEntry", "GradcheckReport", "gradcheck", "numerical_gradient", "lost_steps"]

EPS_MACH64 = float(np.finfo(np.float64).eps)
DEFAULT_RTOL = {np.dtype(np.float64): 1e-7, np.dtype(np.float32): 1e-3}


def _central_diff(f: Callable[[], float], a: np.ndarray, eps: float,
                  tick: Callable[[int], None] | None = None) -> np.ndarray:
    """∂f/∂a by central differences, perturbing ``a`` in place (and restoring it)."""
    g = np.empty(a.shape, np.float64)
    flat = a.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        fp = f()
        flat[i] = old - eps
        fm = f()
        flat[i] = old
        g.flat[i] = (fp - fm) / (2 * eps)
        if tick is not None:
            tick(1)
    return g


def lost_steps(a: np.ndarray, eps: float) -> int:
    """How many entries of ``a`` a step of ±eps leaves unchanged (x + eps == x or x − eps == x)."""
    a = np.asarray(a, np.float64)
    return int(np.count_nonzero((a + eps == a) | (a - eps == a)))


def _check_step(name: str, eps: float, arrays: dict[str, np.ndarray]) -> None:
    lost = sum(lost_steps(a, eps) for a in arrays.values())
    if lost:
        big = max(float(np.max(np.abs(a), initial=0.0)) for a in arrays.values())
        total = sum(a.size for a in arrays.values())
        raise ValueError(f"{name}={eps!r} is lost to rounding: x ± eps == x for {lost} of {total} entries "
                         f"(largest |x| = {big:.3g}), so their differences would be 0; choose {name} > "
                         f"{float(np.spacing(big)):.1e} (1e-6 is usual).")


def numerical_gradient(f: Callable[[Params], float], params: Params, *, eps: float = 1e-6) -> Params:
    """Central-difference gradient of a scalar function of Params, entry by entry.

    ``f`` is called 2 × (number of entries) times on a private float64 copy of ``params``
    (Params or a dict of its five arrays; float32 params are copied to float64 too: perturbing
    by eps = 1e-6 in float32 would round the step itself away). Returns a float64 Params of
    the same shapes. An eps so small that x ± eps == x for some entry is refused (ValueError).
    """
    eps = check_positive_real("eps", eps)
    work = as_params(params).astype(np.float64)
    _check_step("eps", eps, dict(work))
    return Params(**{n: _central_diff(lambda: float(f(work)), a, eps) for n, a in work})


def gradcheck(params, xs, targets, *, eps: float = 1e-6, rtol: float | None = None,
              atol: float | None = None, h0=None, progress: bool = False, **bptt_options) -> GradcheckReport:
    """Compare ``numeric.bptt`` with central differences for every parameter, h0 and xs.

    Error per gradient: ‖a − n‖ / max(‖a‖ + ‖n‖, atol), reported with its worst entry.
    Defaults: rtol 1e-7 in float64 (the article's bar), 1e-3 in float32 (the float32
    gradient is compared with float64 differences of the same problem; float32 BPTT keeps
    only ~1e-6 relative accuracy per operation, which T steps compound). atol, the floor of
    the denominator, defaults to the differences' own noise floor divided by rtol, where the
    floor is F = 4·ε_mach·max(1, |L|)/eps·√n: below it a gradient is judged by its absolute error.

    Each gradient's verdict is "pass", "fail" or "inconclusive" (numeric/gradcheck_verdict.py):
    NaN/inf is never a pass; a gradient not well above F (below 1000·F) is inconclusive, with a
    suggested eps; a mismatch is a fail only when the differences at eps and 10·eps agree with
    each other (else the loss is too chaotic for finite differences: inconclusive). The cost is
    2 loss evaluations per entry, twice that for a gradient whose first comparison cannot decide.

    Truncated gradients are not gradients of L, so ``truncation`` is refused here. Problems
    with a relu pre-activation within eps of 0 straddle the kink and are the caller's to avoid.
    ``progress`` shows a bar (one tick per entry) on stderr.
    """
    if bptt_options.get("truncation") is not None:
        raise ValueError("gradcheck checks the full gradient; truncation must be None "
                         f"(got {bptt_options['truncation']!r}). Compare truncated BPTT with "
                         "full BPTT on each window instead.")
    eps = check_positive_real("eps", eps)
    rtol = None if rtol is None else check_positive_real("rtol", rtol)
    atol = None if atol is None else check_positive_real("atol", atol, allow_zero=True)
    with np.errstate(all="ignore"):         # overflow is judged below (inconclusive), not warned twice
        res = bptt(params, xs, targets, h0=h0, **bptt_options)
    p = prepare(params, xs, targets, h0=h0, **bptt_options)
    rtol = DEFAULT_RTOL[p.params.dtype] if rtol is None else rtol
    p64 = _private_copy(_as_float64(p))
    f = lambda: _loss(p64)  # noqa: E731  (reads the arrays perturbed in place)
    analytic = dict(res.grads) | {"h0": res.dh0, "xs": res.dxs}
    arrays = dict(p64.params) | {"h0": p64.h0, "xs": p64.xs}
    bar = _bar(sum(a.size for a in arrays.values()), progress)
    w_norm = _lazy(lambda: float(np.linalg.norm(p64.params.W_hh, 2)))
    entries = {}
    try:
        with np.errstate(all="ignore"):
            for name in PARAM_NAMES + ("h0", "xs"):
                entries[name] = _check_one(name, f, arrays[name], np.asarray(analytic[name]), eps, rtol,
                                           atol, res.loss, w_norm, bar and bar.update)
    finally:
        if bar is not None:
            bar.close()
    return GradcheckReport(entries, eps)


def _check_one(name, f, x, a, eps, rtol, atol, loss, w_norm, tick) -> GradcheckEntry:
    """Differences of one array (at eps, and at STEP_RATIO·eps only if needed) and the verdict."""
    lost = lost_steps(x, eps)
    num = _central_diff(f, x, eps, tick).reshape(a.shape)   # engine layout (T, B, D) -> the caller's (T, D)
    floor = 4 * EPS_MACH64 * max(1.0, abs(loss)) / eps * np.sqrt(num.size) if np.isfinite(loss) else np.inf
    c = Comparison(name, eps, rtol, atol, float(floor), lost, bool(np.isfinite(loss)), w_norm)
    return judge(c, a, num, lambda: _central_diff(f, x, eps * STEP_RATIO).reshape(a.shape))


def _lazy(fn: Callable[[], float]) -> Callable[[], float]:
    cache: list[float] = []
    return lambda: cache[0] if cache else (cache.append(fn()) or cache[0])


def _bar(total: int, on: bool):
    if not on:
        return None
    from tqdm import tqdm
    return tqdm(total=total, desc="gradcheck", unit="entry", leave=False)


def _as_float64(p):
    """The prepared problem in float64 (the differences are always taken in float64)."""
    return prepare(p.params.astype(np.float64), p.xs, p.targets if p.loss == "cross_entropy"
                   else p.targets.astype(np.float64), h0=p.h0.astype(np.float64), activation=p.activation,
                   loss=p.loss, loss_at=p.loss_at,
                   loss_weights=None if p.weights is None else p.weights.astype(np.float64))


def _private_copy(p):
    """A Prepared problem whose arrays are private (perturbing them leaves the caller's alone)."""
    return type(p)(p.params.copy(), p.xs.copy(), p.targets.copy(), p.h0.copy(), p.activation, p.loss,
                   p.loss_at, None if p.weights is None else p.weights.copy(), p.batched)


def _loss(p) -> float:
    """L = Σ_t L_t of a prepared problem, forward only."""
    T, B, _ = p.xs.shape
    hs = np.empty((T + 1, B, p.params.hidden_size), p.params.dtype)
    hs[0] = p.h0
    run_states(p.params, p.xs, p.h0, hs[1:], p.activation)
    l1, l2 = p.loss_range(0, T)
    o = outputs(p.params, hs[l1:l2 + 1])
    w = None if p.weights is None else p.weights[l1 - 1:l2]
    return float(loss_and_grad_(p.loss, o, p.targets[l1 - 1:l2], w, p.loss_scale).sum())
