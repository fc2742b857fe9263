"""CellCheckReport: the elman checker's CheckReport (numeric/check/report.py: the same text and
JSON, schema 1) with what a cell check adds: "cell", "layout", "gate_order" (JSON additions),
the cell's signature in place of the elman conventions' and its reference engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..report import REFERENCE, CheckReport

SIGNATURES = {
    "column": "fn(params: {W_x<g>, W_h<g>, b_<g>, W_hy, b_y}, xs (T, D), targets (T,), state0: {state: (dim,)}) "
              "-> (loss, grads)",
    "torch": "fn(params: {rnn.weight_ih_l0, rnn.weight_hh_l0, rnn.bias_ih_l0, rnn.bias_hh_l0, fc.weight, "
             "fc.bias}, xs (T, D), targets (T,), state0) -> (loss, grads)",
    "row": "fn(x (N, T, D), h0 (N, H), Wx (D, G·H), Wh (H, G·H), b (G·H,), dh (N, T, H)) -> (dx, dh0, dWx, dWh, db)",
    "pair": "forward(x (N, T, D), h0 (N, H), Wx (D, G·H), Wh (H, G·H), b (G·H,)) -> (h (N, T, H), cache); "
            "backward(dh (N, T, H), cache) -> (dx, dh0, dWx, dWh, db)",
}


def reference_of(cell: str, layout: str) -> str:
    return (f"numeric.cells.bptt (cell {cell})" if layout != "row"
            else f"the {cell} engine's layer backward (numeric/generated/cells, dh given at every step)")


@dataclass(frozen=True)
class CellCheckReport(CheckReport):
    cell: str | None = None
    layout: str | None = None
    gate_order: tuple[str, ...] | None = None
    pair: bool = False

    def _sig(self) -> str:
        sig = SIGNATURES["pair" if self.pair else self.layout]
        G = len(self.gate_order) if self.gate_order else None
        if G:
            sig = sig.replace("G·H", f"{G}H")
        order = f"; gates stacked {', '.join(self.gate_order)}" if self.gate_order else ""
        return f"  {self.cell} cell, {self.layout} layout: {sig}{order}; {self.dtype}"

    def as_dict(self) -> dict[str, Any]:
        d = super().as_dict()
        d["reference"] = reference_of(self.cell, self.layout)
        return d | {"cell": self.cell, "layout": self.layout,
                    "gate_order": list(self.gate_order) if self.gate_order else None,
                    "forward_backward_pair": self.pair}

    def to_text(self) -> str:
        lines = super().to_text().split("\n")
        if self.verdict != "error" and len(lines) > 1:
            lines[1] = self._sig()
        old = REFERENCE.get(self.convention, "")
        new = reference_of(self.cell, self.layout)
        return "\n".join(lines).replace(f"Reference: {old}", f"Reference: {new}").replace(
            f"agree with {old}", f"agree with {new}").replace(
            "the quantity's magnitude bound (sum of absolute values of its terms)",
            "the quantity's magnitude (its sensitivity to its inputs, numeric/check/cells/compare.py)")

    __str__ = to_text
