"""Every user-facing input check of numeric/: name the argument, what was got, what is accepted.

Wrong types raise TypeError, wrong values ValueError; each message can be acted on without
reading the code. The checks return normalised arrays: sequences as (T, B, ...) with a
``batched`` flag so results can be returned in the caller's layout.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .checks import (FLOAT_DTYPES, check_activation, check_choice, check_float_dtype, check_init_args,  # noqa: F401
                     check_loss, check_loss_at, check_positive_int, check_positive_real)
from .params import PARAM_NAMES, Params
from .rules import LOSSES
from .truncation import Truncation


def check_finite(name: str, a: np.ndarray) -> None:
    if not np.all(np.isfinite(a)):
        bad = np.argwhere(~np.isfinite(a))[0]
        where = tuple(int(i) for i in bad)
        raise ValueError(f"{name} must be finite; got {a[where] if a.ndim else a} at index {where}.")


def as_params(value: Any, name: str = "params") -> Params:
    """Params as given, or built from a dict with exactly its five keys; anything else is a TypeError."""
    if isinstance(value, dict):
        value = Params.from_dict(value)
    if not isinstance(value, Params):
        raise TypeError(f"{name} must be numeric.Params or a dict of its five arrays; got {type(value).__name__}.")
    return value


def check_params(params: Any, name: str = "params") -> Params:
    """Params (or a dict with its five keys) of one float dtype, consistent shapes, finite.

    ``name`` is the argument named in the messages (``grads`` for the clipping functions).
    """
    params = as_params(params, name)
    arrays = dict(params)
    for key, a in arrays.items():
        if not isinstance(a, np.ndarray):
            raise TypeError(f"{name}.{key} must be a NumPy array; got {type(a).__name__}.")
    dts = {a.dtype for a in arrays.values()}
    if len(dts) != 1 or next(iter(dts)) not in FLOAT_DTYPES:
        got = {n: str(a.dtype) for n, a in arrays.items()}
        raise TypeError(f"{name} must all be float32 or all float64; got dtypes {got}.")
    W_xh, W_hh, W_hy = params.W_xh, params.W_hh, params.W_hy
    if W_hh.ndim != 2 or W_hh.shape[0] != W_hh.shape[1]:
        raise ValueError(f"{name}.W_hh must be square (H, H); got {W_hh.shape}.")
    H = W_hh.shape[0]
    expect = {"W_xh": ("(H, D)", W_xh.ndim == 2 and W_xh.shape[0] == H),
              "b_h": (f"({H},)", params.b_h.shape == (H,)),
              "W_hy": ("(V, H)", W_hy.ndim == 2 and W_hy.shape[1] == H)}
    for key, (shape, ok) in expect.items():
        if not ok:
            raise ValueError(f"{name}.{key} must have shape {shape} with H = {H} (from W_hh); "
                             f"got {arrays[key].shape}.")
    V = W_hy.shape[0]
    if params.b_y.shape != (V,):
        raise ValueError(f"{name}.b_y must have shape ({V},) (V from W_hy {W_hy.shape}); got {params.b_y.shape}.")
    if min(W_xh.shape + W_hy.shape) < 1:
        raise ValueError(f"{name} sizes D, H, V must be >= 1; got W_xh {W_xh.shape}, W_hy {W_hy.shape}.")
    for key, a in arrays.items():
        check_finite(f"{name}.{key}", a)
    return params


def as_array(name: str, value: Any) -> np.ndarray:
    """np.asarray(value), with ragged nested lists refused by name (not NumPy's 'setting an
    array element with a sequence')."""
    try:
        return np.asarray(value)
    except (ValueError, TypeError):
        raise ValueError(f"{name} must be a rectangular array (every row the same length); got a ragged "
                         f"{type(value).__name__} that NumPy cannot make into one.") from None


def check_real_array(name: str, value: Any, dtype: np.dtype) -> np.ndarray:
    """value as an array of ``dtype``; ragged input, non-real dtypes and values that overflow
    the cast (1e300 into float32) are refused with the argument's name."""
    a = as_array(name, value)
    if a.dtype == object or not (np.issubdtype(a.dtype, np.floating) or np.issubdtype(a.dtype, np.integer)):
        raise TypeError(f"{name} must be an array of real numbers; got dtype {a.dtype}.")
    if a.dtype == dtype:
        return a
    with np.errstate(over="ignore", invalid="ignore"):
        cast = a.astype(dtype)
    if np.issubdtype(a.dtype, np.floating) and a.dtype.itemsize > dtype.itemsize:
        over = np.isinf(cast) & np.isfinite(a)
        if over.any():
            raise ValueError(f"{name} holds {float(a[over].flat[0])!r}, too large for {dtype} (the params' "
                             f"dtype; largest {np.finfo(dtype).max:.4g}); use float64 params.")
    return cast


def check_square_matrices(name: str, value: Any, *, stacked: bool) -> np.ndarray:
    """A finite real (H, H) matrix, or a stack (T, H, H) of them when ``stacked``; H >= 1.
    float32 stays float32, other real dtypes become float64."""
    dt = getattr(value, "dtype", None)
    a = check_real_array(name, value, dt if dt is not None and dt in FLOAT_DTYPES else np.dtype(np.float64))
    ndim, shape = (3, "(T, H, H)") if stacked else (2, "(H, H)")
    if a.ndim != ndim or a.shape[-1] != a.shape[-2] or a.shape[-1] < 1:
        raise ValueError(f"{name} must have shape {shape} (square, H >= 1); got {a.shape}.")
    check_finite(name, a)
    return a


def check_xs(xs: Any, params: Params) -> tuple[np.ndarray, bool]:
    """xs (T, D) or (T, B, D) -> ((T, B, D) array in params' dtype, batched flag)."""
    return check_sequence(xs, params.input_size, params.dtype, f"W_xh {params.W_xh.shape}")


def check_sequence(xs: Any, D: int, dtype: Any, source: str) -> tuple[np.ndarray, bool]:
    """xs (T, D) or (T, B, D), D read off ``source`` (named in the error) -> ((T, B, D) view in
    ``dtype``, batched flag); the one input-sequence check of numeric.bptt and numeric.cells."""
    a = check_real_array("xs", xs, dtype)
    if a.ndim not in (2, 3) or a.shape[-1] != D:
        raise ValueError(f"xs must have shape (T, D) or (T, B, D) with D = {D} (from {source}); got {a.shape}.")
    if a.shape[0] < 1:
        raise ValueError(f"xs must hold at least one time step (T >= 1); got T = 0, shape {a.shape}.")
    if a.ndim == 3 and a.shape[1] < 1:
        raise ValueError(f"xs batch size B must be >= 1; got shape {a.shape}.")
    check_finite("xs", a)
    batched = a.ndim == 3
    return (a if batched else a[:, None, :]), batched


def check_h0(h0: Any, params: Params, B: int, batched: bool) -> np.ndarray:
    """h0 None, (H,) or (B, H) -> (B, H) array (zeros when None)."""
    H = params.hidden_size
    if h0 is None:
        return np.zeros((B, H), params.dtype)
    a = check_real_array("h0", h0, params.dtype)
    want = (B, H) if batched else (H,)
    if a.shape != want:
        raise ValueError(f"h0 must have shape {want} (H = {H}" + (f", B = {B}" if batched else "")
                         + f"); got {a.shape}.")
    check_finite("h0", a)
    return a.reshape(B, H)


def check_targets(targets: Any, loss: str, T: int, B: int, V: int, batched: bool, dtype) -> np.ndarray:
    """Class indices (T,[B]) for cross_entropy, real (T,[B,]V) otherwise -> (T, B[, V])."""
    a = as_array("targets", targets)
    lead = (T, B) if batched else (T,)
    if not LOSSES[loss].real_targets:
        if a.dtype == object or not np.issubdtype(a.dtype, np.integer):
            raise TypeError(f"targets for loss='cross_entropy' must be integer class indices; got dtype {a.dtype}.")
        if a.shape != lead:
            raise ValueError(f"targets for loss='cross_entropy' must have shape {lead} (one class index per "
                             f"step{' and sequence' if batched else ''}); got {a.shape}.")
        if a.size and (a.min() < 0 or a.max() >= V):
            bad = a[(a < 0) | (a >= V)].flat[0]
            raise ValueError(f"targets must be class indices in [0, {V - 1}] (V = {V}); got {bad}.")
        return a.reshape(T, B).astype(np.intp, copy=False)
    a = check_real_array(f"targets for loss={loss!r}", a, dtype)
    if a.shape != lead + (V,):
        raise ValueError(f"targets for loss={loss!r} must have shape {lead + (V,)} (real values, V = {V}); "
                         f"got {a.shape}.")
    check_finite("targets", a)
    return a.reshape(T, B, V)


def check_loss_weights(w: Any, T: int, B: int, batched: bool, dtype) -> np.ndarray | None:
    """None, (T,) or (T, B) non-negative finite weights -> (T, B) or None."""
    if w is None:
        return None
    a = check_real_array("loss_weights", w, dtype)
    shapes = [(T,), (T, B)] if batched else [(T,)]
    if a.shape not in shapes:
        raise ValueError(f"loss_weights must have shape {' or '.join(map(str, shapes))}; got {a.shape}.")
    check_finite("loss_weights", a)
    if np.any(a < 0):
        raise ValueError(f"loss_weights must be >= 0; got {a.min()}.")
    return np.broadcast_to(a.reshape(T, -1), (T, B))


def check_truncation(truncation: Any) -> Truncation | None:
    if truncation is None:
        return None
    return Truncation.parse(truncation)


__all__ = [n for n in dir() if n.startswith("check_")] + ["PARAM_NAMES", "as_array", "as_params"]
