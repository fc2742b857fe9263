"""`bptt derive`, `bptt jacobian`, `bptt graph`: formats, the JSON contracts, one-line errors."""

from __future__ import annotations

import json

import pytest
import sympy as sp

from derive.cli import main
from derive.gradients import derive_bptt
from derive.graph import unroll
from derive.jacobian import jacobian_product
from derive.verify.proof import check_equal_at_points


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys, *argv: str) -> dict:
    code, out, err = run(capsys, *argv, "--format", "json")
    assert code == 0, err
    return json.loads(out)


def test_derive_json_follows_the_contract(capsys):
    data = run_json(capsys, "derive", "--T", "3")
    assert set(data) == {"schema", "T", "settings", "delta", "gradients"}
    assert data["schema"] == 1 and data["T"] == 3
    assert data["settings"] == {"hidden_size": 1, "input_size": 1, "output_size": 1, "activation": "tanh",
                                "loss": "half_sse", "loss_at": "all", "truncation": None}
    assert [d["t"] for d in data["delta"]] == [3, 2, 1]
    assert list(data["gradients"]) == ["W_hh", "W_xh", "W_hy", "b_h", "b_y", "h0"]
    d = derive_bptt(unroll(3))
    for name, item in data["gradients"].items():
        assert item["expanded"] is None
        assert sp.sympify(item["compact"]) == d.gradients[name].compact
    assert sp.sympify(data["delta"][1]["compact"]) == d.deltas[1].compact


def test_derive_json_with_truncation_carries_the_dropped_terms(capsys):
    data = run_json(capsys, "derive", "--T", "4", "--truncation", "2,2", "--wrt", "W_hh,b_y")
    assert list(data["gradients"]) == ["W_hh", "b_y"]
    assert data["settings"]["truncation"] == {"k1": 2, "k2": 2}
    d = derive_bptt(unroll(4), truncation="2,2")
    assert sp.sympify(data["gradients"]["W_hh"]["dropped"]) == d.gradients["W_hh"].dropped
    assert data["gradients"]["b_y"]["dropped"] == "0"
    assert {(x["t"], x["tau"]) for x in data["delta"]} == {(2, 2), (1, 2), (4, 4), (3, 4)}


def test_derive_json_expanded_parses_back_to_the_expansion(capsys):
    data = run_json(capsys, "derive", "--T", "2", "--activation", "sigmoid", "--expanded")
    d = derive_bptt(unroll(2, activation="sigmoid"))
    for name, item in data["gradients"].items():
        assert sp.sympify(item["expanded"]) == d.gradients[name].expanded


def test_derive_json_with_cse_rebuilds_the_expanded_form(capsys):
    data = run_json(capsys, "derive", "--T", "4", "--expanded", "--cse")
    d = derive_bptt(unroll(4))
    reps = [(sp.Symbol(name), sp.sympify(s)) for name, s in data["cse"]]
    for name, item in data["gradients"].items():
        full = sp.sympify(item["expanded"])
        for sym, value in reversed(reps):
            full = full.xreplace({sym: value})
        assert check_equal_at_points(full, d.expanded(name), d.unrolled.leaves, points=2) < 1e-45, name


def test_derive_vector_json_has_matrices_and_matrix_notation(capsys):
    data = run_json(capsys, "derive", "--T", "2", "--hidden-size", "2", "--output-size", "3",
                    "--loss", "cross_entropy")
    item = data["gradients"]["W_hy"]
    assert sp.sympify(item["compact"]).shape == (3, 2)
    assert item["matrix"] == "(softmax(o_1) - y_1) h_1ᵀ + (softmax(o_2) - y_2) h_2ᵀ"


@pytest.mark.parametrize("fmt,needle", [("text", "delta2 = W_hh*delta3*(1 - h3**2) + W_hy*(o2 - y2)"),
                                        ("pretty", "δ₃ = W_hy⋅(o₃ - y₃)"),
                                        ("latex", r"\frac{\partial L}{\partial W_{hh}} &=")])
