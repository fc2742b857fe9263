"""The basic argument checks: names from the rules table, positive numbers, float dtypes.

They need nothing but the rules table, so that ``Params`` (numeric/params.py) can check its own
arguments and ``numeric.validate`` (arrays, Params) can build on both without an import circle.
Every check raises ValueError or TypeError naming the argument and the accepted values.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .rules import ACTIVATIONS, LOSS_AT, LOSSES

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def check_choice(name: str, value: Any, choices) -> str:
    """value must be one of the (string) choices."""
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name}={value!r} is not known; choose one of {', '.join(sorted(choices))}.")
    return value


def check_activation(activation: Any) -> str:
    return check_choice("activation", activation, ACTIVATIONS)


def check_loss(loss: Any) -> str:
    return check_choice("loss", loss, LOSSES)


def check_loss_at(loss_at: Any) -> str:
    return check_choice("loss_at", loss_at, LOSS_AT)


def check_positive_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer >= 1; got {type(value).__name__} {value!r}.")
    if value < 1:
        raise ValueError(f"{name} must be an integer >= 1; got {value}.")
    return int(value)


def check_float_dtype(name: str, dtype: Any) -> np.dtype:
    """float32 or float64 (any spelling NumPy understands) -> np.dtype; anything else, unknown
    names and None included (np.dtype(None) would be float64), is a TypeError."""
    try:
        dt = None if dtype is None else np.dtype(dtype)
    except (TypeError, ValueError):
        dt = None
    if dt is None or dt not in FLOAT_DTYPES:            # never `None in FLOAT_DTYPES`: that is True
        raise TypeError(f"{name} must be float32 or float64; got {dtype!r}.")
    return dt


def check_init_args(D: Any, H: Any, V: Any, scale: Any, dtype: Any) -> np.dtype:
    for name, v in (("input_size", D), ("hidden_size", H), ("output_size", V)):
        check_positive_int(name, v)
    if not isinstance(scale, (int, float, np.floating)) or not np.isfinite(scale) or scale < 0:
        raise ValueError(f"scale must be a finite number >= 0; got {scale!r}.")
    return check_float_dtype("dtype", dtype)


def check_positive_real(name: str, value: Any, *, allow_zero: bool = False) -> float:
    """A finite real number > 0 (>= 0 with allow_zero) -> float; bools and strings refused."""
    accepted = "a finite number " + (">= 0" if allow_zero else "> 0")
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be {accepted}; got {type(value).__name__} {value!r}.")
    v = float(value)
    if not np.isfinite(v) or v < 0 or (v == 0 and not allow_zero):
        raise ValueError(f"{name} must be {accepted}; got {v!r}.")
    return v
