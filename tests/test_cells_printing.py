"""The cells' printing and commands: graph, jacobian (block matrix, carousel), truncated derivation, example.

The Jacobian is checked against sympy's own ``Matrix.jacobian`` of the states written out over
the states at k (an independent route), the one-step matrix notation against the VJP route
(``step_jacobian``), and the truncated derivation's dropped part against the full derivation.
Points are random small rationals from a fixed seed; equalities are exact or at 30 digits
(tolerance 1e-20: the values are O(1) and 30-digit arithmetic loses a few digits at most).
"""

from __future__ import annotations

import json
import random

import pytest
import sympy as sp

from derive.cells import derive_cell, unroll_cell
from derive.cells.jacobian import carousels, cell_jacobian, step_jacobian
from derive.cells.linearize import Diag, explicit, step_notation
from derive.cells.printing.truncated import dropped
from derive.cli import main

TOL = 1e-20


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def point(symbols, seed=0):
    rng = random.Random(seed)
    return {s: sp.Rational(rng.randint(-9, 9), 11) for s in symbols}


def evaluate(e, values):
    return sp.Matrix(e).xreplace(values).evalf(30)


def node_values(g, seed=0):
    """Leaves at a random point, then every node at 30 digits."""
    vals = point(g.leaves, seed)
    for sym, rhs in g.definitions.items():
        vals[sym] = sp.N(rhs.xreplace(vals), 30)
    return vals


def small(m):
    return max(abs(v) for v in sp.Matrix(m)) < TOL


@pytest.mark.parametrize("cell,H", [("lstm", 1), ("lstm", 2), ("gru", 2), ("jordan", 2), ("elman", 2)])
def test_one_step_matrix_notation_equals_the_vjp_route(cell, H):
    g = unroll_cell(cell, 3, hidden_size=H, output_size=H)
    vals = node_values(g)
    for r in (1, 3):
        blocks, J = step_notation(g, r), step_jacobian(g, r)
        rows = [sp.Matrix.hstack(*[sp.zeros(g.mat(a, 0).shape[0], g.mat(b, 0).shape[0]) if blocks[(a, b)] is None
                                   else sp.Matrix(explicit(blocks[(a, b)], g)) for b in g.cell.states])
                for a in g.cell.states]
        assert small(evaluate(sp.Matrix.vstack(*rows) - J, vals))


def test_lstm_step_reads_like_the_textbook():
    s = step_notation(unroll_cell("lstm", 2, hidden_size=2), 2, symbolic=True)
    assert s[("c", "c")] == Diag(sp.MatrixSymbol("f_r", sp.Symbol("H"), 1))
    assert str(s[("h", "c")]).startswith("diag(")


@pytest.mark.parametrize("cell,H,t,k", [("lstm", 1, 3, 1), ("lstm", 2, 3, 1), ("jordan", 1, 3, 1), ("elman", 2, 3, 0)])
def test_product_equals_sympy_jacobian_of_the_states_over_the_states_at_k(cell, H, t, k):
    g = unroll_cell(cell, t, hidden_size=H, output_size=H)
    states = list(g.cell.states)
    later = set().union(*(g.step_symbols(r) for r in range(k + 1, t + 1)))
    written = {}
    for sym, rhs in g.definitions.items():                # steps k+1..t over the states at k
        if sym in later:
            written[sym] = rhs.xreplace(written)
    s_t = sp.Matrix([written[v] for s in states for v in g.mat(s, t)])
    s_k = [v for s in states for v in g.mat(s, k)]
    want = s_t.jacobian(s_k)
    J = cell_jacobian(g, t, k)
    vals = node_values(g, seed=1)
    assert small(evaluate(want, vals) - evaluate(J.product, vals))
    for c in carousels(J):                                 # the split is exact: direct + the rest
        assert small(evaluate(J.blocks[(c.state, c.state)] - c.pure - c.remainder, vals))


def test_lstm_carousel_direct_term_is_the_product_of_the_forget_gates():
    g = unroll_cell("lstm", 4, hidden_size=2)
    (c,) = carousels(cell_jacobian(g, 4, 1))
    assert c.state == "c"
    assert c.pure == sp.diag(*[g.mat("f", 4)[j] * g.mat("f", 3)[j] * g.mat("f", 2)[j] for j in range(2)])


@pytest.mark.parametrize("cell,T,H,tr", [("lstm", 4, 1, "2,2"), ("gru", 5, 2, "2,3"), ("jordan", 4, 1, "1,2")])
def test_dropped_part_is_full_minus_truncated(cell, T, H, tr):
    g = unroll_cell(cell, T, hidden_size=H, output_size=H)
    d, full = derive_cell(g, truncation=tr), derive_cell(g)
    part = dropped(d)
    base = node_values(g, seed=2)
    fv, tv = dict(base), dict(base)
    for sym, rhs in full.adjoint_definitions().items():
        fv[sym] = sp.N(rhs.xreplace(fv), 30)
    for sym, rhs in d.adjoint_definitions().items():
        tv[sym] = sp.N(rhs.xreplace(tv), 30)
    for a in part.adjoints:
        for sym, rhs in zip(a.symbol, a.compact):
            tv[sym] = sp.N(rhs.xreplace(tv), 30)
    assert part.adjoints, "a truncation with a window starting after step 1 drops something"
    for name in d.gradient_names:
        total = part.total(name)
        total = sp.Matrix([[total]]) if g.scalar else sp.Matrix(total)
        assert small(full.compact_matrix(name).xreplace(fv) - d.compact_matrix(name).xreplace(tv)
                     - total.xreplace(tv))


