"""`bptt derive --cell`: the cell route prints the general derivation; elman keeps today's output."""

from __future__ import annotations

import json

import sympy as sp

from derive.cells import derive_cell, unroll_cell
from derive.cli import main


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_derive_cell_lstm_prints_the_carousel_line_in_matrix_notation(capsys):
    code, out, _ = run(capsys, "derive", "--cell", "lstm", "--T", "2", "--hidden-size", "2")
    assert code == 0
    assert "delta_c_1 = delta_c_2 ⊙ f_2 + (delta_1 ⊙ og_1) ⊙ (1 - tanh(c_1)∘²)" in out
    assert "∂L/∂W_hf = delta_f_1 h_0ᵀ + delta_f_2 h_1ᵀ" in out


def test_derive_cell_json_has_the_cell_and_parses(capsys):
    code, out, _ = run(capsys, "derive", "--cell", "gru", "--T", "2", "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["schema"] == 1 and data["settings"]["cell"] == "gru"
    d = derive_cell(unroll_cell("gru", 2))
    assert sp.sympify(data["gradients"]["W_hn"]["compact"]) == d.gradients["W_hn"]


def test_default_cell_is_todays_elman_output(capsys):
    _, default, _ = run(capsys, "derive", "--T", "2")
    _, explicit, _ = run(capsys, "derive", "--T", "2", "--cell", "elman")
    assert default == explicit and default.startswith("BPTT derivation: T = 2 (scalar")


def test_unknown_cell_is_one_line_naming_the_flag(capsys):
    code, _, err = run(capsys, "derive", "--cell", "lstn")
    assert code == 2 and "--cell" in err and "choose one of elman, gru, jordan, lstm" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_users_cell_file_from_the_command_line(capsys, tmp_path):
    path = tmp_path / "ind.py"
    path.write_text("from derive.cells import CellBuilder, tanh\n"
                    "c = CellBuilder('indrnn', states={'h': 'H'})\n"
                    "c.update('h', tanh(c.param('W_xh', 'H', 'D') @ c.input + c.param('u', 'H') * c.prev('h')"
                    " + c.param('b_h', 'H')))\n"
                    "IND = c.build()\n")
    code, out, _ = run(capsys, "derive", "--cell", f"{path}:IND", "--T", "2", "--wrt", "u")
    assert code == 0 and "∂L/∂u = " in out


def test_example_cell_lstm_prints_the_canonical_example(capsys):
    from derive.cells.example import worked_example
    code, out, _ = run(capsys, "example", "--cell", "lstm")
    assert code == 0 and out.startswith("Worked example: cell lstm, T = 3")
    assert f"∂L/∂b_f = {worked_example('lstm', digits=6).gradients['b_f'].decimal}" in out


def test_example_cell_refuses_value_flags_naming_them(capsys):
    code, _, err = run(capsys, "example", "--cell", "gru", "--x", "1,2")
    assert code == 2 and "--x" in err and "Traceback" not in err
