"""Issue 13 cells: the API (a cell is data), the registry's names, errors, loading user cells,
the elman cell against today's derive_bptt, and the matrix notation against the compact form."""

from __future__ import annotations

import textwrap

import pytest
import sympy as sp

from derive.cells import CELLS, CellBuilder, CellError, derive_cell, load_cell, prove, resolve_cell, sigmoid, tanh, unroll_cell
from derive.cells.notation import explicit, notation
from derive.gradients import derive_bptt
from derive.graph import unroll

ISSUE_PARAMS = {
    "elman": ["W_xh", "W_hh", "b_h", "W_hy", "b_y"],
    "jordan": ["W_xh", "W_oh", "b_h", "W_hy", "b_y"],
    "gru": ["W_xr", "W_hr", "b_r", "W_xz", "W_hz", "b_z", "W_xn", "b_xn", "W_hn", "b_hn", "W_hy", "b_y"],
    "lstm": [f"{p}{g}" for g in "ifgo" for p in ("W_x", "W_h", "b_")] + ["W_hy", "b_y"],
}


@pytest.mark.parametrize("name", sorted(ISSUE_PARAMS))
def test_registry_has_the_issues_parameter_names(name):
    assert sorted(CELLS[name].params) == sorted(ISSUE_PARAMS[name])


def test_registry_shapes_and_states_follow_the_issue():
    assert CELLS["jordan"].params["W_oh"] == ("H", "V") and CELLS["jordan"].states == {"o": "V"}
    assert CELLS["lstm"].states == {"h": "H", "c": "H"}
    assert CELLS["lstm"].gradient_names[-2:] == ("h0", "c0")
    assert "o" not in CELLS["lstm"].nodes and "og" in CELLS["lstm"].nodes   # o_t stays the logits
    assert CELLS["gru"].params["W_hn"] == ("H", "H") and CELLS["gru"].params["b_hn"] == ("H",)


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "identity", "relu"])
@pytest.mark.parametrize("sizes", [dict(), dict(hidden_size=2, input_size=2, output_size=2)])
def test_elman_cell_gives_derive_bptt_gradients(activation, sizes):
    old = derive_bptt(unroll(2, activation=activation, **sizes))
    new = derive_cell(unroll_cell("elman", 2, activation=activation, **sizes))
    for n in ("W_hh", "W_xh", "W_hy", "b_h", "b_y", "h0"):
        diff = (old.expanded_matrix(n) - new.expanded_matrix(n)).applyfunc(sp.expand)
        assert diff == sp.zeros(*diff.shape), n


def test_elman_cell_truncated_gives_derive_bptt_gradients():
    old = derive_bptt(unroll(4), truncation="1,2")
    new = derive_cell(unroll_cell("elman", 4), truncation="1,2")
    for n in ("W_hh", "W_xh", "h0"):
        assert sp.expand(old.expanded_matrix(n)[0] - new.expanded_matrix(n)[0]) == 0, n


@pytest.mark.parametrize("cell", sorted(CELLS))
def test_matrix_notation_equals_the_compact_form(cell):
    d = derive_cell(unroll_cell(cell, 2, hidden_size=2, output_size=2), truncation=None)
    n = notation(d)
    for a, b in zip(n.adjoints, d._adj):
        assert (explicit(a.compact, n) - b.compact).applyfunc(sp.simplify) == sp.zeros(*b.compact.shape)
    for g in d.gradient_names:
        assert (explicit(n.gradient(g), n) - d.compact_matrix(g)).applyfunc(sp.expand) == sp.zeros(*d.shape(g))


def test_lstm_has_a_delta_for_every_state_and_gate_preactivation():
    d = derive_cell(unroll_cell("lstm", 2))
    names = [str(a.symbol) for a in d.adjoints if a.t == 2]
    assert names == ["delta2", "delta_c2", "delta_og2", "delta_g2", "delta_f2", "delta_i2"]


def test_compact_derivation_is_linear_in_T():
    sizes = [sum(sp.count_ops(e) for e in derive_cell(unroll_cell("gru", T)).adjoint_definitions().values())
             for T in (10, 20)]
    assert sizes[1] <= 2.1 * sizes[0]


MGU = '''
from derive.cells import CellBuilder, sigmoid, tanh

c = CellBuilder("mgu", states={"h": "H"})
x, h = c.input, c.prev("h")
f = c.node("f", sigmoid(c.affine("f", x, h)))
n = c.node("n", tanh(c.param("W_xn", "H", "D") @ x + c.param("W_hn", "H", "H") @ (f * h) + c.param("b_n", "H")))
c.update("h", (1 - f) * h + f * n)
MGU = c.build()
'''


def test_a_users_cell_loads_from_a_file_and_proves(tmp_path):
    path = tmp_path / "mgu.py"
    path.write_text(MGU)
    cell = resolve_cell(f"{path}:MGU")
    assert cell is load_cell(f"{path}:MGU") or cell.name == "mgu"
    assert prove(f"{path}:MGU", T=2, hidden_size=2, points=1).ok


def test_indrnn_and_peephole_take_a_dozen_lines():
    c = CellBuilder("indrnn", states={"h": "H"})
    c.update("h", tanh(c.param("W_xh", "H", "D") @ c.input + c.param("u", "H") * c.prev("h") + c.param("b_h", "H")))
    assert prove(c.build(), T=2, hidden_size=2, points=1).ok
    p = CellBuilder("peephole", states={"h": "H", "c": "H"})
    x, h, cp = p.input, p.prev("h"), p.prev("c")
    i = p.node("i", sigmoid(p.affine("i", x, h) + p.param("w_ci", "H") * cp))
    f = p.node("f", sigmoid(p.affine("f", x, h) + p.param("w_cf", "H") * cp))
    g = p.node("g", tanh(p.affine("g", x, h)))
    cn = p.update("c", f * cp + i * g)
    og = p.node("og", sigmoid(p.affine("o", x, h) + p.param("w_co", "H") * cn))
    p.update("h", og * tanh(cn))
    assert prove(p.build(), T=2, points=1).ok


