"""Params: the five weight arrays of a vanilla RNN (column-vector convention)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Callable, Iterator

import numpy as np

from .checks import check_float_dtype, check_init_args

# The parameter names, in every order the toolkit prints them (each written here only).
PARAM_NAMES = ("W_xh", "W_hh", "b_h", "W_hy", "b_y")                  # Params' fields, the engine's order
GRADIENT_NAMES = ("W_hh", "W_xh", "W_hy", "b_h", "b_y", "h0")        # derive's order: W_hh first, as the article
EXAMPLE_PARAMETERS = ("W_xh", "W_hh", "W_hy", "b_h", "b_y")          # the worked example's JSON: weights, biases
LAYER_PARAMS = PARAM_NAMES[:3]                                       # the recurrent layer: W_xh, W_hh, b_h
OUTPUT_PARAMS = PARAM_NAMES[3:]                                      # the output layer: W_hy, b_y
VECTOR_NAMES = ("b_h", "b_y", "h0")                                  # column vectors (the others are matrices)


@dataclass(frozen=True, eq=False)
class Params:
    """Weights of a_t = W_xh x_t + W_hh h_{t-1} + b_h, h_t = f(a_t), o_t = W_hy h_t + b_y.

    Shapes: W_xh (H, D), W_hh (H, H), b_h (H,), W_hy (V, H), b_y (V,).
    Iterating yields (name, array) pairs in the order W_xh, W_hh, b_h, W_hy, b_y.
    The dataclass is frozen (fields cannot be re-bound) but the arrays are ordinary
    NumPy arrays, so optimisers may update them in place.
    """

    W_xh: np.ndarray
    W_hh: np.ndarray
    b_h: np.ndarray
    W_hy: np.ndarray
    b_y: np.ndarray

    @classmethod
    def init(
        cls,
        input_size: int,
        hidden_size: int,
        output_size: int,
        *,
        scale: float = 0.01,
        seed: int | None = 0,
        dtype: type | np.dtype = np.float64,
    ) -> "Params":
        """Gaussian weights with standard deviation ``scale``, zero biases.

        Args:
          input_size, hidden_size, output_size: D, H, V (integers >= 1).
          scale: standard deviation of every weight entry (the article's weight_scale).
          seed: seed of a fresh ``np.random.default_rng``; the same seed gives the same weights.
          dtype: float32 or float64.
        """
        dtype = check_init_args(input_size, hidden_size, output_size, scale, dtype)
        rng = np.random.default_rng(seed)
        D, H, V = input_size, hidden_size, output_size

        def w(*shape: int) -> np.ndarray:
            return (rng.standard_normal(shape) * scale).astype(dtype)

        return cls(w(H, D), w(H, H), np.zeros(H, dtype), w(V, H), np.zeros(V, dtype))

    # ---- sizes --------------------------------------------------------------------------
    @property
    def input_size(self) -> int:
        return self.W_xh.shape[1]

    @property
    def hidden_size(self) -> int:
        return self.W_hh.shape[0]

    @property
    def output_size(self) -> int:
        return self.W_hy.shape[0]

    @property
    def dtype(self) -> np.dtype:
        return self.W_hh.dtype

    # ---- container protocol ---------------------------------------------------------------
    def __iter__(self) -> Iterator[tuple[str, np.ndarray]]:
        for f in fields(self):
            yield f.name, getattr(self, f.name)

    def __getitem__(self, name: str) -> np.ndarray:
        if name not in PARAM_NAMES:
            raise KeyError(f"{name!r} is not a parameter; choose one of {list(PARAM_NAMES)}")
        return getattr(self, name)

    def as_dict(self) -> dict[str, np.ndarray]:
        """A plain dict {name: array} (the arrays are shared, not copied)."""
        return dict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "Params":
        """Build from a mapping with exactly the keys W_xh, W_hh, b_h, W_hy, b_y."""
        missing = [n for n in PARAM_NAMES if n not in d]
        if missing:
            raise ValueError(f"params is missing {missing}; it needs the keys {list(PARAM_NAMES)}")
        extra = sorted(str(k) for k in d if k not in PARAM_NAMES)
        if extra:
            raise ValueError(f"params has unknown keys {extra}; it takes exactly the keys {list(PARAM_NAMES)}")
        return cls(*(np.asarray(d[n]) for n in PARAM_NAMES))

    def map(self, fn: Callable[[np.ndarray], np.ndarray]) -> "Params":
        """A new Params with ``fn`` applied to every array."""
        return Params(*(fn(a) for _, a in self))

    def copy(self) -> "Params":
        return self.map(np.copy)

    def astype(self, dtype) -> "Params":
        """A copy in ``dtype``, float32 or float64 (anything else is a TypeError)."""

        dtype = check_float_dtype("dtype", dtype)
        return self.map(lambda a: a.astype(dtype))

    def zeros_like(self) -> "Params":
        return self.map(np.zeros_like)

    def __add__(self, other: "Params") -> "Params":
        return Params(*(a + b for (_, a), (_, b) in zip(self, other)))

    def __sub__(self, other: "Params") -> "Params":
        return Params(*(a - b for (_, a), (_, b) in zip(self, other)))

    def __mul__(self, c: float) -> "Params":
        return self.map(lambda a: a * c)

    __rmul__ = __mul__

    def global_norm(self) -> float:
        """sqrt of the sum of squares of every entry of every array."""
        return float(np.sqrt(sum(float(np.vdot(a, a)) for _, a in self)))

    def __repr__(self) -> str:
        shapes = ", ".join(f"{n}{a.shape}" if isinstance(a, np.ndarray) else f"{n}={a!r}" for n, a in self)
        dtype = getattr(self.W_hh, "dtype", None)
        return f"Params({shapes}, dtype={dtype})"
