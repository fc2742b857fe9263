"""Gradient clipping: element-wise (the classic char-RNN) and by global norm (Pascanu et al. 2013)."""

from __future__ import annotations

import numpy as np

from .params import Params
from .validate import check_params, check_positive_real


def clip_by_value(grads: Params, c: float) -> Params:
    """A new Params with every entry clipped to [-c, c] (c > 0).

    grads must look like parameters (``check_params``: one float dtype, consistent shapes) and
    be finite: clipping would turn inf into ±c and keep nan, hiding an overflow.
    """
    c = check_positive_real("c", c)
    return check_params(grads, "grads").map(lambda g: np.clip(g, -c, c))


def clip_by_global_norm(grads: Params, max_norm: float) -> tuple[Params, float]:
    """Rescale all gradients together so their global L2 norm is at most ``max_norm``.

    Returns (clipped grads, the global norm before clipping). When the norm is already
    <= max_norm the gradients are returned unchanged (copied). grads are checked as by
    ``clip_by_value``; finite entries whose norm overflows are refused too.
    """
    max_norm = check_positive_real("max_norm", max_norm)
    grads = check_params(grads, "grads")
    norm = grads.global_norm()
    if not np.isfinite(norm):
        raise ValueError(f"grads have a non-finite global norm ({norm}); cannot clip by norm.")
    factor = min(1.0, max_norm / norm) if norm > 0 else 1.0
    return grads.map(lambda g: g * g.dtype.type(factor)), norm
