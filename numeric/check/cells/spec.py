"""CellSpec: what ``check_cell`` checks (cell, layout, gate order, dtype), validated once.

Layouts of the user's function (docs/check.md, "Gated cells"):

    column  fn(params: {W_x<g> (H, D), W_h<g> (H, H), b_<g> (H,), W_hy (V, H), b_y (V,)},
               xs (T, D), targets (T,), state0: {state: (dim,)}) -> (loss, grads)
            grads: every parameter, optionally "<state>0" (∂L/∂h0, ∂L/∂c0); reference numeric.cells.bptt
    torch   the same, params and grads under PyTorch's stacked names (numeric.cells.from_torch):
            rnn.weight_ih_l0 (G·H, D), rnn.weight_hh_l0 (G·H, H), rnn.bias_ih_l0, rnn.bias_hh_l0 (G·H,),
            fc.weight (V, H), fc.bias (V,), gates in PyTorch's order (LSTM i, f, g, o; GRU r, z, n)
    row     the course assignment's layer backward, row vectors, gates stacked in --gate-order:
            fn(x (N, T, D), h0 (N, H), Wx (D, G·H), Wh (H, G·H), b (G·H,), dh (N, T, H))
            -> (dx, dh0, dWx, dWh, db); or the pair (forward, backward): forward(x, h0, Wx, Wh, b)
            -> (h (N, T, H), cache), backward(dh, cache) -> (dx, dh0, dWx, dWh, db).
            The LSTM's c0 is 0 (as the course's lstm_forward); the GRU's b stacks b_r, b_z, b_xn
            (its b_hn is 0). Reference: the generated engine's layer backward.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

from ...cells.layout import LAYOUTS
from ...cells.validate import resolve
from ...checks import check_choice, check_loss, check_loss_at, check_positive_int
from ..spec import SCALES, TOLERANCES, Tolerance

LAYOUT_NAMES = ("column", "row", "torch")
# The course assignment's default gate orders (cs231n's lstm_forward: i, f, o, g); PyTorch's are
# LAYOUTS' own (numeric/cells/layout.py).
COURSE_ORDER = {"lstm": ("i", "f", "o", "g"), "gru": ("r", "z", "n")}
ROW_NAMES = ("dx", "dh0", "dWx", "dWh", "db")


def gates(cell: str) -> dict[str, tuple[str, str, str, str | None]]:
    """{gate letter: (W_x name, W_h name, input bias, recurrent bias or None)} from LAYOUTS."""
    return {g.W_hh.removeprefix("W_h"): (g.W_ih, g.W_hh, g.b_ih, g.b_hh) for g in LAYOUTS[cell].gates}


def torch_order(cell: str) -> tuple[str, ...]:
    return tuple(gates(cell))


def parse_gate_order(cell: str, order: Any) -> tuple[str, ...]:
    """'ifog', 'i,f,o,g' or a sequence -> ('i', 'f', 'o', 'g'); None: the course order."""
    letters = tuple(gates(cell))
    if order is None:
        return COURSE_ORDER[cell]
    if isinstance(order, str):
        got = tuple(p.strip() for p in order.split(",")) if "," in order else tuple(order.strip())
    else:
        got = tuple(order)
    if sorted(got) != sorted(letters):
        raise ValueError(f"gate_order (--gate-order) must order the {cell} gates {', '.join(letters)} "
                         f"(e.g. {''.join(COURSE_ORDER[cell])} or {''.join(letters)}); got {order!r}.")
    return got


@dataclass(frozen=True)
class CellSpec:
    """Everything a cell check needs besides the function."""

    cell: str                     # the engine's CELL
    module: ModuleType            # the generated engine
    layout: str
    gate_order: tuple[str, ...] | None   # row and torch layouts
    pair: bool                    # row: (forward, backward)
    loss: str
    loss_ats: tuple[str, ...]
    dtype: np.dtype
    tol: Tolerance
    examples: int
    seed: int
    shrink: bool = True
    max_T: int = 5
    max_B: int = 3
    max_D: int = 3
    max_H: int = 3
    max_V: int = 3
    precision: np.dtype | None = None    # fn returns float32 for float64 inputs

    @property
    def row(self) -> bool:
        return self.layout == "row"

    @property
    def convention(self) -> str:
        return "row" if self.row else "column"

    @property
    def values_dtype(self) -> np.dtype:
        return self.precision if self.precision is not None else self.dtype

    @property
    def place(self) -> str:
        return "dh_at" if self.row else "loss_at"

    @property
    def states(self) -> tuple[str, ...]:
        return tuple(self.module.STATES)

    def zero_states(self) -> tuple[str, ...]:
        """States always zero at t = 0: the LSTM's c0 in the row layout."""
        return tuple(s for s in self.states if self.row and s != self.module.OUTPUT)

    def factors(self) -> dict[str, tuple[str, ...]]:
        f = {self.place: self.loss_ats, "h0": ("zero", "nonzero")}
        if self.row:
            f["batch"] = ("1", ">1")
        f["scale"] = tuple(f"{s:g}" for s in SCALES)
        return f

    def names(self, with_h0: bool = True) -> list[str]:
        """The quantities fn returns, as it names them."""
        if self.row:
            return (["h"] if self.pair else []) + list(ROW_NAMES)
        if self.layout == "torch":
            ps = ["rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0", "rnn.bias_hh_l0", "fc.weight", "fc.bias"]
        else:
            ps = list(self.module.PARAMS)
        return ["loss", *ps] + ([f"{s}0" for s in self.states] if with_h0 else [])


