"""Issue 14, section 2: every cell's generated engine against independent routes.

For the four built-in cells and a user's cell (tests/user_cells/mgu.py, generated into a
temporary directory with ``bptt generate --cell FILE.py:NAME --out``), over drawn T, B, D, H,
V, losses, loss_at, truncations, state0, loss weights and activations (hypothesis, the
deterministic ``ci`` profile; HYPOTHESIS_PROFILE=deep for 25x the draws):

    engine = central differences        norm-wise relative error < 1e-7 (FD_RTOL), eps 1e-6
    engine = symbolic derivation        derive_cell at 30 digits, T <= 3, sizes <= 2, truncated too
    engine = generic RTRL               derive.verify.cells.rtrl, forward mode, full BPTT
    Truncation(k1, k2 >= T) = full
    truncated = chunks, state carried   Truncation(k, k) (and k1 < k2) vs full BPTT per window
    truncated = RTRL per window         the same windows by generic RTRL: truncation checked independently
    batch = sum over its sequences
    elman engine = numeric.bptt         numeric's own round-off measure (ROUNDOFF 1e-13)

Tolerances are justified in derive/verify/cells/properties.py (CELL_ROUNDOFF = 1e-12 on the
round-off measure of derive/verify/cells/compare.py: ~25x over n·ε for the longest chain of
operations drawn; central differences at eps 1e-6 are ~1e-9 accurate for the drawn weight
scales, 1e-7 is the article's bar). The routes themselves are checked first, without the
engine: RTRL against central differences and against the symbolic derivation.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings

from derive.cells import CELLS, load_cell
from derive.verify.cells.compare import central_differences, fd_relative_error, result_arrays, roundoff_error
from derive.verify.cells.problem import cell_problems
from derive.verify.cells.properties import CELL_ROUNDOFF, FD_RTOL, cell_properties
from derive.verify.cells.rtrl import CellGradients, cell_magnitudes, cell_rtrl
from derive.verify.cells.symbolic import symbolic_gradients

MGU_REF = "tests/user_cells/mgu.py:MGU"
NAMES = [*CELLS, "mgu"]
SCALE = max(1, settings.default.max_examples // 40)        # deep: 25x the ci draws


def cell_of(name):
    return load_cell(MGU_REF) if name == "mgu" else CELLS[name]


@pytest.fixture(scope="module")
def engines(tmp_path_factory):
    """numeric.cells.bptt's cell argument per name: the built-in name, or mgu's generated module."""
    from derive.verify.cells.user import generated_engine
    _, module, _ = generated_engine(MGU_REF, directory=tmp_path_factory.mktemp("mgu"))
    return {**{n: n for n in CELLS}, "mgu": module}


def run(prop, examples: int) -> None:
    """Run one property under hypothesis (the loaded profile's settings, ``examples`` draws)."""
    @settings(max_examples=examples * SCALE)
    @given(prop.strategy())
    def check(case):
        err = prop.measure(case)
        assert err <= prop.tolerance, f"{prop.name}: error {err:.3g} > {prop.tolerance:g} for {case.summary()}"
    check()


# ---- the routes, before the engine --------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_rtrl_equals_central_differences(name):
    cell = cell_of(name)

    @settings(max_examples=6 * SCALE)
    @given(cell_problems(cell, name, max_T=3, scales=(0.5, 1.0), activations=["tanh", "sigmoid", "identity"]))
    def check(p):
        kw = p.kwargs(truncation=False)
        kw["state0"] = kw["state0"] or {s: np.zeros_like(v) for s, v in cell_rtrl(cell, **kw).state_last.items()}
        r = cell_rtrl(cell, **kw)
        wrt = {f"grads.{k}": v for k, v in kw["params"].items()} | {f"dstate0.{k}": v for k, v in kw["state0"].items()}
        wrt["dxs"] = kw["xs"]
        fd = central_differences(lambda: cell_rtrl(cell, **kw).loss, wrt, 1e-6)
        A = result_arrays(r)
        mag = cell_magnitudes(cell, **kw)[0]
        assert fd_relative_error(fd, {k: A[k] for k in fd}, float(mag.loss), 1e-6, FD_RTOL)[0] < FD_RTOL
    check()


@pytest.mark.parametrize("name", NAMES)
def test_rtrl_equals_symbolic_derivation(name):
    cell = cell_of(name)

    @settings(max_examples=8 * SCALE)
    @given(cell_problems(cell, name, max_T=3, max_B=2, max_D=2, max_H=2, max_V=2, scales=(0.5, 1.0, 2.0)))
    def check(p):
        kw = p.kwargs(truncation=False)
        mag = cell_magnitudes(cell, **kw)[0]
        mag = mag._replace(loss=mag.loss + 1e-25 / 2.2e-16 * p.T * (p.B or 1))   # properties.symbolic_error
        assert roundoff_error(cell_rtrl(cell, **kw), symbolic_gradients(cell, **kw), mag)[0] <= CELL_ROUNDOFF
    check()


def test_rtrl_of_elman_equals_numeric_bptt():
    from numeric import bptt
    from numeric.params import PARAM_NAMES, Params

    @settings(max_examples=15 * SCALE)
    @given(cell_problems(CELLS["elman"], "elman", scales=(0.5, 1.0, 2.0)))
    def check(p):
        prm = Params(*(p.params[n] for n in PARAM_NAMES))
        v = bptt(prm, p.xs, p.targets, h0=None if p.state0 is None else p.state0["h"], activation=p.activation,
                 loss=p.loss, loss_at=p.loss_at, loss_weights=p.loss_weights)
        vanilla = CellGradients(v.loss, {n: a for n, a in v.grads},
                                {"h": v.dh0}, v.dxs, {"h": v.h_last})
        kw = p.kwargs(truncation=False)
        assert roundoff_error(cell_rtrl(p.cell, **kw), vanilla, cell_magnitudes(p.cell, **kw)[0])[0] <= CELL_ROUNDOFF
    check()


@pytest.mark.parametrize("name", ["lstm", "mgu"])
def test_roundoff_measure_flags_a_gradient_off_by_one_part_in_a_thousand(name):
    cell = cell_of(name)

    @settings(max_examples=10 * SCALE)
    @given(cell_problems(cell, name, scales=(0.5, 1.0)))
    def check(p):
        kw = p.kwargs(truncation=False)
        good = cell_rtrl(cell, **kw)
        k = max(good.grads, key=lambda n: np.abs(good.grads[n]).max())
        g = good.grads[k]
        if np.abs(g).max() < 1e-6 * max(1.0, abs(good.loss)):
            return
        wrong = {n: np.array(v) for n, v in good.grads.items()}
        wrong[k].flat[np.argmax(np.abs(g))] *= 1.001
        assert roundoff_error(good, good._replace(grads=wrong), cell_magnitudes(cell, **kw)[0])[0] > 1e3 * CELL_ROUNDOFF
    check()


# ---- the engine against the routes ---------------------------------------------------------------
EXAMPLES = {"engine = finite differences": 8, "engine = symbolic derivation": 8, "engine = generic RTRL": 15,
            "k2 >= T: truncated = full": 15, "truncated = chunks, state carried": 15,
            "truncated = RTRL per window": 10, "batch = sum over sequences": 15, "engine float32 = float64": 15,
            "elman engine = numeric.bptt": 40}


@pytest.mark.parametrize("prop_name", list(EXAMPLES))
@pytest.mark.parametrize("name", NAMES)
def test_engine_property(name, prop_name, engines):
    props = {p.name: p for p in cell_properties(cell_of(name), engines[name])}
    if prop_name not in props:
        assert prop_name == "elman engine = numeric.bptt" and name != "elman"
        return
    run(props[prop_name], EXAMPLES[prop_name])


def test_every_cell_has_the_issue_properties(engines):
    for name in NAMES:
        names = {p.name for p in cell_properties(cell_of(name), engines[name])}
        assert set(EXAMPLES) - {"elman engine = numeric.bptt"} <= names
    assert "elman engine = numeric.bptt" in {p.name for p in cell_properties(CELLS["elman"], "elman")}