def test_derive_prints_every_format(capsys, fmt, needle):
    code, out, _ = run(capsys, "derive", "--T", "3", "--format", fmt)
    assert code == 0 and needle in out


def test_jacobian_cli_prints_product_and_bound(capsys):
    code, out, _ = run(capsys, "jacobian", "--T", "4", "--t", "4", "--k", "1", "--bound")
    assert code == 0 and "∂h_4/∂h_1 = W_hh**3*(1 - h2**2)*(1 - h3**2)*(1 - h4**2)" in out
    assert "(γ‖W_hh‖)^3 = |W_hh|**3" in out
    data = run_json(capsys, "jacobian", "--T", "3", "--t", "3", "--k", "0", "--hidden-size", "2", "--bound",
                    "--activation", "sigmoid")
    J = jacobian_product(unroll(3, hidden_size=2, activation="sigmoid"), 3, 0)
    assert sp.sympify(data["product"]) == J.product and data["bound"]["gamma"] == "1/4"
    assert [f["r"] for f in data["factors"]] == [3, 2, 1]


def test_graph_cli_prints_dot_text_and_json(capsys):
    code, out, _ = run(capsys, "graph", "--T", "3", "--format", "dot")
    assert code == 0 and out.startswith("digraph unrolled {") and "h2 -> a3" in out
    code, out, _ = run(capsys, "graph", "--T", "2")
    assert code == 0 and "a2 = W_hh*h1 + W_xh*x2 + b_h" in out
    data = run_json(capsys, "graph", "--T", "2", "--loss-at", "last")
    assert [n["name"] for n in data["nodes"]][-2:] == ["L2", "L"] and ["L2", "L"] in data["edges"]


@pytest.mark.parametrize("argv,message", [
    (["derive", "--T", "0"], "--T must be an integer >= 1; got '0'"),
    (["derive", "--T", "three"], "--T must be an integer >= 1; got 'three'"),
    (["derive", "--activation", "tan"], "--activation 'tan' is not known"),
    (["derive", "--loss", "l1"], "--loss 'l1' is not known"),
    (["derive", "--wrt", "W_zz"], "--wrt 'W_zz' is not known"),
    (["derive", "--cse"], "--cse prints the expanded form; add --expanded"),
    (["derive", "--truncation", "3,1"], "k2 >= k1"),
    (["derive", "--truncation", "a,b"], "truncation must be 'k' or 'k1,k2'"),
    (["derive", "--hidden-size", "-2"], "--hidden-size must be an integer >= 1"),
    (["derive", "--format", "xml"], "--format 'xml' is not known"),
    (["jacobian", "--T", "3", "--t", "2", "--k", "2"], "k must satisfy 0 <= k < t = 2"),
    (["jacobian", "--T", "3", "--t", "5"], "t must satisfy 1 <= t <= T = 3"),
    (["jacobian", "--norm", "fro"], "--norm 'fro' is not known"),
    (["graph", "--T", "-1"], "--T must be an integer >= 1; got '-1'"),
    (["graph", "--format", "svg"], "--format 'svg' is not known"),
])
def test_bad_input_is_one_line_with_exit_status_2(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith(f"bptt {argv[0]}: error: ") and message in err


def test_help_lists_the_symbolic_commands(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert all(f"    {name}" in out for name in ("derive", "jacobian", "graph"))


def test_jacobian_expanded_is_refused_where_it_would_run_for_minutes(capsys):
    from derive.cli import main
    assert main(["jacobian", "--T", "8", "--hidden-size", "2", "--expanded"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "t - k <= 5" in err and "got t - k = 8" in err
    assert main(["jacobian", "--T", "3", "--hidden-size", "2", "--expanded"]) == 0   # small: printed


def test_generate_refuses_straight_line_flags_without_unrolled(capsys, tmp_path):
    # `bptt generate --T 5` used to ignore --T and rewrite the committed module
    from derive.cli import main
    assert main(["generate", "--T", "5", "--out", str(tmp_path / "x.py")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--T applies only to --unrolled" in err
    assert not (tmp_path / "x.py").exists()
