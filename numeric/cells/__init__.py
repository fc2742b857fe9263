"""numeric.cells: BPTT for any recurrent cell, over the engines `bptt generate --cell` writes.

    >>> import numeric.cells as cells
    >>> p = cells.init_params("lstm", D=3, H=4, V=5, seed=0)
    >>> r = cells.bptt("lstm", p, xs, targets)          # doctest: +SKIP
    >>> r.loss, r.grads["W_hf"].shape, r.dstate0["c"].shape   # doctest: +SKIP

``bptt`` / ``forward`` run a generated module (numeric/generated/cells/, or a user's one passed
as the module object) with numeric.bptt's losses, checks and truncation; ``init_params`` draws
PyTorch-like parameters; ``from_torch`` / ``to_torch`` (numeric/cells/layout.py) map PyTorch's
stacked layout. ``CELLS``: the built-in names. Not imported by ``import numeric``.
"""

from __future__ import annotations

from .engine import CellBPTTResult, CellForward, bptt, forward
from .init import init_params
from .validate import builtin_names, resolve

CELLS: tuple[str, ...] = builtin_names()


def load(cell):
    """The generated engine module of a cell: a built-in name, or a module (returned checked)."""
    return resolve(cell)


def __getattr__(name: str):
    if name in ("from_torch", "to_torch"):
        from . import layout
        return getattr(layout, name)
    raise AttributeError(f"module 'numeric.cells' has no attribute {name!r}")


__all__ = ["CELLS", "CellBPTTResult", "CellForward", "bptt", "forward", "from_torch", "init_params", "load",
           "to_torch"]
