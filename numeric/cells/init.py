"""init_params(cell, D, H, V, seed=...): PyTorch-like initial parameters for any cell engine."""

from __future__ import annotations

import numpy as np

from ..checks import check_float_dtype, check_positive_int
from .validate import resolve


def init_params(cell, D: int, H: int, V: int, *, seed: int = 0, dtype=np.float64) -> dict[str, np.ndarray]:
    """Every parameter of the cell drawn from uniform(−1/√H, 1/√H), as PyTorch initialises
    nn.RNN / nn.GRU / nn.LSTM (weights and biases alike) and nn.Linear(H, V) (1/√fan_in = 1/√H).

    Args:
      cell: a built-in name or a generated cell module (as numeric.cells.bptt).
      D, H, V: input, hidden and output sizes (integers >= 1).
      seed: for numpy.random.default_rng; the parameters are drawn in the cell's PARAMS order.
      dtype: float32 or float64.
    Returns:
      {name: array} with the shapes of the cell's PARAMS (letters H, D, V replaced by the sizes).
    """
    m = resolve(cell)
    sizes = {"D": check_positive_int("D", D), "H": check_positive_int("H", H), "V": check_positive_int("V", V)}
    dt = check_float_dtype("dtype", dtype)
    rng = np.random.default_rng(seed)
    k = 1.0 / np.sqrt(sizes["H"])
    return {n: rng.uniform(-k, k, size=tuple(sizes[d] for d in shape)).astype(dt)
            for n, shape in m.PARAMS.items()}


__all__ = ["init_params"]
