"""resolve_cell(name_or_ref) and load_cell("path/to/file.py:NAME"): cells by name or from a file.

A user's file is imported in-process exactly as ``bptt check`` imports its target
(numeric/check/target.py: executed as a module, never as ``__main__``, its directory first on
sys.path); NAME must be a Cell (or a function of no arguments returning one). Nothing is
``eval``-ed.
"""

from __future__ import annotations

from .cell import Cell, CellError


def load_cell(ref: str) -> Cell:
    """The Cell named NAME in ``path/to/file.py:NAME``; CellError with one line otherwise."""
    from numeric.check.target import TargetError, load_target

    try:
        obj = _load_object(ref, load_target)
    except TargetError as e:
        raise CellError(f"cell {ref!r}: {e}") from None
    if callable(obj) and not isinstance(obj, Cell):
        obj = obj()
    if not isinstance(obj, Cell):
        raise CellError(f"cell {ref!r}: {ref.rpartition(':')[2]} is {type(obj).__name__}, not a Cell; "
                        "build it with derive.cells.CellBuilder(...).build().")
    return obj


def _load_object(ref: str, load_target):
    """load_target refuses non-callables; a Cell is data, so it is fetched from the module."""
    import sys
    path, sep, name = str(ref).rpartition(":")
    if not sep or not path.endswith(".py") or not name:
        raise CellError(f"cell must be a name ({', '.join(_names())}) or path/to/file.py:NAME; got {ref!r}.")
    try:
        return load_target(ref)[0]
    except Exception as e:  # not callable: fetch the attribute of the module that was just imported
        if "is not callable" not in str(e):
            raise
        from pathlib import Path
        module = sys.modules[f"bptt_check_target_{Path(path).resolve().stem}"]
        obj = module
        for part in name.split("."):
            obj = getattr(obj, part)
        return obj


def _names():
    from .builtin import CELLS
    return sorted(CELLS)


def resolve_cell(cell) -> Cell:
    """A Cell as is; a registry name (``"lstm"``); or ``"path/to/file.py:NAME"``."""
    from .builtin import CELLS
    if isinstance(cell, Cell):
        return cell
    if not isinstance(cell, str):
        raise TypeError(f"cell must be a Cell, a name or 'file.py:NAME'; got {type(cell).__name__} {cell!r}.")
    if cell in CELLS:
        return CELLS[cell]
    if ":" in cell:
        return load_cell(cell)
    raise CellError(f"cell {cell!r} is not known; choose one of {', '.join(sorted(CELLS))} "
                    "or give path/to/file.py:NAME.")
