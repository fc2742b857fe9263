"""The δ recursion and the gradients of one generic step t, as derive.cells derives them and SymPy
prints them in matrix notation (derive/cells/notation.py), for the generated module's comments.

The cell is derived at T = 3 (H = 2, D = 1, V = 2; activation tanh, loss cross_entropy: the
engine's defaults) and step 2's equations are printed with generic indices: _1 -> _{t-1},
_2 -> _t, _3 -> _{t+1}. Every adjoint of one step refers to steps t - 1, t and t + 1 only, so
step 2 of 3 is a generic step. E.g. for the LSTM::

    delta_c_t = delta_c_{t+1} ⊙ f_{t+1} + (delta_t ⊙ og_t) ⊙ (1 - tanh(c_t)∘²)
    ∂L/∂W_hi = Σ_t delta_i_t h_{t-1}ᵀ
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from derive.cells.cell import Cell

T, MID = 3, 2
SETTINGS = "activation tanh, loss cross_entropy"
_INDEX = {MID - 1: "_{t-1}", MID: "_t", MID + 1: "_{t+1}"}


def generic(s: str) -> str:
    """Step indices of the middle step's equations made generic: ``c_1`` -> ``c_{t-1}``."""
    return re.sub(r"_(\d+)(?!\d)", lambda m: _INDEX.get(int(m.group(1)), m.group(0)), s)


@dataclass(frozen=True)
class StepEquations:
    """deltas: {target: ["delta_c_t = ..."]} (a state, node or gate pre-activation);
    grads: {param: "Σ_t ..."} for the parameters of the cell's equations."""

    deltas: dict
    grads: dict


def step_equations(cell: Cell) -> StepEquations:
    """The δ equations of a generic step t and each parameter's gradient sum (SymPy, at generation time)."""
    from derive.cells.derivation import derive_cell
    from derive.cells.graph import unroll_cell
    from derive.cells.notation import notation
    from derive.cells.printing.common import text

    g = unroll_cell(cell, T, hidden_size=2, input_size=1, output_size=2, activation="tanh",
                    loss="cross_entropy", loss_at="all")
    d = derive_cell(g)
    n = notation(d)
    deltas: dict[str, list[str]] = {}
    for a, m in zip(d.adjoints, n.adjoints):
        if a.t == MID:
            deltas.setdefault(a.target, []).append(generic(f"{text(m.symbol)} = {text(m.compact)}"))
    grads = {}
    for name, terms in n.terms.items():
        here = [generic(text(c.value)) for c in terms if c.t == MID]
        if here:
            grads[name] = "Σ_t " + (here[0] if len(here) == 1 else "(" + " + ".join(here) + ")")
    return StepEquations(deltas, grads)


def annotate_step(body: list[str], cell: Cell, eqs: StepEquations) -> list[str]:
    """The backward step's lines with each δ equation under its forward equation's comment
    (``# c = f ⊙ c_prev + i ⊙ g``): the lines below it compute that δ (a gate's pre-activation)
    or propagate it (a state, complete at that point)."""
    comments = {f"# {eq}": eq.target for eq in cell.equations}
    out = [f"#   {e}" for t, lines in eqs.deltas.items() if t not in comments.values() for e in lines]
    for line in body:
        out.append(line)
        target = comments.get(line)
        if target is not None:
            out += [f"#   {e}" for e in eqs.deltas.get(target, [])]
    return out


def gradient_comments(names, eqs: StepEquations, indent: str = "    ") -> list[str]:
    """``# ∂L/∂W_xi = Σ_t delta_i_t x_tᵀ`` for each name with a derived gradient."""
    return [f"{indent}# ∂L/∂{p} = {eqs.grads[p]}" for p in names if p in eqs.grads]