def make_spec(fn: Any, *, cell: Any, layout: Any, gate_order: Any, loss: Any, loss_at: Any, examples: Any,
              seed: Any, dtype: Any, max_T: Any, shrink: Any) -> CellSpec:
    """Validate the options of ``check_cell`` (one clear ValueError / TypeError each)."""
    pair = isinstance(fn, tuple) and len(fn) == 2 and all(callable(f) for f in fn)
    if not (callable(fn) or pair):
        raise TypeError(f"fn must be callable or a pair (forward, backward); got {type(fn).__name__}.")
    m = resolve(cell)
    layout = check_choice("layout", layout, LAYOUT_NAMES)
    if layout != "column" and m.CELL not in COURSE_ORDER:
        raise ValueError(f"layout={layout!r} (stacked gates) is for the lstm and gru cells; cell {m.CELL!r} is "
                         "checked in the column layout (per-gate parameter dicts).")
    if pair and layout != "row":
        raise ValueError("a (forward, backward) pair is the row layout's (the course's lstm_forward, "
                         f"lstm_backward); got it with layout={layout!r}.")
    if gate_order is not None and layout != "row":
        raise ValueError(f"gate_order (--gate-order) applies to the row layout; with layout={layout!r} the "
                         "order is fixed (column: per-gate names; torch: PyTorch's order).")
    order = parse_gate_order(m.CELL, gate_order) if layout == "row" else (
        torch_order(m.CELL) if layout == "torch" else None)
    names = {"float64": np.float64, "float32": np.float32}
    try:
        dt = np.dtype(names.get(dtype, dtype))
    except TypeError:
        dt = None
    if dt not in TOLERANCES:
        raise ValueError(f"dtype={dtype!r} is not supported; choose one of ['float32', 'float64'].")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be an integer >= 0; got {seed!r}.")
    loss = check_loss(loss)
    if loss != "cross_entropy":
        raise ValueError(f"loss={loss!r}: the cell check uses softmax cross-entropy (loss='cross_entropy').")
    places = ("all", "last") if layout == "row" else (check_loss_at(loss_at),)
    return CellSpec(m.CELL, m, layout, order, pair, loss, places, dt, TOLERANCES[dt],
                    check_positive_int("examples", examples), int(seed), bool(shrink),
                    max_T=check_positive_int("max_T", max_T))
