"""A plain, loop-based BPTT with knobs: the reference computation and its classic mistakes.

``run(case, spec, knobs)`` computes every quantity the user's function returns, named and laid
out as it names them (column: loss, W_xh, W_hh, b_h, W_hy, b_y, h0; row: dx, dh0, dWx, dWh,
db), with the problem of ``case`` (activation, loss, loss placement, truncation) and ``spec``
(biases, reduction). ``Knobs()`` is the correct computation — tests/test_check_mistakes.py
checks it against numeric.bptt and numeric.rnn_backward — and every other setting is one
mistake of numeric/check/mistakes/catalog.py. Row vectors inside (states (B, H)); the column
convention is the case B = 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ...params import PARAM_NAMES
from ...rules import ACTIVATIONS, LOSSES, NUMPY_NS as NS
from ...truncation import update_points
from ..magnitude import DDERIV, case_magnitudes
from ..problems import Case
from ..spec import CheckSpec


@dataclass(frozen=True)
class Knobs:
    """How the computation is done; the defaults are right."""

    activation: str | None = None   # the activation actually computed (None: the declared one)
    deriv: str = "from_h"           # "from_h" (right) | "none" | "at_h" (f'(h_t)) | an activation: its f'
    carry: bool = True              # δ_{t+1} carried back to step t
    transpose: bool = True          # the carry uses W_hhᵀ
    prev: str = "prev"              # the state in ∂L/∂W_hh: "prev" h_{t-1} | "current" h_t | "wrap" (h_T at t=1)
    loop: str = "full"              # "full" | "skip_first" (t = 1 never visited) | "skip_last" (t = T)
    overwrite: tuple[str, ...] = ()  # of W_xh, W_hh, b_h: assigned (=) in the loop instead of added
    use_h0: bool = True             # the forward pass starts from h0 (False: from 0)
    dh0_through: bool = True        # ∂L/∂h0 = W_hhᵀ ∂L/∂a_1 (False: ∂L/∂a_1)
    minus_one: bool = True          # softmax cross-entropy: ∂L/∂o = p − onehot(y) (False: p)
    loss_div: str = ""              # "" | "steps" (loss / steps with a loss) | "classes" (loss / V)
    grads_div_classes: bool = False  # every gradient / V as well (a mean over the classes)
    batch_mean: tuple[str, ...] = ()  # row: of W_xh, W_hh, b_h, reduced over the batch with a mean
    upstream: str = "declared"      # column: "all" (the backward ignores loss_at); row: "last" (dh[:, T] only)
    window_shift: int = 0           # truncation: every window starts this many steps earlier
    rescale: str = ""               # column: "mean" (all / steps with a loss) | "sum" (all x that)


def _deriv(k: Knobs, act: str, h: np.ndarray) -> Any:
    if k.deriv == "from_h":
        return ACTIVATIONS[act].deriv(NS, h)
    if k.deriv == "none":
        return 1.0
    if k.deriv == "at_h":
        return ACTIVATIONS[act].deriv(NS, ACTIVATIONS[act].value(NS, h))
    return ACTIVATIONS[k.deriv].deriv(NS, h)


def variant_magnitudes(case: Case, spec: CheckSpec, k: Knobs) -> dict[str, Any]:
    """The magnitude bounds ν (numeric/check/magnitude.py) of the computation ``run`` does with
    ``k``: its own forward activation and its own backward factor (``_deriv``), whose rounding
    noise can exceed the right computation's by far (tanh's 1 − h² on the growing states of
    identity or relu multiplies, step after step, the noise of a saturated softmax's p − 1)."""
    act = k.activation or case.activation
    rule = ACTIVATIONS[act]
    if k.deriv == "from_h":
        back = None                                      # the activation's own f' and DDERIV
    elif k.deriv == "none":
        back = np.ones_like, np.zeros_like
    elif k.deriv == "at_h":                              # f'(f(h)); |d/dh| = DDERIV(f(h)) |f'(f(h))|
        back = (lambda h: rule.deriv(NS, rule.value(NS, h)),
                lambda h: DDERIV[act](rule.value(NS, h)) * np.abs(rule.deriv(NS, rule.value(NS, h))))
    else:
        back = (lambda h: ACTIVATIONS[k.deriv].deriv(NS, h)), DDERIV[k.deriv]
    with np.errstate(all="ignore"):
        return case_magnitudes(case, spec.row, activation=act, backward=back)


