"""The scalar worked example of a gated cell (lstm, gru): T = 3, exact closed forms and decimals.

The canonical values are in derive/cells/data/worked_examples.json, with the note saying why
those values. Every node, δ and gradient is computed forward then backward over the compact
definitions, one step at a time (linear in T): ``exact`` is each definition at the canonical
values, a closed form over the earlier nodes (step 1: sigmoid/tanh of rationals only; fully
substituted forms grow exponentially in T, so they are not built), and ``decimal`` its value
to ``digits`` significant digits (mpmath at digits + 10, memoised).

    >>> ex = worked_example("gru")
    >>> ex.nodes["r1"].exact
    1/(exp(-1/2) + 1)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import mpmath
import sympy as sp

from ..verify.proof import mp_eval
from .derivation import derive_cell
from .graph import unroll_cell

DATA = Path(__file__).with_name("data") / "worked_examples.json"


@dataclass(frozen=True)
class Value:
    """One number: its exact closed form and its decimal string."""

    name: str
    exact: sp.Expr
    decimal: str


@dataclass(frozen=True)
class CellExample:
    """The worked example: ``values`` (leaves), ``nodes``, ``deltas``, ``gradients``: {name: Value}."""

    cell: str
    T: int
    values: dict
    nodes: dict
    deltas: dict
    gradients: dict
    note: str
    loss: str = "half_sse"
    loss_at: str = "all"


def canonical() -> dict:
    """The data file's contents (strings as in the file; rationals are read with sympy.Rational)."""
    return json.loads(DATA.read_text())


def point(cell: str) -> tuple:
    """(graph, {leaf symbol: Rational}) of the canonical example of ``cell``."""
    data = canonical()
    if cell not in data["cells"]:
        raise ValueError(f"cell={cell!r} has no worked example; choose one of {sorted(data['cells'])}.")
    g = unroll_cell(cell, data["T"], loss=data["loss"], loss_at=data["loss_at"])
    vals = {g.mat(n)[0]: sp.Rational(v) for n, v in data["cells"][cell].items()}
    for key, series in data["inputs"].items():
        for t, v in enumerate(series, start=1):
            vals[sp.Symbol(f"{key}{t}")] = sp.Rational(v)
    return g, vals


def worked_example(cell: str = "lstm", *, digits: int = 12) -> CellExample:
    """Every node, δ and gradient of the canonical example, exact and to ``digits`` digits."""
    from numeric.validate import check_positive_int
    digits = check_positive_int("digits", digits)
    g, vals = point(cell)
    d = derive_cell(g)
    num, memo = {}, {}
    exact: dict = {}
    with mpmath.workdps(digits + 10):
        num.update({s: mp_eval(s, vals) for s in vals})
        for defs in (g.definitions, d.adjoint_definitions()):
            for sym, rhs in defs.items():
                exact[sym] = rhs.xreplace(vals)           # closed form over the earlier nodes
                num[sym] = mp_eval(rhs, num, memo)
        dec = lambda e: mpmath.nstr(mp_eval(e, num), digits)  # noqa: E731
        box = lambda syms: {str(s): Value(str(s), exact[s], mpmath.nstr(num[s], digits)) for s in syms}  # noqa: E731
        grads = {n: Value(n, d.gradients[n].xreplace(vals), dec(d.gradients[n])) for n in d.gradient_names}
    return CellExample(cell, g.T, {str(k): v for k, v in vals.items()}, box(g.definitions),
                       box(d.adjoint_definitions()), grads, canonical()["note"], g.loss, g.loss_at)

