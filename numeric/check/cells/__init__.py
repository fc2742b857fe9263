"""Check anyone's gated-cell BPTT: ``check_cell(fn, cell="lstm" | "gru" | module, layout=...)``.

The elman checker (numeric/check/) for the cells numeric.cells derives: the reference is
numeric.cells.bptt (column, torch layouts) or the generated engine's layer backward (row
layout, the course assignment's lstm_forward / lstm_backward); the report is the elman
checker's (CheckReport, schema 1) with "cell", "layout", "gate_order" added. See docs/check.md,
"Gated cells".
"""

from __future__ import annotations

from .core import check_cell
from .report import CellCheckReport
from .spec import COURSE_ORDER, LAYOUT_NAMES

__all__ = ["check_cell", "CellCheckReport", "COURSE_ORDER", "LAYOUT_NAMES"]
