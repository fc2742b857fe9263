"""Finite-difference gradient checking: numerical_gradient and gradcheck.

Central differences, (f(θ + ε e_i) − f(θ − ε e_i)) / 2ε, for every entry. In float64 with
ε = 1e-6 the truncation error is O(ε²) ≈ 1e-12 and the round-off error about
ε_mach·|L|/ε ≈ 2e-10·|L| per entry, so a correct gradient shows a norm-wise relative error
around 1e-9 — far below the article's bar of 1e-7, and a wrong one far above it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator

import numpy as np

from .bptt import bptt, prepare
from .forward import outputs, run_states
from .kernels import loss_and_grad_
from .params import PARAM_NAMES, Params
from .validate import as_params, check_positive_real

EPS_MACH64 = float(np.finfo(np.float64).eps)
DEFAULT_RTOL = {np.dtype(np.float64): 1e-7, np.dtype(np.float32): 1e-3}


def _central_diff(f: Callable[[], float], a: np.ndarray, eps: float) -> np.ndarray:
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
    return g


def numerical_gradient(f: Callable[[Params], float], params: Params, *, eps: float = 1e-6) -> Params:
    """Central-difference gradient of a scalar function of Params, entry by entry.

    ``f`` is called 2 × (number of entries) times on a private float64 copy of ``params``
    (Params or a dict of its five arrays; float32 params are copied to float64 too: perturbing
    by eps = 1e-6 in float32 would round the step itself away). Returns a float64 Params of
    the same shapes.
    """
    eps = check_positive_real("eps", eps)
    work = as_params(params).astype(np.float64)
    return Params(**{n: _central_diff(lambda: float(f(work)), a, eps) for n, a in work})


@dataclass(frozen=True)
class GradcheckEntry:
    """The check of one gradient: norm-wise relative error and its worst entry."""

    name: str
    rel_error: float
    abs_error: float
    worst_index: tuple[int, ...]
    analytic: float
    numeric: float
    rtol: float
    atol: float

    @property
    def passed(self) -> bool:
        return self.rel_error < self.rtol

    def __str__(self) -> str:
        status = "ok" if self.passed else "FAIL"
        text = f"{self.name:<5} rel {self.rel_error:.3e}  abs {self.abs_error:.3e}  [{status}]"
        if not self.passed:
            text += (f"\n  worst entry {self.name}{list(self.worst_index)}:"
                     f"\n    analytic {self.analytic:.17g}\n    numeric  {self.numeric:.17g}"
                     f"\n  tolerance rel < {self.rtol:g} (atol floor {self.atol:.3g})")
        return text


@dataclass(frozen=True)
class GradcheckReport:
    """Per-gradient entries (W_xh, W_hh, b_h, W_hy, b_y, h0, xs) and the overall verdict."""

    entries: dict[str, GradcheckEntry]
    eps: float

    @property
    def passed(self) -> bool:
        return all(e.passed for e in self.entries.values())

    @property
    def max_rel_error(self) -> float:
        return max(e.rel_error for e in self.entries.values())

    def __getitem__(self, name: str) -> GradcheckEntry:
        return self.entries[name]

    def __iter__(self) -> Iterator[GradcheckEntry]:
        return iter(self.entries.values())

    def __str__(self) -> str:
        head = f"gradcheck (central differences, eps={self.eps:g}): {'PASS' if self.passed else 'FAIL'}"
        return "\n".join([head] + [str(e) for e in self])


def _entry(name: str, a: np.ndarray, n: np.ndarray, rtol: float, atol: float) -> GradcheckEntry:
    a = np.asarray(a, np.float64)
    diff = np.abs(a - n)
    worst = np.unravel_index(int(np.argmax(diff)), diff.shape) if diff.size else ()
    abs_err = float(np.linalg.norm(a - n))
    scale = max(float(np.linalg.norm(a) + np.linalg.norm(n)), atol)
    rel = abs_err / scale if scale > 0 else 0.0     # both exactly zero (atol = 0): they agree
    return GradcheckEntry(name, rel, abs_err, tuple(int(i) for i in worst),
                          float(a[worst]), float(n[worst]), rtol, atol)


def gradcheck(params, xs, targets, *, eps: float = 1e-6, rtol: float | None = None,
              atol: float | None = None, h0=None, **bptt_options) -> GradcheckReport:
    """Compare ``numeric.bptt`` with central differences for every parameter, h0 and xs.

    Error per gradient: ‖a − n‖ / max(‖a‖ + ‖n‖, atol), reported with its worst entry.
    Defaults: rtol 1e-7 in float64 (the article's bar), 1e-3 in float32 (the float32
    gradient is compared with float64 differences of the same problem; float32 BPTT keeps
    only ~1e-6 relative accuracy per operation, which T steps compound). atol, the floor of
    the denominator, defaults to the differences' own noise floor divided by rtol,
    4·ε_mach·max(1, |L|)/eps·√n / rtol: below it a gradient is judged by its absolute error.

    Truncated gradients are not gradients of L, so ``truncation`` is refused here. Problems
    with a relu pre-activation within eps of 0 straddle the kink and are the caller's to avoid.
    """
    if bptt_options.get("truncation") is not None:
        raise ValueError("gradcheck checks the full gradient; truncation must be None "
                         f"(got {bptt_options['truncation']!r}). Compare truncated BPTT with "
                         "full BPTT on each window instead.")
    eps = check_positive_real("eps", eps)
    rtol = None if rtol is None else check_positive_real("rtol", rtol)
    atol = None if atol is None else check_positive_real("atol", atol, allow_zero=True)
    res = bptt(params, xs, targets, h0=h0, **bptt_options)
    p = prepare(params, xs, targets, h0=h0, **bptt_options)
    rtol = DEFAULT_RTOL[p.params.dtype] if rtol is None else rtol
    p64 = prepare(p.params.astype(np.float64), p.xs, p.targets if p.loss == "cross_entropy"
                  else p.targets.astype(np.float64), h0=p.h0.astype(np.float64), activation=p.activation,
                  loss=p.loss, loss_at=p.loss_at,
                  loss_weights=None if p.weights is None else p.weights.astype(np.float64))
    p64 = _private_copy(p64)
    f = lambda: _loss(p64)  # noqa: E731  (reads the arrays perturbed in place)
    analytic = dict(res.grads) | {"h0": res.dh0, "xs": res.dxs}
    targets_arrays = dict(p64.params) | {"h0": p64.h0, "xs": p64.xs}
    entries = {}
    for name in PARAM_NAMES + ("h0", "xs"):
        num = _central_diff(f, targets_arrays[name], eps)
        a = np.asarray(analytic[name])
        num = num.reshape(a.shape)          # engine layout (T, B, D) -> the caller's (T, D)
        floor = 4 * EPS_MACH64 * max(1.0, abs(res.loss)) / eps * np.sqrt(num.size) / rtol
        entries[name] = _entry(name, a, num, rtol, floor if atol is None else atol)
    return GradcheckReport(entries, eps)


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
