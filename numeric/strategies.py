"""Hypothesis strategies for RNN problems, importable by users for their own tests.

In the manner of ``hypothesis.extra.numpy``: keyword-only bounds, small defaults that shrink
towards 1, eager validation ("Got max_T=0, but ..."). Values are finite by construction
(bounded floats), never by ``assume``; the only filter rejects relu problems that come within
``relu_margin`` of the kink, where finite differences straddle it. docs/strategies.md has
the full reference.

    >>> from hypothesis import given
    >>> from numeric import bptt
    >>> from numeric.strategies import problems
    >>> @given(problems(losses=["half_sse"], regime=["saturating", "exploding"]))
    ... def test_loss_is_finite(problem):
    ...     assert np.isfinite(bptt(**problem.kwargs()).loss)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
from hypothesis import assume, strategies as st
from hypothesis.extra.numpy import arrays

from .params import Params
from .problem import Dims, Problem, preactivation_margin, scaled_w_hh
from .rules import ACTIVATIONS, LOSS_AT, LOSSES, gamma
from .truncation import Truncation
from .validate import check_float_dtype

# Weight-scale regimes by name: the bound of the uniform weight entries (kept for old callers;
# WEIGHT_REGIMES below is the full table).
REGIMES = {"small": 0.1, "moderate": 1.0, "saturating": 10.0}


@dataclass(frozen=True)
class Regime:
    """How large the weights are: entries uniform in [-scale, scale]; when ``rho`` is set,
    W_hh is then rescaled so that ρ = γ‖W_hh‖₂ equals it (γ = sup|f'| of the activation)."""

    name: str
    scale: float
    rho: float | None = None


WEIGHT_REGIMES: Mapping[str, Regime] = {r.name: r for r in (
    Regime("small", 0.1),                    # near-linear: |a| small, f' near its maximum
    Regime("moderate", 1.0),
    Regime("saturating", 10.0),              # |a| large: tanh/sigmoid saturate, f' ~ 0
    Regime("contracting", 1.0, rho=0.5),     # ρ < 1: ‖∂h_t/∂h_k‖ <= 0.5^(t-k), gradients vanish
    Regime("exploding", 1.0, rho=2.0),       # ρ > 1: the bound 2^(t-k) grows; identity/relu explode
)}


def _check_bound(name: str, value, low: int = 1) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ValueError(f"Got {name}={value!r}, but it must be an integer >= {low}.")


def _check_positive(name: str, value, *, allow_zero: bool = False) -> None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and np.isfinite(value)
    if not ok or value < 0 or (value == 0 and not allow_zero):
        raise ValueError(f"Got {name}={value!r}, but it must be a finite number "
                         f"{'>= 0' if allow_zero else '> 0'}.")


def _check_names(name: str, values: Sequence[str] | str | None, known) -> list[str]:
    values = sorted(known) if values is None else [values] if isinstance(values, str) else list(values)
    unknown = [v for v in values if v not in known]
    if unknown or not values:
        raise ValueError(f"Got {name}={values!r}, but each must be one of {sorted(known)} (at least one).")
    return values


def _check_dtype(dtype) -> np.dtype:
    return check_float_dtype("dtype", dtype)


# ---- building blocks ------------------------------------------------------------------------
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
    """Arrays of finite floats in [-scale, scale] (float32: drawn in float64, then rounded)."""
    base = arrays(np.float64, shape, elements=st.floats(-scale, scale, allow_nan=False))
    return base if np.dtype(dtype) == np.float64 else base.map(lambda a: a.astype(dtype))


def _nonzero_array(shape: tuple[int, ...], scale: float, dtype=np.float64) -> st.SearchStrategy[np.ndarray]:
    """Arrays whose every entry has magnitude in [scale / 10, scale] (a non-zero h0: shrinking
    cannot reach the zero vector, which would leave the h0 terms of the recursion untested)."""
    elements = st.one_of(st.floats(-scale, -scale / 10), st.floats(scale / 10, scale))
    base = arrays(np.float64, shape, elements=elements)
    return base if np.dtype(dtype) == np.float64 else base.map(lambda a: a.astype(dtype))


@st.composite
def params(draw, d: Dims, *, scale: float = 1.0, dtype=np.float64,
           w_hh_norm: float | None = None) -> Params:
    """Params with entries uniform in [-scale, scale] (biases too).

    w_hh_norm: when given, W_hh is rescaled to this spectral norm (e.g. > 1 for an exploding
    regime, < 1 for a contracting one, 0 for W_hh = 0); an all-zero draw with a positive
    norm becomes norm · I, so the requested norm always holds.
    """
    if not scale > 0:
        raise ValueError(f"Got scale={scale!r}, but it must be > 0.")
    f = lambda *shape: draw(floats_array(shape, scale, dtype))  # noqa: E731
    W_hh = f(d.H, d.H)
    if w_hh_norm is not None:
        W_hh = scaled_w_hh(W_hh, w_hh_norm)
    return Params(f(d.H, d.D), W_hh, f(d.H), f(d.V, d.H), f(d.V))


def truncations(T: int, *, dropping: bool = False) -> st.SearchStrategy[Truncation]:
    """Truncation(k1, k2) with 1 <= k1 <= k2 <= T + 1 (k2 > T included: equals full BPTT).

    dropping: only truncations that drop terms somewhere, k2 < T (needs T >= 2).
    """
    _check_bound("T", T)
    if dropping and T < 2:
        raise ValueError(f"Got T={T} with dropping=True, but a truncation drops terms only when T >= 2.")
    top = T - 1 if dropping else T + 1
    return st.integers(1, top).flatmap(lambda k1: st.integers(k1, top).map(lambda k2: Truncation(k1, k2)))


def activations(names: Sequence[str] | None = None) -> st.SearchStrategy[str]:
    """Activation names from the rules table (default: all), shrinking to the first sorted."""
    return st.sampled_from(_check_names("activations", names, ACTIVATIONS))


def losses(names: Sequence[str] | None = None) -> st.SearchStrategy[str]:
    """Loss names from the rules table (default: all)."""
    return st.sampled_from(_check_names("losses", names, LOSSES))


def loss_ats(names: Sequence[str] | None = None) -> st.SearchStrategy[str]:
    """'all' and/or 'last'."""
    return st.sampled_from(_check_names("loss_at", names, LOSS_AT))


def regimes(names: Sequence[str] | str | None = None) -> st.SearchStrategy[Regime]:
    """Weight regimes from WEIGHT_REGIMES (default: all five)."""
    return st.sampled_from([WEIGHT_REGIMES[n] for n in _check_names("regime", names, WEIGHT_REGIMES)])


# ---- whole problems -------------------------------------------------------------------------
def problems(*, dims_strategy: st.SearchStrategy[Dims] | None = None,
             scale: float | st.SearchStrategy[float] | None = None,
             activations: Sequence[str] | None = None, losses: Sequence[str] | None = None,
             loss_at: Sequence[str] | None = None, truncation: bool = False,
             h0: bool | None = None, loss_weights: bool | None = False,
             w_hh_norm: float | None = None, relu_margin: float = 1e-3,
             regime: Sequence[str] | str | None = None, rho: float | st.SearchStrategy[float] | None = None,
             dtype=np.float64, input_scale: float = 1.0) -> st.SearchStrategy[Problem]:
    """A whole problem: dims, params, xs, targets, h0, activation, loss, loss_at, ...

    scale: a float, a strategy, or None for one of REGIMES (small, moderate, saturating).
    regime: instead of scale, a name or names from WEIGHT_REGIMES (incl. "contracting" and
      "exploding", which also fix ρ = γ‖W_hh‖₂).
    rho: a float or strategy; W_hh is rescaled so that γ‖W_hh‖₂ = rho exactly.
    w_hh_norm: W_hh rescaled to this spectral norm (0 gives W_hh = 0).
    truncation: draw a Truncation (else None). h0: True non-zero (every entry
      of magnitude 0.1 to 1), False zero, None either.
    loss_weights: True draw (T,) or (T, B) weights in [0, 2], False None, None either.
    dtype: float64 or float32 (every float array). input_scale: xs entries in [-s, s].
    relu problems are rejected when some |a_t| < relu_margin (finite differences straddle the kink).
    """
    acts = _check_names("activations", activations, ACTIVATIONS)
    loss_names = _check_names("losses", losses, LOSSES)
    places = _check_names("loss_at", loss_at, LOSS_AT)
    regime_names = None if regime is None else _check_names("regime", regime, WEIGHT_REGIMES)
    for a, b in (("regime", "scale"), ("regime", "rho"), ("regime", "w_hh_norm"), ("rho", "w_hh_norm")):
        va, vb = locals()[a], locals()[b]
        if va is not None and vb is not None:
            raise ValueError(f"Got {a}={va!r} and {b}={vb!r}, but both set the weights' size; give one.")
    if isinstance(scale, (int, float)):
        _check_positive("scale", scale)
    if isinstance(rho, (int, float)):
        _check_positive("rho", rho, allow_zero=True)
    if w_hh_norm is not None:
        _check_positive("w_hh_norm", w_hh_norm, allow_zero=True)
    _check_positive("input_scale", input_scale)
    _check_positive("relu_margin", relu_margin, allow_zero=True)
    d = dims() if dims_strategy is None else dims_strategy
    return _problems(d, scale, acts, loss_names, places, truncation, h0, loss_weights, w_hh_norm,
                     relu_margin, regime_names, rho, _check_dtype(dtype), input_scale)


def symbolic_problems(*, max_T: int = 4, max_size: int = 2, min_T: int = 1, batched: bool | None = None,
                      **kwargs) -> st.SearchStrategy[Problem]:
    """Problems small enough for the SymPy route: T <= max_T, B, D, H, V <= max_size.

    Every other keyword goes to ``problems`` (not ``dims_strategy``: the dims are these).
    """
    if "dims_strategy" in kwargs:
        raise ValueError("Got dims_strategy, but symbolic_problems sets the dims itself; "
                         "use problems(dims_strategy=...) instead.")
    d = dims(max_T=max_T, min_T=min_T, max_B=max_size, max_D=max_size, max_H=max_size,
             max_V=max_size, batched=batched)
    return problems(dims_strategy=d, **kwargs)


@st.composite
def _problems(draw, dims_strategy, scale, acts, loss_names, places, truncation, h0, loss_weights,
              w_hh_norm, relu_margin, regime_names, rho, dtype, input_scale) -> Problem:
    d = draw(dims_strategy)
    if regime_names is not None:
        reg = draw(regimes(regime_names))
        scale, rho = reg.scale, reg.rho
    if scale is None:
        scale = draw(st.sampled_from(sorted(REGIMES.values())))
    elif isinstance(scale, st.SearchStrategy):
        scale = draw(scale)
    prm = draw(params(d, scale=scale, w_hh_norm=w_hh_norm, dtype=dtype))
    lead = (d.T,) if d.B is None else (d.T, d.B)
    xs = draw(floats_array(lead + (d.D,), input_scale, dtype))
    hb = (d.H,) if d.B is None else (d.B, d.H)
    want_h0 = draw(st.booleans()) if h0 is None else h0
    h0_arr = draw(_nonzero_array(hb, 1.0, dtype)) if want_h0 else None
    loss = draw(st.sampled_from(loss_names))
    act = draw(st.sampled_from(acts))
    want_w = draw(st.booleans()) if loss_weights is None else loss_weights
    weights = None
    if want_w:
        wshape = draw(st.sampled_from([(d.T,)] if d.B is None else [(d.T,), (d.T, d.B)]))
        weights = draw(arrays(np.float64, wshape, elements=st.floats(0, 2))).astype(dtype)
    trunc = draw(truncations(d.T)) if truncation else None
    if isinstance(rho, st.SearchStrategy):
        rho = draw(rho)
    if rho is not None:
        prm = Params(prm.W_xh, scaled_w_hh(prm.W_hh, rho / gamma(act)), prm.b_h, prm.W_hy, prm.b_y)
    if loss == "cross_entropy":
        targets = draw(arrays(np.int64, lead, elements=st.integers(0, d.V - 1)))
    else:
        targets = draw(floats_array(lead + (d.V,), 1.0, dtype))
    problem = Problem(prm, xs, targets, h0_arr, act, loss, draw(st.sampled_from(places)), weights,
                      trunc, d)
    if act == "relu":
        assume(preactivation_margin(problem.params, problem.xs, problem.h0) > relu_margin)
    return problem


__all__ = ["REGIMES", "WEIGHT_REGIMES", "Dims", "Problem", "Regime", "activations", "dims",
           "floats_array", "loss_ats", "losses", "preactivation_margin", "params", "problems",
           "regimes", "symbolic_problems", "truncations"]
