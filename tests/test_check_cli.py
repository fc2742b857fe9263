"""`bptt check FILE.py:FUNCTION`: exit status 0 correct, 1 wrong, 2 unusable; text and JSON.

Most tests call derive.cli in-process (the checker itself imports and runs the user's file
in-process); one runs the real console script to see the real exit status.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from derive.cli import main

IMPLS = Path(__file__).parent / "broken_impls"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["check", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_correct_implementation_exits_0_with_a_text_report(capsys):
    code, out, _ = run(capsys, f"{IMPLS / 'correct_article.py'}:column", "--examples", "20")
    assert code == 0
    assert out.startswith("bptt check: CORRECT")
    assert "varied through fn's signature: activation, loss_at, truncation" in out


def test_wrong_implementation_exits_1_and_names_the_wrong_gradients(capsys):
    code, out, _ = run(capsys, f"{IMPLS / 'softmax_without_minus_one.py'}:column", "--examples", "20",
                       "--no-shrink")
    assert code == 1
    assert "bptt check: WRONG" in out and "p_t − onehot(y_t)" in out
    assert "loss      right" in out and "W_hy      WRONG    1" in out


def test_json_report_is_parseable_with_schema_1(capsys):
    code, out, _ = run(capsys, f"{IMPLS / 'batch_mean_instead_of_sum.py'}:row", "--convention", "row",
                       "--examples", "15", "--no-shrink", "--format", "json")
    d = json.loads(out)
    assert code == 1 and d["schema"] == 1 and d["exit_status"] == 1
    assert d["wrong"] == ["db"] and d["quantities"]["db"]["depends_on"]["batch"] == {"wrong": [">1"],
                                                                                    "right": ["1"]}


def test_char_rnn_script_passes_through_the_adapter_with_one_hot_inputs(capsys):
    code, out, _ = run(capsys, f"{IMPLS / 'char_rnn_adapter.py'}:check_fn", "--inputs", "one-hot",
                       "--examples", "15", "--format", "json")
    d = json.loads(out)
    assert code == 0 and d["checked"]["inputs"] == "one_hot"
    assert d["checked"]["sizes"]["D"] == d["checked"]["sizes"]["V"]


def test_float32_is_checked_at_the_float32_tolerance(capsys):
    code, out, _ = run(capsys, f"{IMPLS / 'correct_row_vectorized.py'}:row", "--convention", "row",
                       "--dtype", "float32", "--examples", "15", "--format", "json")
    d = json.loads(out)
    assert code == 0 and d["dtype"] == "float32" and d["tolerance"]["rtol"] == 1e-3


@pytest.mark.parametrize("source, target, message", [
    ("def f(:\n    pass\n", "f", "does not import: SyntaxError: invalid syntax (line 1)"),
    ("x = 1 / 0\n", "f", "does not import: ZeroDivisionError: division by zero (line 1)"),
    ("import sys\nsys.exit(3)\n", "f", "called sys.exit(3)"),
    ("def g(params, xs, targets, h0):\n    pass\n", "f", "has no function 'f'; it defines ['g']"),
    ("f = 3\n", "f", "is not callable; it is int 3"),
    ("def f(params, xs, targets, h0):\n    return 1.0, {}\n", "f", "grads is missing ['W_xh', 'W_hh'"),
    ("def f(params, xs, targets, h0):\n    raise KeyError('W')\n", "f", "fn raised KeyError: 'W' (at "),
])
def test_unusable_input_exits_2_with_a_clear_message(capsys, tmp_path, source, target, message):
    path = tmp_path / "user_rnn.py"
    path.write_text(source)
    for fmt in ("text", "json"):
        code, out, _ = run(capsys, f"{path}:{target}", "--examples", "5", "--format", fmt)
        assert code == 2
        text = json.loads(out)["error"] if fmt == "json" else out
        assert message in text, text


def test_missing_file_and_malformed_target_exit_2(capsys, tmp_path):
    code, out, _ = run(capsys, f"{tmp_path / 'nope.py'}:f")
    assert code == 2 and "no such file" in out
    code, out, _ = run(capsys, "just_a_name")
    assert code == 2 and "FILE.py:function" in out.replace("path/to/file.py:function", "FILE.py:function")


def test_bad_flag_values_are_one_line_errors(capsys):
    code, out, err = run(capsys, f"{IMPLS / 'correct_article.py'}:column", "--truncation", "x")
    assert code == 2 and out == "" and err.startswith("bptt check: error: truncation must be")
    assert err.count("\n") == 1
    code, _, err = run(capsys, f"{IMPLS / 'correct_article.py'}:column", "--examples", "0")
    assert code == 2 and "examples must be an integer >= 1; got 0" in err


def test_what_the_user_code_prints_goes_to_stderr(capsys, tmp_path):
    path = tmp_path / "chatty.py"
    path.write_text(f"import sys\nsys.path.insert(0, {str(IMPLS)!r})\nimport correct_article\n"
                    "print('loaded!')\n"
                    "def f(params, xs, targets, h0):\n"
                    "    print('debug', len(xs))\n"
                    "    return correct_article.column(params, xs, targets, h0)\n")
    code, out, err = run(capsys, f"{path}:f", "--examples", "5", "--format", "json")
    assert code == 0 and json.loads(out)["verdict"] == "correct"
    assert "loaded!" in err and "debug" in err


def test_console_script_exit_status_is_the_verdict():
    r = subprocess.run([sys.executable, "-m", "derive.cli", "check",
                        f"{IMPLS / 'dh0_not_through_whh.py'}:row", "--convention", "row",
                        "--examples", "10", "--no-shrink"], capture_output=True, text=True)
    assert r.returncode == 1, r.stderr
    assert "The mistake: your ∂L/∂h0 (dh0) equals the reference's ∂L/∂a_1, without the final W_hhᵀ" in r.stdout