def test_truncated_text_lists_windows_paths_and_dropped_terms(capsys):
    code, out, _ = run(capsys, "derive", "--cell", "lstm", "--T", "4", "--truncation", "2,2")
    assert code == 0
    assert "  τ = 4: losses L3, L4; δ reaches steps 3..4" in out
    assert "    dropped paths:   L3 -> s1,s2; L4 -> s1,s2" in out
    assert "    dropped (full - truncated) = " in out and "Delta_c2_tau4 = " in out


def test_graph_cell_lstm_lists_both_chains_and_the_gates(capsys):
    code, out, _ = run(capsys, "graph", "--cell", "lstm", "--T", "2")
    assert code == 0 and "  h: h0 -> h1 -> h2" in out and "  c: c0 -> c1 -> c2" in out
    assert "  og2 <- W_xo, x2, W_ho, h1, b_o" in out
    _, dot, _ = run(capsys, "graph", "--cell", "lstm", "--T", "2", "--format", "dot")
    assert "{ rank=same; c0 c1 c2; }" in dot and "c1 -> c2 [style=bold];" in dot
    _, js, _ = run(capsys, "graph", "--cell", "gru", "--T", "2", "--format", "json")
    data = json.loads(js)
    assert data["settings"]["cell"] == "gru" and data["states"] == {"h": ["h0", "h1", "h2"]}
    g = unroll_cell("gru", 2)
    assert {sp.Symbol(n["name"]): sp.sympify(n["definition"]) for n in data["nodes"]} == g.definitions


@pytest.mark.parametrize("command", [["graph", "--T", "2"], ["jacobian", "--T", "3", "--k", "1", "--bound"],
                                     ["graph", "--T", "2", "--format", "dot"]])
def test_elman_output_is_the_default_output(capsys, command):
    _, default, _ = run(capsys, *command)
    _, explicit_elman, _ = run(capsys, *command, "--cell", "elman")
    assert default == explicit_elman and ("Unrolled RNN" in default or "∂h_3/∂h_1" in default)


def test_jacobian_cell_lstm_prints_the_carousel(capsys):
    code, out, _ = run(capsys, "jacobian", "--cell", "lstm", "--step", "3", "--k", "1", "--hidden-size", "2", "--bound")
    assert code == 0 and out.startswith("∂s_3/∂s_1 for cell lstm")
    assert "  ∂c_r/∂c_{r-1} = diag(f_r)" in out
    assert "  ∂c_3/∂c_1 = diag(f_3) diag(f_2) + (the terms through h)" in out
    assert "Bound (spectral norm" in out
    _, js, _ = run(capsys, "jacobian", "--cell", "lstm", "--T", "3", "--k", "1", "--format", "json")
    data = json.loads(js)
    J = cell_jacobian(unroll_cell("lstm", 3), 3, 1)
    assert data["settings"]["cell"] == "lstm" and data["states"] == ["h", "c"]
    assert sp.sympify(data["blocks"]["c,c"]) == J.blocks[("c", "c")]
    assert data["carousels"][0]["state"] == "c" and data["step"]["c,c"] == "diag(f_r)"


@pytest.mark.parametrize("argv", [["jacobian", "--cell", "lstm", "--format", "unicode"],
                                  ["graph", "--cell", "gru", "--format", "unicode"],
                                  ["jacobian", "--cell", "lstm", "--T", "3", "--step", "4"],
                                  ["example", "--cell", "lstm", "--format", "json", "--digits", "3"]])
def test_bad_cell_requests_are_one_line(capsys, argv):
    code, _, err = run(capsys, *argv)
    assert code == 2 and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_example_json_has_the_elman_layout_plus_the_cell(capsys):
    _, elman, _ = run(capsys, "example", "--format", "json")
    _, lstm, _ = run(capsys, "example", "--cell", "lstm", "--format", "json")
    e, c = json.loads(elman), json.loads(lstm)
    assert set(c) == set(e) | {"cell"} and c["cell"] == c["settings"]["cell"] == "lstm"
    assert [s["t"] for s in c["forward"]] == [1, 2, 3] and len(c["parameters"]["x"]) == 3
    # the canonical forget bias (data file) and the gradient decimals of the text output agree
    assert c["parameters"]["b_f"] == {"exact": "1", "value": 1.0}
    _, text, _ = run(capsys, "example", "--cell", "lstm", "--digits", "12")
    line = next(ln for ln in text.splitlines() if ln.startswith("  ∂L/∂W_hf = "))
    assert abs(c["gradients"]["W_hf"]["value"] - float(line.split(" = ")[1])) < 1e-11
    for step in c["forward"]:
        assert sp.Float(step["f"]["value"]) > 0.5          # b_f = 1 keeps the forget gate open: f > 1/2


def test_example_markdown_has_tables_by_step(capsys):
    code, out, _ = run(capsys, "example", "--cell", "gru", "--format", "markdown")
    assert code == 0 and out.startswith("# Backpropagation through time, exactly: cell gru, T = 3")
    assert "| t | pre_r | r | pre_z | z | pre_n | n | h | o | L |" in out


def test_symbols_page_lists_every_name_of_the_builtin_cells():
    from pathlib import Path

    from derive.cells import CELLS
    page = (Path(__file__).resolve().parents[1] / "docs" / "symbols.md").read_text(encoding="utf-8")
    for name, cell in CELLS.items():
        d = derive_cell(unroll_cell(cell, 1))
        adjoints = [f"{a.symbol}".removesuffix("1") + "{t}" for a in d.adjoints]
        names = [*cell.params, *cell.states, *(f"{s}0" for s in cell.states), *cell.nodes, *adjoints]
        missing = [n for n in names if f"`{n}`" not in page]
        assert missing == [], f"docs/symbols.md does not list {missing} of cell {name}"
