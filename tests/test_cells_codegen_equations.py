"""The generated cell engines print the δ recursion of one generic step t beside the backward loop
and each weight gradient's sum beside its GEMM, as derive.cells prints them (`bptt derive --cell C`):
the equations are read here from derive's printed derivation, not from the generator."""

from __future__ import annotations

import inspect
import re

import pytest

from derive.cells import CELLS, derive_cell, unroll_cell
from derive.cells.printing import derivation_text
from numeric.cells import load

T = 3          # step 2 of 3 is a generic step: its equations reach steps 1, 2 and 3
GENERIC = {"1": "_{t-1}", "2": "_t", "3": "_{t+1}"}


def _generic(s: str) -> str:
    return re.sub(r"_([123])(?![0-9])", lambda m: GENERIC[m.group(1)], s)


def _printed(cell: str) -> tuple[dict, dict]:
    """(step 2's δ lines by symbol, each gradient's printed term list) from derive's text output."""
    g = unroll_cell(CELLS[cell], T, hidden_size=2, input_size=1, output_size=2, activation="tanh",
                    loss="cross_entropy", loss_at="all")
    text = derivation_text(derive_cell(g))
    deltas = dict(re.findall(r"^  (delta\w*_2) = (.*?)    \[", text, flags=re.M))
    grads = {n: v.split(" + ") for n, v in re.findall(r"^  ∂L/∂(\w+) = (.*)$", text, flags=re.M)}
    return deltas, grads


@pytest.mark.parametrize("cell", sorted(CELLS))
def test_backward_carries_the_derived_delta_equations_beside_its_loop(cell):
    m = load(cell)
    src = inspect.getsource(m.backward)
    loop = src.index("for k in range(")
    closing = src.index("grads = {}")
    lines = [ln.strip() for ln in src.splitlines()]
    deltas, _ = _printed(cell)
    assert deltas, "derive printed no δ equation for step 2"
    for symbol, rhs in deltas.items():
        comment = f"#   {_generic(symbol)} = {_generic(rhs)}"
        assert comment in lines, f"{cell}: backward lacks {comment!r}"
        at = src.index(comment)
        assert loop < at < closing, f"{cell}: {comment!r} is not in the backward loop"
        i = lines.index(comment)
        above = next(ln for ln in reversed(lines[:i]) if not ln.startswith("#   "))
        # the forward equation the δ belongs to: delta_t -> h, delta_c_t -> c, delta_og_t -> og
        target = "h" if symbol == "delta_2" else symbol[len("delta_"):-len("_2")]
        assert above.startswith(f"# {target} = "), f"{cell}: {comment!r} sits under {above!r}"


@pytest.mark.parametrize("cell", sorted(CELLS))
def test_weight_gradient_gemms_carry_the_derived_sums(cell):
    m = load(cell)
    src = inspect.getsource(m.backward)
    _, grads = _printed(cell)
    own = [n for n in m.PARAMS if n not in ("W_hy", "b_y") or not m.READOUT]
    checked = 0
    for name in own:
        if f'grads["{name}"]' not in src:
            continue
        terms = grads[name]
        assert len(terms) == T, f"{cell}: {name} printed {terms}"
        comment = f"# ∂L/∂{name} = Σ_t {_generic(terms[1])}"
        assert comment in src, f"{cell}: backward lacks {comment!r}"
        assert src.index(comment) < src.index(f'grads["{name}"]'), f"{cell}: {comment!r} below its GEMM"
        checked += 1
    assert checked >= 3
