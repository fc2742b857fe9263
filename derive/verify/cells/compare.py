"""Comparing two cell results (numeric.cells.bptt's layout) at round-off, and central differences.

Arrays of a result by name: ``loss``, ``grads.<param>``, ``dstate0.<state>``, ``dxs``,
``state_last.<state>`` (a route that does not compute one gives None: skipped).

``roundoff_error(a, b, mag)``: max over the arrays X of ‖a_X − b_X‖ / (‖E_X‖ + tiny), E_X the
rounding scale of ``cell_magnitudes`` (derive/verify/cells/rtrl.py: Σ |path terms| for a
gradient, the running error bound for the loss and the states), as numeric/routes/compare.py
does for the vanilla engine. Two correct routes differ by rounding only, at most ~n·ε E_X for
n the longest chain of operations; a wrong gradient scores ~1.

``fd_error(loss_of, arrays, grads)``: the norm-wise relative error of central differences.
"""

from __future__ import annotations

import math

import numpy as np

EPS64 = float(np.finfo(np.float64).eps)


def result_arrays(r) -> dict[str, np.ndarray]:
    """{name: float64 array} of a result with loss, grads, dstate0, dxs, state_last (None skipped)."""
    out = {"loss": np.array([float(r.loss)])}
    for field in ("grads", "dstate0", "state_last"):
        for k, v in (getattr(r, field) or {}).items():
            out[f"{field}.{k}"] = np.asarray(v, np.float64)
    if getattr(r, "dxs", None) is not None:
        out["dxs"] = np.asarray(r.dxs, np.float64)
    return out


def roundoff_error(a, b, mag, *, dtype=np.float64) -> tuple[float, str]:
    """(max over common arrays of ‖a_X − b_X‖ / (‖E_X‖ + tiny), the worst array's name).

    tiny: the smallest normal number of ``dtype`` (below it rounding is absolute). Raises
    ValueError when a scale overflowed; a shape mismatch or a non-finite difference scores inf.
    """
    A, B, M = result_arrays(a), result_arrays(b), result_arrays(mag)
    tiny = float(np.finfo(dtype).smallest_normal)
    worst, name = 0.0, ""
    for n in A.keys() & B.keys() & M.keys():
        bound = float(np.linalg.norm(M[n]))
        if not math.isfinite(bound):
            raise ValueError(f"the rounding scale of {n} overflowed ({bound}); the problem is too explosive.")
        if A[n].shape != B[n].shape:
            return math.inf, f"{n} (shapes {A[n].shape} and {B[n].shape})"
        diff = float(np.linalg.norm(A[n] - B[n]))
        err = math.inf if not math.isfinite(diff) else diff / (bound + tiny)
        if err > worst or not name:
            worst, name = err, n
    return worst, name


def central_differences(loss_of, arrays: dict[str, np.ndarray], eps: float) -> dict[str, np.ndarray]:
    """{name: ∂L/∂array} by (L(a + eps e_i) − L(a − eps e_i)) / 2 eps, perturbing in place."""
    out = {}
    for name, a in arrays.items():
        g, flat = np.empty(a.shape), a.reshape(-1)
        for i in range(flat.size):
            old = flat[i]
            flat[i] = old + eps
            fp = loss_of()
            flat[i] = old - eps
            fm = loss_of()
            flat[i] = old
            g.flat[i] = (fp - fm) / (2 * eps)
        out[name] = g
    return out


def fd_relative_error(numeric: dict, analytic: dict, loss_mag: float, eps: float, rtol: float) -> tuple[float, str]:
    """max over arrays of ‖n − a‖ / max(‖n‖ + ‖a‖, floor); floor = the differences' noise / rtol.

    Each quotient carries the rounding of two loss evaluations over 2 eps, ≤ ~4ε·max(1, |L|_mag)/eps
    per entry (|L|_mag the loss's rounding scale: it exceeds |L| when L is a cancellation), so
    an array of n entries has noise ≤ that·√n; gradients smaller than noise/rtol are judged
    against the floor, as numeric.gradcheck does.
    """
    worst, name = 0.0, ""
    for n, g in numeric.items():
        a = np.asarray(analytic[n], np.float64)
        floor = 4 * EPS64 * max(1.0, loss_mag) / eps * math.sqrt(g.size) / rtol
        den = max(float(np.linalg.norm(g) + np.linalg.norm(a)), floor)
        err = float(np.linalg.norm(g - a)) / den
        if not math.isfinite(err):
            err = math.inf
        if err > worst or not name:
            worst, name = err, n
    return worst, name
