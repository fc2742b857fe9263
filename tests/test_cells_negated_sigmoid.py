"""The generated forward sums a sigmoid gate's pre-activation negated (its stacked weights and bias
negated, exact) and applies sigmoid from −a (numeric.cells.kernels.NEG_ACT): the same values."""

from __future__ import annotations

import numpy as np
import pytest

import numeric.cells as cells
from numeric.cells.kernels import ACT, NEG_ACT


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_from_negated_equals_sigmoid_exactly_on_column_views(dtype):
    rng = np.random.default_rng(0)
    a = (rng.standard_normal((5, 16)) * 30).astype(dtype)
    a[0, :4] = [0.0, -1000.0, 1000.0, -0.0]          # overflowing exp(−a) gives exactly 0
    for lo in range(0, 16, 4):                          # every 4-column block: strided views
        na = np.array(a * -1)
        with np.errstate(over="ignore"):
            want = ACT["sigmoid"](a[:, lo:lo + 4])
            got = NEG_ACT["sigmoid"](na[:, lo:lo + 4], na[:, lo:lo + 4])
        np.testing.assert_array_equal(got, want)        # negation is exact: bit for bit


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_generated_gates_are_the_sigmoid_of_the_plain_pre_activation(cell):
    m = cells.load(cell)
    T, B, D, H, V = 2, 3, 4, 5, 2
    P = cells.init_params(cell, D, H, V, seed=1)
    xs = np.random.default_rng(2).standard_normal((T, B, D))
    dims = {"H": H, "D": D, "V": V}
    tape = m.forward(P, m.stack(P, dims), xs, {s: np.zeros((B, H)) for s in m.STATES}, dims)
    gate = "i" if cell == "lstm" else "z"               # the first step's h_prev is 0
    a = xs[0] @ P[f"W_x{gate}"].T + P[f"b_{gate}"]
    lo = list(m.STACKS["x"]).index(f"W_x{gate}") * H
    # tolerance: the engine sums the bias in another order than this line (round-off only)
    np.testing.assert_allclose(tape["XP"][0][:, lo:lo + H], 1 / (1 + np.exp(-a)), rtol=1e-13, atol=0)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
@pytest.mark.parametrize("D,H", [(1, 1), (1, 3), (2, 1)])
def test_stack_leaves_the_plain_stacks_unnegated_at_size_one(cell, D, H):
    # a (G·H, 1) stack's transpose is already contiguous: a view would negate the plain stack too
    m = cells.load(cell)
    P = cells.init_params(cell, D, H, 2, seed=0)
    S = m.stack(P, {"H": H, "D": D, "V": 2})
    for buf, names in m.STACKS.items():
        np.testing.assert_array_equal(S[buf], np.concatenate([P[n] for n in names]))
