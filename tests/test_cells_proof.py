"""Issue 13 proof: every built-in cell's derived gradients equal sympy.diff of the expanded loss.

The derived side is derive.cells (the VJP table applied in reverse); the other side is
sympy.diff of the fully expanded unrolled loss (derive/cells/proof.py), which shares only the
graph's definitions. Comparison at random exact rational points with mpmath at 40 digits
(tolerance 1e-40 relative: both sides are exact expressions evaluated at 60 working digits, so
any real difference is of order 1, never near 1e-40); exactly where SymPy is fast enough.
"""

from __future__ import annotations

import os

import pytest

from derive.cells import CELLS, derive_cell, prove, unroll_cell
from derive.cells.proof import prove_exact
from numeric.rules import LOSS_AT, LOSSES

# The whole grid (every cell x loss x placement) takes ~8 minutes on 2 cores, most of it SymPy
# expanding the gated cells: the deterministic ci profile (the default) proves the whole grid for
# the cheap cells and, for gru and lstm, a real-target loss at every step and the class-target
# loss at the last (both kinds of loss, both placements); HYPOTHESIS_PROFILE=deep proves every case of the grid.
FULL = [(c, loss, at) for c in CELLS for loss in sorted(LOSSES) for at in LOSS_AT]
GATED_CI = {("half_sse", "all"), ("cross_entropy", "last")}
CASES = FULL if os.environ.get("HYPOTHESIS_PROFILE") == "deep" else \
    [(c, loss, at) for c, loss, at in FULL if c not in ("gru", "lstm") or (loss, at) in GATED_CI]


@pytest.mark.parametrize("cell,loss,loss_at", CASES)
def test_cell_gradients_equal_sympy_diff_scalar_T3(cell, loss, loss_at):
    r = prove(cell, T=3, loss=loss, loss_at=loss_at, points=1)
    assert r.ok, r.max_rel_diff


@pytest.mark.parametrize("cell,loss,loss_at", CASES)
def test_cell_gradients_equal_sympy_diff_H2_T2(cell, loss, loss_at):
    # V = 2 as well, so cross_entropy's softmax couples two outputs
    r = prove(cell, T=2, hidden_size=2, output_size=2, loss=loss, loss_at=loss_at, points=1)
    assert r.ok, r.max_rel_diff


@pytest.mark.parametrize("cell,T", [("elman", 2), ("jordan", 2), ("gru", 1), ("lstm", 1)])
def test_cell_gradients_equal_sympy_diff_exactly(cell, T):
    r = prove(cell, T=T, method="exact", loss="sse")
    assert r.ok, r.proven


@pytest.mark.parametrize("cell", sorted(CELLS))
@pytest.mark.parametrize("truncation", [(1, 1), (1, 2), (2, 2)])
def test_truncated_cell_gradients_equal_windowed_sympy_diff(cell, truncation):
    r = prove(cell, T=3, truncation=truncation, points=1)
    assert r.ok, r.max_rel_diff


@pytest.mark.parametrize("activation", ["sigmoid", "relu", "identity"])
def test_elman_and_jordan_take_any_activation(activation):
    for cell in ("elman", "jordan"):
        assert prove(cell, T=2, activation=activation, points=2).ok


def test_exact_refuses_relu_with_a_pointer_to_points():
    d = derive_cell(unroll_cell("elman", 1, activation="relu"))
    with pytest.raises(ValueError, match="method='points'"):
        prove_exact(d)


def test_prove_rejects_an_unknown_method():
    with pytest.raises(ValueError, match="method='sure' is not known"):
        prove("gru", method="sure")
