"""CellProblem, one drawn cell problem, and ``cell_problems``, its hypothesis strategy.

A CellProblem holds the cell as data (for the independent routes), the engine to check
(``numeric.cells.bptt``'s ``cell`` argument: a built-in name or a generated module) and every
argument of a call: params {name: array} in the column convention (W_x<gate> (H, D),
W_h<gate> (H, H), b_<gate> (H,), W_hy (V, H), b_y (V,)), xs (T, D) or (T, B, D), targets (class
indices for cross_entropy, (.., V) reals otherwise), state0 {state: (dim,) / (B, dim)} or None,
loss, loss_at, loss_weights (T,) / (T, B) or None, truncation, activation (None for cells with
fixed activations).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from derive.cells.expr import CHOSEN, Act, children
from numeric.rules import ACTIVATIONS, LOSS_AT, LOSSES
from numeric.strategies import floats_array, truncations
from numeric.truncation import Truncation


def takes_activation(cell) -> bool:
    """Whether the cell's equations use act(...), the activation chosen per call (elman, jordan)."""
    def uses(e) -> bool:
        return (isinstance(e, Act) and e.f == CHOSEN) or any(uses(c) for c in children(e))
    return any(uses(eq.expr) for eq in cell.equations)


@dataclass(frozen=True, eq=False)
class CellProblem:
    cell: Any
    engine: Any
    params: dict
    xs: np.ndarray
    targets: np.ndarray
    state0: dict | None
    loss: str
    loss_at: str
    loss_weights: np.ndarray | None
    truncation: Truncation | None
    activation: str | None

    @property
    def T(self) -> int:
        return self.xs.shape[0]

    @property
    def B(self) -> int | None:
        return self.xs.shape[1] if self.xs.ndim == 3 else None

    def kwargs(self, truncation: bool = True) -> dict[str, Any]:
        """The keyword arguments of numeric.cells.bptt (without ``cell``); no truncation if False."""
        kw = dict(params=self.params, xs=self.xs, targets=self.targets, state0=self.state0, loss=self.loss,
                  loss_at=self.loss_at, loss_weights=self.loss_weights, activation=self.activation)
        if truncation:
            kw["truncation"] = self.truncation
        return kw

    def replace(self, **changes) -> "CellProblem":
        return dataclasses.replace(self, **changes)

    def sequence(self, b: int) -> "CellProblem":
        """Sequence b of a batch as an unbatched problem."""
        w = self.loss_weights
        if w is not None and w.ndim == 2:
            w = w[:, b]
        s0 = None if self.state0 is None else {k: v[b] for k, v in self.state0.items()}
        return self.replace(xs=self.xs[:, b], targets=self.targets[:, b], state0=s0, loss_weights=w)

    def summary(self) -> str:
        from .rtrl import sizes_of
        n = sizes_of(self.cell, self.params, self.xs.shape[-1])
        act = f", activation {self.activation}" if self.activation else ""
        return (f"{self.cell.name}: T={self.T}, B={self.B}, D={n['D']}, H={n.get('H')}, V={n.get('V')}, "
                f"{self.loss}, loss_at={self.loss_at}{act}, truncation={self.truncation}, "
                f"state0={'given' if self.state0 else 'zeros'}, "
                f"weights={'given' if self.loss_weights is not None else 'none'}, dtype={self.xs.dtype}")

    def to_code(self) -> str:
        """Python that rebuilds the call (numpy printed at full precision)."""
        def arr(a):
            a = np.asarray(a)
            return f"np.array({a.tolist()!r}, dtype=np.{a.dtype})"
        engine = self.engine if isinstance(self.engine, str) else getattr(self.engine, "__file__", self.engine)
        lines = ["import numpy as np", "from numeric import Truncation", "from numeric.cells import bptt",
                 f"cell = {engine!r}   # a built-in name, or load this generated module",
                 "params = {" + ", ".join(f"{k!r}: {arr(v)}" for k, v in self.params.items()) + "}",
                 f"xs = {arr(self.xs)}", f"targets = {arr(self.targets)}",
                 "state0 = " + ("None" if self.state0 is None else
                                "{" + ", ".join(f"{k!r}: {arr(v)}" for k, v in self.state0.items()) + "}"),
                 f"loss_weights = {'None' if self.loss_weights is None else arr(self.loss_weights)}",
                 f"result = bptt(cell, params, xs, targets, state0, loss={self.loss!r}, loss_at={self.loss_at!r}, "
                 f"loss_weights=loss_weights, truncation={self.truncation!r}, activation={self.activation!r})"]
        return "\n".join(lines)


def _nonzero(shape, dtype) -> st.SearchStrategy[np.ndarray]:
    """Entries of magnitude 0.1 to 1: a given state0 never shrinks to zeros (its terms stay tested)."""
    el = st.one_of(st.floats(-1, -0.1), st.floats(0.1, 1))
    return arrays(np.float64, shape, elements=el).map(lambda a: a.astype(dtype))


@st.composite
def cell_problems(draw, cell, engine, *, max_T: int = 5, min_T: int = 1, max_B: int = 3, max_D: int = 3,
                  max_H: int = 3, max_V: int = 3, batched: bool | None = None, scales=(0.5, 1.0, 2.0),
                  losses=None, loss_at=None, activations=None, truncation: bool = False,
                  state0: bool | None = None, loss_weights: bool | None = None,
                  dtype=np.float64) -> CellProblem:
    """A whole problem for ``cell``: sizes, params (entries uniform in [−s, s], s from ``scales``),
    xs in [−1, 1], targets, state0 (None: either), loss_weights in [0, 2] (None: either),
    a Truncation(k1, k2) with k2 <= T + 1 when ``truncation``, an activation if the cell takes one."""
    T = draw(st.integers(min_T, max_T))
    B = {True: st.integers(1, max_B), False: st.none(), None: st.one_of(st.none(), st.integers(1, max_B))}
    B = draw(B[batched])
    sizes = {"D": draw(st.integers(1, max_D)), "H": draw(st.integers(1, max_H)), "V": draw(st.integers(1, max_V))}
    scale = draw(st.sampled_from(list(scales)))
    params = {n: draw(floats_array(tuple(sizes[d] for d in shape), scale, dtype))
              for n, shape in cell.params.items()}
    lead = (T,) if B is None else (T, B)
    xs = draw(floats_array(lead + (sizes["D"],), 1.0, dtype))
    loss = draw(st.sampled_from(sorted(LOSSES) if losses is None else list(losses)))
    if LOSSES[loss].real_targets:
        targets = draw(floats_array(lead + (sizes["V"],), 1.0, dtype))
    else:
        targets = draw(arrays(np.int64, lead, elements=st.integers(0, sizes["V"] - 1)))
    s0 = None
    if draw(st.booleans()) if state0 is None else state0:
        s0 = {s: draw(_nonzero((() if B is None else (B,)) + (sizes[d],), dtype)) for s, d in cell.states.items()}
    w = None
    if draw(st.booleans()) if loss_weights is None else loss_weights:
        shape = draw(st.sampled_from([(T,)] if B is None else [(T,), (T, B)]))
        w = draw(arrays(np.float64, shape, elements=st.floats(0, 2))).astype(dtype)
    act = None
    if takes_activation(cell):
        act = draw(st.sampled_from(sorted(ACTIVATIONS) if activations is None else list(activations)))
    places = list(LOSS_AT) if loss_at is None else list(loss_at)
    return CellProblem(cell, engine, params, xs, targets, s0, loss, draw(st.sampled_from(places)), w,
                       draw(truncations(T)) if truncation else None, act)
