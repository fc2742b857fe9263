"""Hypothesis strategies for RNN problems, importable by users for their own tests.

In the manner of ``hypothesis.extra.numpy``: keyword-only bounds, small defaults that shrink
towards 1, eager validation. Values are finite by construction (bounded floats), never by
``assume``; the only filter rejects relu problems that come within ``relu_margin`` of the kink,
where finite differences straddle it.

    >>> from hypothesis import given
    >>> from numeric import bptt
    >>> from numeric.strategies import problems
    >>> @given(problems(losses=["half_sse"]))
    ... def test_loss_is_finite(problem):
    ...     assert np.isfinite(bptt(**problem.kwargs()).loss)
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Sequence

import numpy as np
from hypothesis import assume, strategies as st
from hypothesis.extra.numpy import arrays

from .params import Params
from .rules import ACTIVATIONS, LOSS_AT, LOSSES
from .truncation import Truncation

# Weight-scale regimes: standard deviation-like bound of the uniform weights.
REGIMES = {"small": 0.1, "moderate": 1.0, "saturating": 10.0}


@dataclass(frozen=True)
class Dims:
    """T (time), B (batch; None = unbatched), D (input), H (hidden), V (output)."""

    T: int
    B: int | None
    D: int
    H: int
    V: int


@dataclass(frozen=True)
class Problem:
    """One drawn RNN problem; ``kwargs()`` feeds ``numeric.bptt`` directly."""

    params: Params
    xs: np.ndarray
    targets: np.ndarray
    h0: np.ndarray | None
    activation: str
    loss: str
    loss_at: str
    loss_weights: np.ndarray | None
    truncation: Truncation | None
    dims: Dims

    def kwargs(self, *, truncation: bool = True) -> dict[str, Any]:
        """Keyword arguments of ``numeric.bptt`` (truncation left out when False)."""
        kw = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "dims"}
        if not truncation:
            kw.pop("truncation")
        return kw


def _check_bound(name: str, value: int, low: int = 1) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ValueError(f"Got {name}={value!r}, but it must be an integer >= {low}.")


def _check_names(name: str, values: Sequence[str] | None, known) -> list[str]:
    values = sorted(known) if values is None else list(values)
    unknown = [v for v in values if v not in known]
    if unknown or not values:
        raise ValueError(f"Got {name}={values!r}, but each must be one of {sorted(known)} (at least one).")
    return values


def dims(*, max_T: int = 6, max_B: int = 3, max_D: int = 3, max_H: int = 4, max_V: int = 3,
         min_T: int = 1, batched: bool | None = None) -> st.SearchStrategy[Dims]:
    """Sizes, shrinking towards 1. batched: True (B drawn), False (unbatched), None (either)."""
    for name, v in (("max_T", max_T), ("max_B", max_B), ("max_D", max_D), ("max_H", max_H),
                    ("max_V", max_V), ("min_T", min_T)):
        _check_bound(name, v)
    if min_T > max_T:
        raise ValueError(f"Got min_T={min_T}, but it must be <= max_T={max_T}.")
    b = {True: st.integers(1, max_B), False: st.none(),
         None: st.one_of(st.none(), st.integers(1, max_B))}[batched]
    return st.builds(Dims, st.integers(min_T, max_T), b, st.integers(1, max_D),
                     st.integers(1, max_H), st.integers(1, max_V))


def floats_array(shape: tuple[int, ...], scale: float, dtype=np.float64) -> st.SearchStrategy[np.ndarray]:
    """Arrays of finite floats in [-scale, scale]."""
    return arrays(dtype, shape, elements=st.floats(-scale, scale, allow_nan=False, width=64
                                                   if np.dtype(dtype) == np.float64 else 32))


@st.composite
def params(draw, d: Dims, *, scale: float = 1.0, dtype=np.float64,
           w_hh_norm: float | None = None) -> Params:
    """Params with entries uniform in [-scale, scale] (biases too).

    w_hh_norm: when given, W_hh is rescaled to this spectral norm (e.g. > 1 for an
    exploding regime, < 1 for a contracting one); an all-zero W_hh is left at zero.
    """
    if not scale > 0:
        raise ValueError(f"Got scale={scale!r}, but it must be > 0.")
    f = lambda *shape: draw(floats_array(shape, scale, dtype))  # noqa: E731
    W_hh = f(d.H, d.H)
    if w_hh_norm is not None:
        norm = np.linalg.norm(W_hh, 2)
        if norm > 0:
            W_hh = (W_hh * (w_hh_norm / norm)).astype(dtype)
    return Params(f(d.H, d.D), W_hh, f(d.H), f(d.V, d.H), f(d.V))


def truncations(T: int) -> st.SearchStrategy[Truncation]:
    """Truncation(k1, k2) with 1 <= k1 <= k2 <= T + 1 (k2 > T included: equals full BPTT)."""
    _check_bound("T", T)
    return st.integers(1, T + 1).flatmap(
        lambda k1: st.integers(k1, T + 1).map(lambda k2: Truncation(k1, k2)))


def _targets(draw, d: Dims, loss: str, lead: tuple[int, ...]) -> np.ndarray:
    if loss == "cross_entropy":
        return draw(arrays(np.int64, lead, elements=st.integers(0, d.V - 1)))
    return draw(floats_array(lead + (d.V,), 1.0))


@st.composite
def problems(draw, *, dims_strategy: st.SearchStrategy[Dims] | None = None,
             scale: float | st.SearchStrategy[float] | None = None,
             activations: Sequence[str] | None = None, losses: Sequence[str] | None = None,
             loss_at: Sequence[str] | None = None, truncation: bool = False,
             h0: bool | None = None, loss_weights: bool | None = False,
             w_hh_norm: float | None = None, relu_margin: float = 1e-3) -> Problem:
    """A whole problem: dims, params, xs, targets, h0, activation, loss, loss_at, ....

    scale: a float, a strategy, or None for one of REGIMES (small, moderate, saturating).
    truncation: draw a Truncation (else None). h0: True non-zero, False zero, None either.
    loss_weights: True draw (T,) or (T, B) weights in [0, 2], False None, None either.
    relu problems are rejected when some |a_t| < relu_margin (finite differences straddle the kink).
    """
    acts = _check_names("activations", activations, ACTIVATIONS)
    loss_names = _check_names("losses", losses, LOSSES)
    places = _check_names("loss_at", loss_at, LOSS_AT)
    d = draw(dims_strategy if dims_strategy is not None else dims())
    if scale is None:
        scale = draw(st.sampled_from(sorted(REGIMES.values())))
    elif isinstance(scale, st.SearchStrategy):
        scale = draw(scale)
    prm = draw(params(d, scale=scale, w_hh_norm=w_hh_norm))
    lead = (d.T,) if d.B is None else (d.T, d.B)
    xs = draw(floats_array(lead + (d.D,), 1.0))
    hb = (d.H,) if d.B is None else (d.B, d.H)
    want_h0 = draw(st.booleans()) if h0 is None else h0
    h0_arr = draw(floats_array(hb, 1.0)) if want_h0 else None
    loss = draw(st.sampled_from(loss_names))
    act = draw(st.sampled_from(acts))
    want_w = draw(st.booleans()) if loss_weights is None else loss_weights
    weights = None
    if want_w:
        wshape = draw(st.sampled_from([(d.T,)] if d.B is None else [(d.T,), (d.T, d.B)]))
        weights = draw(arrays(np.float64, wshape, elements=st.floats(0, 2)))
    trunc = draw(truncations(d.T)) if truncation else None
    problem = Problem(prm, xs, _targets(draw, d, loss, lead), h0_arr, act, loss,
                      draw(st.sampled_from(places)), weights, trunc, d)
    if act == "relu":
        assume(min_abs_preactivation(problem) > relu_margin)
    return problem


def min_abs_preactivation(problem: Problem) -> float:
    """min over t, b, i of |a_t| (the distance of the problem from relu's kink)."""
    p, xs = problem.params, problem.xs if problem.xs.ndim == 3 else problem.xs[:, None]
    B = xs.shape[1]
    h = np.zeros((B, p.hidden_size)) if problem.h0 is None else problem.h0.reshape(B, -1)
    m = np.inf
    for x in xs:
        a = x @ p.W_xh.T + h @ p.W_hh.T + p.b_h
        m = min(m, float(np.abs(a).min()))
        h = np.maximum(a, 0.0)
    return m
