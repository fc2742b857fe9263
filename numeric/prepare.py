"""prepare(...): check every argument of bptt and bring it to the engine's layout (Prepared)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .params import Params
from .rules import LOSSES
from .validate import (check_activation, check_h0, check_loss, check_loss_at, check_loss_weights,
                       check_params, check_targets, check_xs)


@dataclass(frozen=True)
class Prepared:
    """Validated inputs in engine layout: xs (T, B, D), targets (T, B[, V]), h0 (B, H)."""

    params: Params
    xs: np.ndarray
    targets: np.ndarray
    h0: np.ndarray
    activation: str
    loss: str
    loss_at: str
    weights: np.ndarray | None
    batched: bool

    @property
    def T(self) -> int:
        return self.xs.shape[0]

    def loss_range(self, tau_prev: int, tau: int) -> tuple[int, int] | None:
        """1-based first and last loss-carrying steps in (tau_prev, tau], or None."""
        if self.loss_at == "last":
            return (tau, tau) if tau == self.T else None
        return tau_prev + 1, tau

    @property
    def loss_scale(self) -> float:
        """1, or for mse 1 / ((steps with a loss) x B x V)."""
        if not LOSSES[self.loss].scale_by_count:
            return 1.0
        steps = self.T if self.loss_at == "all" else 1
        return 1.0 / (steps * self.xs.shape[1] * self.params.output_size)

    def unbatch(self, a: np.ndarray, axis: int = 0) -> np.ndarray:
        """Drop the batch axis (at ``axis``) again when the caller's xs was unbatched."""
        return a if self.batched else np.take(a, 0, axis=axis)


def prepare(params, xs, targets, *, h0=None, activation="tanh", loss="cross_entropy",
            loss_at="all", loss_weights=None) -> Prepared:
    """Check every argument (clear ValueError/TypeError) and bring it to engine layout."""
    params = check_params(params)
    activation, loss, loss_at = check_activation(activation), check_loss(loss), check_loss_at(loss_at)
    xs3, batched = check_xs(xs, params)
    T, B, _ = xs3.shape
    h = check_h0(h0, params, B, batched)
    y = check_targets(targets, loss, T, B, params.output_size, batched, params.dtype)
    w = check_loss_weights(loss_weights, T, B, batched, params.dtype)
    return Prepared(params, xs3, y, h, activation, loss, loss_at, w, batched)


