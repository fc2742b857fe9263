"""derive.cells: any recurrent cell, derived (issue 13).

A cell is data (derive/cells/cell.py): states, parameters with shapes in H, D, V, gates and
one step's equations, written with ``CellBuilder`` and Python operators (``@`` W x, ``*`` ⊙,
``+``, ``-``, numbers) and the rules-table activations. The built-ins are in ``CELLS``
(elman, jordan, gru, lstm); a user's cell is ``path/to/file.py:NAME`` (``load_cell``).

    >>> d = derive_cell(unroll_cell("lstm", 2))
    >>> [a.symbol for a in d.adjoints][:2]
    [delta2, delta_c2]
"""

from __future__ import annotations

from .builtin import CELLS
from .cell import Cell, CellBuilder, CellError, Equation
from .derivation import Adjoint, CellDerivation, derive_cell
from .expr import FUNCTIONS, act, identity, relu, sigmoid, tanh  # noqa: F401
from .graph import CellGraph, unroll_cell
from .load import load_cell, resolve_cell


def prove(cell, **kwargs):
    """``derive.cells.proof.prove``: the cell's gradients against ``sympy.diff`` (see there)."""
    from .proof import prove as _prove
    return _prove(cell, **kwargs)


__all__ = ["CELLS", "Cell", "CellBuilder", "CellError", "Equation", "Adjoint", "CellDerivation",
           "CellGraph", "derive_cell", "unroll_cell", "load_cell", "resolve_cell", "prove", "act",
           *FUNCTIONS]    # tanh, sigmoid, relu, identity: the rules table's activations
