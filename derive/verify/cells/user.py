"""``--cell FILE.py:NAME`` for the cross-checks: a user's cell, or a user's generated engine.

Two kinds of FILE are accepted, told apart by what NAME is:

* NAME is a Cell (derive.cells.CellBuilder(...).build(), or a function returning one): its
  engine is generated into a temporary directory (derive/codegen/cells, as
  ``bptt generate --cell FILE.py:NAME --out``) and imported from there;
* FILE is a module ``bptt generate --cell ... --out FILE.py`` wrote and NAME its cell's name
  (its ``CELL``): the engine is FILE itself, and the cell the independent routes need is
  rebuilt from the equations the module states (its ``EQUATIONS``, ``STATES``, ``PARAMS``,
  ``OUTPUT``, ``READOUT``) with CellBuilder: the module's code is checked against its own
  equations, with no other code.

The equations are read with ``ast`` (never eval-ed): names, numbers, ``@``, ``+``, ``-``, ``*``,
``/`` a number, ``⊙`` and calls of the rules table's activations (``f(...)``: the activation
chosen per call).
"""

from __future__ import annotations

import ast
import importlib.util
import sys
import tempfile
from pathlib import Path

from derive.cells.cell import Cell, CellBuilder, CellError
from derive.cells.expr import FUNCTIONS, act

_INTERFACE = ("CELL", "STATES", "PARAMS", "OUTPUT", "READOUT", "EQUATIONS", "forward", "backward")


def import_file(path: Path, name: str):
    """Import a Python file as a fresh module named ``name`` (its directory on sys.path first)."""
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ValueError(f"--cell: cannot import {str(path)!r} as a Python module.")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    sys.path.insert(0, str(path.parent))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(path.parent))
    return module


def is_generated(module) -> bool:
    return all(hasattr(module, n) for n in _INTERFACE)


def load_ref(ref: str):
    """(Cell, numeric.cells.bptt's cell argument or None, the generated module's path or None)."""
    path, sep, name = ref.rpartition(":")
    if not sep or not path.endswith(".py") or not name:
        raise ValueError(f"--cell must be a built-in name or FILE.py:NAME; got {ref!r}.")
    p = Path(path)
    if not p.is_file():
        raise ValueError(f"--cell {ref}: no file {path!r}.")
    module = import_file(p.resolve(), f"bptt_verify_cell_{abs(hash(str(p.resolve())))}")
    if is_generated(module):
        if name != module.CELL:
            raise ValueError(f"--cell {ref}: {path} is the generated engine of cell {module.CELL!r}; "
                             f"write {path}:{module.CELL}.")
        return cell_from_module(module), module, str(p)
    obj = getattr(module, name, None)
    if obj is None:
        raise ValueError(f"--cell {ref}: {path} has no {name!r}.")
    if callable(obj) and not isinstance(obj, Cell):
        obj = obj()
    if not isinstance(obj, Cell):
        raise ValueError(f"--cell {ref}: {name} is {type(obj).__name__}, neither a Cell nor a generated engine "
                         "(`bptt generate --cell FILE.py:NAME --out FILE`).")
    return obj, None, None


def generated_engine(ref: str, *, directory=None):
    """(Cell, the engine module, a description) for ``--cell FILE.py:NAME``.

    A generated module is used as it is; a Cell's engine is generated into ``directory``
    (default: a new temporary directory) and imported from there.
    """
    cell, module, where = load_ref(ref)
    if module is not None:
        return cell, module, f"generated module {where}"
    from derive.codegen.cells.files import write_cell
    out = Path(directory or tempfile.mkdtemp(prefix="bptt_verify_")) / f"{cell.name}_engine.py"
    write_cell(cell, out, ref=ref)
    module = import_file(out, f"bptt_verify_engine_{cell.name}_{abs(hash(str(out)))}")
    return cell, module, f"generated now from {ref} into {out}"


# ---- the cell a generated module states --------------------------------------------------------------
def cell_from_module(module) -> Cell:
    """Rebuild the Cell from a generated module's EQUATIONS, STATES, PARAMS, OUTPUT, READOUT."""
    c = CellBuilder(module.CELL, states=dict(module.STATES), output=module.OUTPUT, readout=bool(module.READOUT))
    nodes: dict = {}
    for text in module.EQUATIONS:
        target, _, rhs = text.partition(" = ")
        try:
            tree = ast.parse(rhs.replace("⊙", "*"), mode="eval").body
        except SyntaxError as e:
            raise CellError(f"cell {module.CELL!r}: cannot read the equation {text!r}: {e.msg}") from None
        expr = _expr(tree, c, module, nodes, text)
        if target in module.STATES:
            nodes[target] = c.update(target, expr)
        else:
            nodes[target] = c.node(target, expr)
    return c.build()


def _expr(t, c: CellBuilder, module, nodes: dict, text: str):
    def bad(what):
        return CellError(f"cell {module.CELL!r}: equation {text!r}: {what} is not of the cell language.")
    rec = lambda u: _expr(u, c, module, nodes, text)  # noqa: E731
    if isinstance(t, ast.Constant) and isinstance(t.value, (int, float)) and not isinstance(t.value, bool):
        return t.value
    if isinstance(t, ast.UnaryOp) and isinstance(t.op, ast.USub):
        v = rec(t.operand)
        return -v
    if isinstance(t, ast.BinOp):
        a, b = rec(t.left), rec(t.right)
        ops = {ast.Add: lambda: a + b, ast.Sub: lambda: a - b, ast.Mult: lambda: a * b,
               ast.MatMult: lambda: a @ b, ast.Div: lambda: a / b}
        if type(t.op) not in ops:
            raise bad(type(t.op).__name__)
        if isinstance(a, (int, float)) and isinstance(b, (int, float)):
            return {ast.Add: a + b, ast.Sub: a - b, ast.Mult: a * b, ast.Div: a / b}[type(t.op)]
        return ops[type(t.op)]()
    if isinstance(t, ast.Call) and isinstance(t.func, ast.Name) and len(t.args) == 1 and not t.keywords:
        f = t.func.id
        if f == "f":
            return act(rec(t.args[0]))
        if f in FUNCTIONS:
            return FUNCTIONS[f](rec(t.args[0]))
        raise bad(f"function {f!r}")
    if isinstance(t, ast.Name):
        n = t.id
        if n == "x":
            return c.input
        if n.endswith("_prev") and n[:-5] in module.STATES:
            return c.prev(n[:-5])
        if n in nodes:
            return nodes[n]
        if n in module.PARAMS:
            return c.param(n, *module.PARAMS[n])
        raise bad(f"name {n!r}")
    raise bad(type(t).__name__)
