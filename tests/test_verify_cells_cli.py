"""`bptt verify --cell C`: built-in cells, a user's Cell, a user's generated module on its own,
the JSON "cell" field, clear errors (exit 2), and a slipped engine caught (exit 1)."""

from __future__ import annotations

import json

import pytest

from derive.cli import main

ISSUE_PROPERTIES = {"engine = finite differences", "engine = symbolic derivation", "engine = generic RTRL",
                    "k2 >= T: truncated = full", "truncated = chunks, state carried", "batch = sum over sequences"}


def run_json(capsys, *args) -> tuple[int, dict]:
    code = main(["verify", *args, "--format", "json", "--no-progress"])
    return code, json.loads(capsys.readouterr().out)


def test_builtin_cell_runs_every_issue_property_and_names_its_cell(capsys):
    code, data = run_json(capsys, "--cell", "jordan", "--examples", "3")
    assert code == 0 and data["schema"] == 1 and data["cell"] == "jordan" and data["passed"]
    assert {p["name"] for p in data["properties"]} >= ISSUE_PROPERTIES
    assert all(p["examples"] >= 2 and p["max_error"] <= p["tolerance"] for p in data["properties"])


def test_elman_also_checks_the_vanilla_engine(capsys):
    code, data = run_json(capsys, "--cell", "elman", "--examples", "3", "--only", "numeric.bptt")
    assert code == 0 and [p["name"] for p in data["properties"]] == ["elman engine = numeric.bptt"]


def test_plain_verify_json_is_unchanged_without_a_cell(capsys):
    code, data = run_json(capsys, "--examples", "2", "--only", "RTRL")
    assert code == 0 and "cell" not in data and "unrolled_examples" in data


def test_a_users_cell_file_is_generated_and_checked(capsys):
    code, data = run_json(capsys, "--cell", "tests/user_cells/mgu.py:MGU", "--examples", "3", "--only", "RTRL")
    assert code == 0 and data["cell"] == "tests/user_cells/mgu.py:MGU"
    assert data["engine"].startswith("generated now from tests/user_cells/mgu.py:MGU")


def _generate(tmp_path, capsys):
    out = tmp_path / "mgu_engine.py"
    assert main(["generate", "--cell", "tests/user_cells/mgu.py:MGU", "--out", str(out)]) == 0
    capsys.readouterr()
    return out


def test_a_generated_module_is_checked_with_no_other_code(tmp_path, capsys):
    module = _generate(tmp_path, capsys)
    alone = tmp_path / "alone"
    alone.mkdir()
    (alone / "engine.py").write_text(module.read_text())        # no cell definition beside it
    code, data = run_json(capsys, "--cell", f"{alone / 'engine.py'}:mgu", "--examples", "3")
    assert code == 0 and data["engine"] == f"generated module {alone / 'engine.py'}"
    assert {p["name"] for p in data["properties"]} >= ISSUE_PROPERTIES


def test_a_slip_in_a_generated_module_fails_with_a_counterexample(tmp_path, capsys):
    module = _generate(tmp_path, capsys)
    src = module.read_text()
    line = next(ln for ln in src.splitlines() if ln.strip().startswith('grads["b_f"] ='))
    module.write_text(src.replace(line, line.replace("= ", "= 1.001 * ", 1)))     # ∂L/∂b_f off by 1e-3
    code, data = run_json(capsys, "--cell", f"{module}:mgu", "--examples", "10", "--only", "RTRL")
    assert code == 1 and not data["passed"]
    c = data["properties"][0]["counterexample"]
    assert c is not None and "from numeric.cells import bptt" in c["code"]


@pytest.mark.parametrize("cell, words", [
    ("nope", ["--cell 'nope' is not known", "elman, gru, jordan, lstm"]),
    ("missing.py:X", ["no file 'missing.py'"]),
    ("tests/user_cells/mgu.py:NOPE", ["has no 'NOPE'"]),
])
def test_bad_cells_exit_2_with_one_line(cell, words, capsys):
    assert main(["verify", "--cell", cell, "--no-progress"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and all(w in err for w in words), err


def test_a_generated_module_under_the_wrong_name_is_refused(tmp_path, capsys):
    module = _generate(tmp_path, capsys)
    assert main(["verify", "--cell", f"{module}:MGU", "--no-progress"]) == 2
    assert f"write {module}:mgu" in capsys.readouterr().err


def test_the_same_seed_gives_the_same_table(capsys):
    runs = [run_json(capsys, "--cell", "gru", "--examples", "4", "--seed", "3", "--only", "RTRL")[1] for _ in range(2)]
    assert runs[0]["properties"][0]["max_error"] == runs[1]["properties"][0]["max_error"]
    assert runs[0]["properties"][0]["worst_case"] == runs[1]["properties"][0]["worst_case"]


def test_a_generated_module_states_its_cell_exactly():
    # the rebuilt cell is what the independent routes run: it must be the cell the module was made from
    from derive.cells import CELLS
    from derive.verify.cells.user import cell_from_module
    from numeric.generated.cells import load

    for name, cell in CELLS.items():
        rebuilt = cell_from_module(load(name))
        assert str(rebuilt) == str(cell) and rebuilt.params == cell.params and rebuilt.states == cell.states
