"""CellCase: one problem for the cell checker, drawn from a seeded generator.

Weights uniform in [-s, s] at the checker's weight scales (numeric/check/spec.py SCALES: small,
moderate, saturating), inputs and non-zero initial states uniform in [-1, 1], values rounded to
the dtype the answers are judged in (so the float32 function and the float64 reference see the
same numbers). Gated cells' states are bounded, so no logit cap is needed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...cells.layout import from_torch, to_torch
from .spec import CellSpec, gates


@dataclass(frozen=True)
class CellCase:
    """params: {name: array} per gate, column convention; xs (T, B, D); targets (T,) class
    indices (column and torch layouts, B = 1) or None; state0 {state: (B, dim)}; dhs (T, B, H)
    upstream ∂L/∂h_t (row layout) or None."""

    params: dict
    xs: np.ndarray
    targets: np.ndarray | None
    state0: dict
    dhs: np.ndarray | None
    loss_at: str
    scale: float
    activation: str = "fixed"      # the gated cells' activations are their equations'
    torch: dict | None = None      # torch layout: the state dicts fn is given (params = from_torch of them)

    @property
    def T(self) -> int:
        return self.xs.shape[0]

    @property
    def B(self) -> int:
        return self.xs.shape[1]

    def sizes(self) -> dict[str, int]:
        T, B, D = self.xs.shape
        H = self.state0[next(iter(self.state0))].shape[1] if self.state0 else 0
        d = {"T": T, "D": D, "H": H}
        if self.dhs is not None:
            d["N"] = B
        else:
            d["V"] = self.params["W_hy"].shape[0]
        return d

    def levels(self, spec: CellSpec) -> dict[str, str]:
        lv = {spec.place: self.loss_at, "scale": f"{self.scale:g}",
              "h0": "nonzero" if any(np.any(v != 0) for v in self.state0.values()) else "zero"}
        if spec.row:
            lv["batch"] = "1" if self.B == 1 else ">1"
        return lv


def _round(a, dt) -> np.ndarray:
    return np.asarray(a, dt).astype(np.float64)


def draw_case(rng: np.random.Generator, spec: CellSpec, levels: dict[str, str], T: int,
              sizes: dict[str, int] | None = None) -> CellCase:
    """One case at the given factor levels and length T (sizes D, H, V, B in 1..max)."""
    H, D, V = (int(rng.integers(1, n + 1)) for n in (spec.max_H, spec.max_D, spec.max_V))
    B = (1 if levels.get("batch", "1") == "1" else int(rng.integers(2, spec.max_B + 1))) if spec.row else 1
    if sizes:
        H, D, V, B = sizes["H"], sizes["D"], sizes["V"], sizes.get("B", B) if spec.row else 1
    s, dt = float(levels["scale"]), spec.values_dtype
    dims = {"H": H, "D": D, "V": V}
    params = {n: _round(rng.uniform(-s, s, tuple(dims[d] for d in shape)), dt)
              for n, shape in spec.module.PARAMS.items()}
    if spec.row and "b_hn" in params:
        params["b_hn"] = np.zeros_like(params["b_hn"])       # the row layout's b has no b_hn
    torch = None
    if spec.layout == "torch":             # bias_ih and bias_hh both drawn: params' b = their sum
        rnn, lin = to_torch(spec.cell, params, prefix="rnn.", linear_prefix="fc.")
        split = [bh is None for _, _, _, bh in gates(spec.cell).values()]
        rows = np.repeat(split, H)
        rnn["rnn.bias_hh_l0"][rows] = _round(rng.uniform(-s, s, int(rows.sum())), dt)
        torch = {**rnn, **lin}
        params = from_torch(spec.cell, torch, torch, prefix="rnn.", linear_prefix="fc.")
    xs = _round(rng.uniform(-1, 1, (T, B, D)), dt)
    state0 = {}
    for st, d in spec.module.STATES.items():
        on = levels["h0"] == "nonzero" and st not in spec.zero_states()
        state0[st] = _round(rng.uniform(-1, 1, (B, dims[d])), dt) if on else np.zeros((B, dims[d]))
    targets = dhs = None
    if spec.row:
        dhs = _round(rng.uniform(-1, 1, (T, B, H)), dt)
        if levels["dh_at"] == "last":
            dhs[:-1] = 0.0
    else:
        targets = rng.integers(0, V, T)
    return CellCase(params, xs, targets, state0, dhs, levels[spec.place], s, torch=torch)


def probe_case(spec: CellSpec) -> CellCase:
    """A fixed, ordinary case (T = 3, moderate weights, non-zero h0), tried first."""
    base = {spec.place: "all", "h0": "nonzero", "batch": ">1", "scale": "1"}
    return draw_case(np.random.default_rng(20240607), spec, base, 3, {"D": 2, "H": 3, "V": 3, "B": 2})


def sweep_levels(spec: CellSpec):
    """Every combination of factor levels, as dicts."""
    import itertools
    f = spec.factors()
    for combo in itertools.product(*f.values()):
        yield dict(zip(f, combo))