def _upstream(case: Case, k: Knobs, p, hs: list[np.ndarray]) -> tuple[np.ndarray, dict[str, Any], list[int]]:
    """∂L_t/∂h_t from above (T, B, H); the output layer's gradients and the loss; loss steps."""
    T = case.T
    if case.dhs is not None:
        ups = case.dhs.copy()
        if k.upstream == "last":
            ups[:-1] = 0.0
        return ups, {}, list(range(T))
    rule = LOSSES[case.loss]
    steps = list(range(T)) if case.loss_at == "all" else [T - 1]
    back = list(range(T)) if k.upstream == "all" else steps
    V = p.W_hy.shape[0]
    scale = 1.0 / (len(steps) * V) if rule.scale_by_count else 1.0
    ups = np.zeros((T, 1, p.W_hh.shape[0]))
    out = {"loss": 0.0, "W_hy": np.zeros_like(p.W_hy), "b_y": np.zeros_like(p.b_y)}
    for t in back:
        h = hs[t + 1][0]
        o = p.W_hy @ h + p.b_y
        y = np.eye(V)[case.targets[t]] if not rule.real_targets else case.targets[t]
        if t in steps:
            out["loss"] += float(rule.value(NS, o, y)) * scale
        dy = (NS.softmax(o) if not k.minus_one and case.loss == "cross_entropy" else rule.grad(NS, o, y)) * scale
        out["W_hy"] += np.outer(dy, h)
        out["b_y"] += dy
        ups[t, 0] = p.W_hy.T @ dy
    return ups, out, steps


def run(case: Case, spec: CheckSpec, k: Knobs = Knobs()) -> dict[str, Any]:
    """Every quantity of the user's function for ``case``, computed with the knobs ``k``."""
    p, act = case.params, k.activation or case.activation
    x3 = case.xs if case.xs.ndim == 3 else case.xs[:, None]
    T, B, _ = x3.shape
    h0 = case.h0.reshape(B, -1)
    hs = [h0 if k.use_h0 else np.zeros_like(h0)]
    with np.errstate(all="ignore"):
        for t in range(T):
            hs.append(ACTIVATIONS[act].value(NS, x3[t] @ p.W_xh.T + hs[t] @ p.W_hh.T + p.b_h))
        ups, out, steps = _upstream(case, k, p, hs)
        g = {"W_xh": np.zeros_like(p.W_xh), "W_hh": np.zeros_like(p.W_hh), "b_h": np.zeros_like(p.b_h)}
        dx, dh0 = np.zeros_like(x3), np.zeros_like(h0)
        div = {n: (B if n in k.batch_mean else 1) for n in g}
        points = [(0, T, 1)] if case.dhs is not None else update_points(T, case.truncation)
        for tau_prev, tau, start in points:
            first = max(1, start - k.window_shift) - 1               # 0-based first step of the window
            lo = first + 1 if k.loop == "skip_first" else first
            hi = tau - 1 if k.loop == "skip_last" else tau
            nxt, da = np.zeros_like(h0), None
            for t in range(hi - 1, lo - 1, -1):
                own = ups[t] if (case.dhs is not None or tau_prev <= t) else 0.0
                da = ((nxt if k.carry else 0.0) + own) * _deriv(k, act, hs[t + 1])
                h_prev = hs[T] if (k.prev == "wrap" and t == 0) else hs[t + 1] if k.prev == "current" else hs[t]
                terms = {"W_xh": np.einsum("bi,bj->ij", da, x3[t]) / div["W_xh"],
                         "W_hh": np.einsum("bi,bj->ij", da, h_prev) / div["W_hh"],
                         "b_h": da.sum(axis=0) / div["b_h"]}
                for n, v in terms.items():
                    g[n] = v.copy() if n in k.overwrite else g[n] + v
                dx[t] += da @ p.W_xh
                nxt = da @ (p.W_hh if k.transpose else p.W_hh.T)
            if first == 0 and da is not None and lo == 0:
                dh0 += nxt if k.dh0_through else da
            elif first == 0 and da is not None:                      # t = 1 skipped: the carry so far
                dh0 += nxt
    return _named(case, spec, k, g, dx, dh0, out, steps)


def _named(case, spec, k, g, dx, dh0, out, steps) -> dict[str, Any]:
    if case.dhs is not None:
        res = {"dx": np.swapaxes(dx, 0, 1), "dh0": dh0, "dWx": g["W_xh"].T, "dWh": g["W_hh"].T, "db": g["b_h"]}
        if not spec.bias:
            del res["db"]
        return res
    V = case.params.W_hy.shape[0]
    n = len(steps) if spec.reduction == "mean" else 1
    res = {"loss": out["loss"] / n, **{q: v / n for q, v in g.items()}, "W_hy": out["W_hy"] / n,
           "b_y": out["b_y"] / n, "h0": dh0[0] / n}
    if k.loss_div == "steps":
        res["loss"] /= len(steps)
    elif k.loss_div == "classes":
        res["loss"] /= V
    if k.rescale:
        c = 1.0 / len(steps) if k.rescale == "mean" else float(len(steps))
        res = {q: v * c for q, v in res.items()}
    if k.grads_div_classes:
        res = {q: (v if q == "loss" else v / V) for q, v in res.items()}
    if not spec.bias:
        del res["b_h"], res["b_y"]
    return {q: res[q] for q in ("loss", *PARAM_NAMES, "h0") if q in res}
