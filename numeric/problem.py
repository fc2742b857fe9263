"""Dims and Problem: one RNN gradient problem as a value (drawn by numeric.strategies).

A Problem holds everything ``numeric.bptt`` takes, so a test can write
``bptt(**problem.kwargs())``; it can also split a batch into its sequences, change dtype,
and print itself as runnable Python (``to_code``), which is how ``bptt verify`` shows a
counterexample.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np

from .params import Params
from .rules import gamma
from .truncation import Truncation


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
    """One drawn RNN problem; ``kwargs()`` feeds ``numeric.bptt`` directly.

    params: Params; xs (T, D) / (T, B, D); targets class indices (T[, B]) or real (T[, B], V);
    h0 None / (H,) / (B, H); loss_weights None / (T,) / (T, B); truncation None or Truncation.
    """

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

    # ---- derived problems --------------------------------------------------------------------
    def replace(self, **changes: Any) -> "Problem":
        """A copy with some fields changed (dataclasses.replace)."""
        return replace(self, **changes)

    def sequence(self, b: int) -> "Problem":
        """Sequence b of a batched problem as an unbatched problem of its own.

        The sum of ``bptt`` over the sequences equals ``bptt`` of the batch, except that mse
        divides by B: its per-sequence result is B times its share.
        """
        if self.dims.B is None:
            raise ValueError("sequence(b) needs a batched problem (dims.B is None).")
        if not 0 <= b < self.dims.B:
            raise ValueError(f"Got b={b}, but it must be in [0, {self.dims.B - 1}].")
        w = self.loss_weights
        if w is not None and w.ndim == 2:
            w = w[:, b]
        return replace(self, xs=self.xs[:, b], targets=self.targets[:, b],
                       h0=None if self.h0 is None else self.h0[b], loss_weights=w,
                       dims=replace(self.dims, B=None))

    def astype(self, dtype) -> "Problem":
        """The same problem in another float dtype (params, xs, h0, real targets, weights)."""
        cast = lambda a: None if a is None else np.asarray(a).astype(dtype)  # noqa: E731
        targets = self.targets if self.loss == "cross_entropy" else cast(self.targets)
        return replace(self, params=self.params.astype(dtype), xs=cast(self.xs), targets=targets,
                       h0=cast(self.h0), loss_weights=cast(self.loss_weights))

    # ---- quantities of the Jacobian bound ----------------------------------------------------
    @property
    def gamma(self) -> float:
        """sup |f'| of the activation (1, or 1/4 for sigmoid)."""
        return gamma(self.activation)

    @property
    def rho(self) -> float:
        """γ‖W_hh‖₂, the factor of the Jacobian-product bound ‖∂h_t/∂h_k‖₂ <= ρ^(t−k)."""
        return self.gamma * float(np.linalg.norm(self.params.W_hh, 2))

    # ---- printing ----------------------------------------------------------------------------
    def to_code(self) -> str:
        """Python source that rebuilds this problem and calls numeric.bptt on it.

        Floats are printed with repr (17 significant digits), so the rebuilt problem is
        bit-for-bit the same.
        """
        def arr(a) -> str:
            if a is None:
                return "None"
            a = np.asarray(a)
            return f"np.array({a.tolist()!r}, dtype=np.{a.dtype.name})"

        p = self.params
        lines = ["import numpy as np", "from numeric import Params, Truncation, bptt", "",
                 "params = Params(" + ", ".join(f"{n}={arr(a)}" for n, a in p) + ")",
                 f"xs = {arr(self.xs)}", f"targets = {arr(self.targets)}", f"h0 = {arr(self.h0)}",
                 f"loss_weights = {arr(self.loss_weights)}",
                 "truncation = " + ("None" if self.truncation is None
                                    else f"Truncation({self.truncation.k1}, {self.truncation.k2})"),
                 f"result = bptt(params, xs, targets, h0=h0, activation={self.activation!r}, "
                 f"loss={self.loss!r}, loss_at={self.loss_at!r}, loss_weights=loss_weights, "
                 "truncation=truncation)"]
        return "\n".join(lines)

    def summary(self) -> str:
        """One line: sizes, activation, loss, loss_at, truncation, ρ."""
        d = self.dims
        b = "unbatched" if d.B is None else f"B={d.B}"
        return (f"T={d.T} {b} D={d.D} H={d.H} V={d.V} {self.activation}/{self.loss} "
                f"loss_at={self.loss_at} truncation={self.truncation} rho={self.rho:.3g} "
                f"dtype={self.params.dtype}")


def preactivation_margin(params: Params, xs: np.ndarray, h0: np.ndarray | None = None) -> float:
    """min over t, b, i of |a_t| under relu (the distance from the kink); xs (T, [B,] D), h0 None or (H,)/(B, H)."""
    x3 = xs if xs.ndim == 3 else xs[:, None]
    B = x3.shape[1]
    h = np.zeros((B, params.hidden_size)) if h0 is None else h0.reshape(B, -1)
    m = np.inf
    for x in x3:
        a = x @ params.W_xh.T + h @ params.W_hh.T + params.b_h
        m = min(m, float(np.abs(a).min()))
        h = np.maximum(a, 0.0)
    return m


def scaled_w_hh(W_hh: np.ndarray, norm: float) -> np.ndarray:
    """W_hh rescaled to spectral norm ``norm``: 0 gives zeros, and an all-zero W_hh with a
    positive norm (or one below 1e-150) becomes norm · I, so the norm asked for always holds."""
    if norm == 0:
        return np.zeros_like(W_hh)
    W = W_hh.astype(np.float64)
    current = float(np.linalg.norm(W, 2))
    if current < 1e-150:                # zero, or so tiny that rescaling it would overflow
        return (np.eye(W.shape[0]) * norm).astype(W_hh.dtype)
    return (W / current * norm).astype(W_hh.dtype)