def test_unknown_function_names_the_equation():
    c = CellBuilder("bad", states={"h": "H"})
    from derive.cells.expr import Act
    with pytest.raises(CellError, match=r"equation h = softsign\(.*unknown function 'softsign'"):
        c.update("h", Act("softsign", c.prev("h")))


def test_shape_mismatch_names_the_equation():
    c = CellBuilder("bad", states={"h": "H"})
    with pytest.raises(CellError, match=r"equation h = tanh\(W @ x\): shape mismatch in W @ x: W is \('H', 'H'\)"):
        c.update("h", tanh(c.param("W", "H", "H") @ c.input))


def test_a_state_never_updated_is_named():
    c = CellBuilder("bad", states={"h": "H", "c": "H"})
    c.update("h", tanh(c.param("W", "H", "H") @ c.prev("c")))
    with pytest.raises(CellError, match="state 'c' is never updated"):
        c.build()


def test_names_that_sympify_would_misread_are_refused():
    with pytest.raises(CellError, match="does not read back with sympy.sympify"):
        CellBuilder("bad", states={"S": "H"})


def test_unknown_cell_name_lists_the_registry():
    with pytest.raises(CellError, match="choose one of elman, gru, jordan, lstm"):
        resolve_cell("lstn")


def test_a_file_without_the_name_is_one_line(tmp_path):
    path = tmp_path / "cell.py"
    path.write_text("X = 1\n")
    with pytest.raises(CellError, match="X is int, not a Cell"):
        load_cell(f"{path}:X")
    with pytest.raises(CellError, match="no such file"):
        load_cell(f"{tmp_path}/none.py:X")


def test_json_strings_read_back_with_sympify():
    import json

    from derive.cells.printing import derivation_json
    d = derive_cell(unroll_cell("lstm", 2, hidden_size=2), truncation="1,1")
    data = json.loads(json.dumps(derivation_json(d)))
    assert data["schema"] == 1 and data["settings"]["cell"] == "lstm"
    for item in data["delta"]:
        a = next(a for a in d.adjoints if str(a.symbol) == item["symbol"] or a.symbol == sp.sympify(item["symbol"]))
        assert sp.sympify(item["compact"]) == a.compact
    assert sp.sympify(data["gradients"]["W_hf"]["compact"]) == d.gradients["W_hf"]


def test_lstm_cell_to_cell_jacobian_is_diag_f_the_carousel():
    from derive.cells.jacobian import cell_jacobian
    g = unroll_cell("lstm", 3, hidden_size=2)
    J = cell_jacobian(g, 2, 1).blocks[("c", "c")]
    assert J == sp.diag(*g.mat("f", 2))


@pytest.mark.parametrize("cell", ["gru", "lstm", "jordan"])
def test_step_jacobian_equals_sympy_jacobian_of_the_step(cell):
    from derive.cells.jacobian import step_jacobian
    g = unroll_cell(cell, 2, hidden_size=2, output_size=2)
    prev = [s for st in g.cell.states for s in g.mat(st, 1)]
    now = sp.Matrix([s for st in g.cell.states for s in g.mat(st, 2)])
    # express step 2 in the states at step 1: substitute only step 2's definitions, in order
    step2 = g.step_symbols(2)
    sub: dict = {}
    for sym, rhs in g.definitions.items():
        if sym in step2:
            sub[sym] = rhs.xreplace(sub)
    want = now.xreplace(sub).jacobian(prev)
    got = step_jacobian(g, 2).xreplace(sub)
    # at a random rational point (simplify is too slow for the LSTM); 1e-25 at 40 digits
    import random

    import mpmath

    from derive.verify.proof import mp_eval
    rng = random.Random(1)
    pt = {s: sp.Rational(rng.randint(-9, 9), rng.randint(1, 9)) for s in (want - got).free_symbols}
    with mpmath.workdps(40):
        for a, b in zip(want, got):
            assert abs(mp_eval(a, pt) - mp_eval(b, pt)) < 1e-25


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_worked_example_gradients_equal_sympy_diff_at_the_canonical_point(cell):
    import mpmath

    from derive.cells.example import point, worked_example
    from derive.cells.proof import naive_gradients
    from derive.verify.proof import mp_eval
    ex = worked_example(cell, digits=20)
    g, vals = point(cell)
    naive = naive_gradients(g)
    with mpmath.workdps(40):
        for n, v in ex.gradients.items():
            want = mp_eval(naive[n][0], vals)
            # 20 significant digits printed; compare to 1e-18 relative (floor 1 for values near 0)
            assert abs(mpmath.mpf(v.decimal) - want) <= 1e-18 * max(1, abs(want)), n


@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_state_jacobian_norm_is_below_the_product_of_step_norms(cell):
    import random

    from derive.cells.jacobian import cell_jacobian
    g = unroll_cell(cell, 3, hidden_size=2)
    rng = random.Random(0)
    point = {s: sp.Rational(rng.randint(-9, 9), rng.randint(1, 9)) for s in g.leaves}
    lhs, rhs = cell_jacobian(g, 3, 0).bound_at(point)
    assert 0 < lhs <= rhs * (1 + 1e-12)      # sub-multiplicativity; slack for float64 rounding
