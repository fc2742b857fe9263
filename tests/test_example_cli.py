"""`bptt example`: the readable account, the JSON contract, overrides and one-line errors.

Expected numbers come from math.tanh / mpmath / numeric.bptt, never from derive/example.py.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys

import mpmath
import numpy as np
import pytest
import sympy as sp

import numeric
from derive.cli import main


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["example", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def six(x: float) -> str:
    """6 significant digits, trailing zeros kept (how the tables print)."""
    return f"{x:#.6g}"


def numeric_grads(x, y, *, W_xh=0.5, W_hh=0.5, W_hy=1.0, b_h=0.0, b_y=0.0, h0=0.0,
                  activation="tanh", loss="half_sse", loss_at="all"):
    P = numeric.Params(np.array([[W_xh]]), np.array([[W_hh]]), np.array([b_h]), np.array([[W_hy]]),
                       np.array([b_y]))
    r = numeric.bptt(P, np.array(x, float)[:, None], np.array(y, float)[:, None], h0=np.array([h0]),
                     activation=activation, loss=loss, loss_at=loss_at)
    g = {k: float(getattr(r.grads, k).item()) for k in ("W_xh", "W_hh", "W_hy", "b_h", "b_y")}
    g["h0"] = float(r.dh0.item())
    return r.loss, g


@pytest.fixture(scope="module")
def canonical_json():
    out = subprocess.run([sys.executable, "-m", "derive.cli", "example", "--format", "json"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_example_without_flags_prints_the_step_by_step_account(capsys):
    code, out, err = run(capsys)
    assert code == 0 and err == ""
    for heading in ("Setup", "Forward pass", "Backward pass", "Each step's contribution to every gradient",
                    "Gradients", "What the article says"):
        assert heading in out
    assert "W_xh = 1/2   W_hh = 1/2   W_hy = 1   b_h = 0   b_y = 0   h_0 = 0" in out
    assert "x = (1, 1/4, 1/4)   y = (1/2, 1/4, 3/4)" in out
    # forward by hand: a_1 = 1/2, h_1 = tanh(1/2); a_2 = 1/8 + h_1/2; a_3 = 1/8 + h_2/2
    h1 = math.tanh(0.5)
    h2 = math.tanh(0.125 + h1 / 2)
    h3 = math.tanh(0.125 + h2 / 2)
    for h in (h1, h2, h3):
        assert six(h) in out
    assert "h1 = tanh(1/2)" in out and "δ_3 = h3 - 3/4" in out
    for fp in (1 - h1 ** 2, 1 - h2 ** 2, 1 - h3 ** 2):          # tanh' in the table and the notes
        assert six(fp) in out
    loss, grads = numeric_grads([1, .25, .25], [.5, .25, .75])
    for g in grads.values():
        assert six(g) in out
    assert six(loss) in out


def test_the_article_notes_all_hold_for_the_default(capsys):
    _, out, _ = run(capsys)
    notes = out.split("What the article says")[1]
    assert notes.count("✓") == 4 and "✗" not in notes
    assert "W_hh's contribution at t = 1 is ∂L/∂a_1·h_0 = 0 exactly, because h_0 = 0" in notes
    assert "collects all three losses" in notes
    assert "0.78–0.92" in notes and "< 1" in notes


def test_console_script_prints_the_same_account(capsys):
    proc = subprocess.run([sys.executable, "-m", "derive.cli", "example"], capture_output=True,
                          text=True, timeout=120)
    _, out, _ = run(capsys)
    assert proc.returncode == 0 and proc.stdout == out


def test_json_is_the_contract_and_matches_numeric(canonical_json):
    d = canonical_json
    assert d["schema"] == 1
    assert list(d) == ["schema", "parameters", "settings", "forward", "loss", "backward", "gradients"]
    assert d["settings"] == {"activation": "tanh", "loss": "half_sse", "loss_at": "all"}
    assert [v["exact"] for v in d["parameters"]["x"]] == ["1", "1/4", "1/4"]
    assert [v["exact"] for v in d["parameters"]["targets"]] == ["1/2", "1/4", "3/4"]
    loss, grads = numeric_grads([1, .25, .25], [.5, .25, .75])
    assert d["loss"]["value"] == pytest.approx(loss, rel=1e-12)
    for k, g in grads.items():
        assert d["gradients"][k]["value"] == pytest.approx(g, rel=1e-12), k
    assert d["backward"][0]["contrib"]["W_hh"] == {"exact": "0", "value": 0.0}


def test_json_exact_strings_are_read_back_by_sympify(canonical_json):
    d = canonical_json
    vs = [d["loss"], *d["gradients"].values(), *d["parameters"]["x"]]
    for row in d["forward"]:
        vs += [row["a"], row["h"], row["yhat"], row["loss"]]
    for row in d["backward"]:
        vs += [row["delta"], row["da"], *row["contrib"].values()]
    for v in vs:
        assert float(sp.N(sp.sympify(v["exact"]), 30)) == pytest.approx(v["value"], rel=1e-15, abs=1e-300)
    assert d["forward"][0]["h"]["exact"] == "tanh(1/2)"


def test_digits_gives_up_to_50_significant_digits(capsys):
    with mpmath.workdps(70):
        want = mpmath.nstr(mpmath.tanh(mpmath.mpf(1) / 2), 50, strip_zeros=False)
    code, out, _ = run(capsys, "--digits", "50")
    assert code == 0 and want in out and len(want.replace("0.", "", 1)) == 50


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu", "identity"])
@pytest.mark.parametrize("loss, loss_at", [("half_sse", "all"), ("sse", "last"), ("mse", "all"), ("mse", "last")])
def test_every_value_can_be_overridden(capsys, activation, loss, loss_at):
    argv = ["--x", "1,2", "--targets", "1,2", "--w-xh", "0.5", "--w-hh", "0.1", "--w-hy", "2",
            "--b-h", "0", "--b-y", "0", "--h0", "0", "--activation", activation, "--loss", loss,
            "--loss-at", loss_at, "--format", "json"]
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    d = json.loads(out)
    assert d["parameters"]["W_hh"]["exact"] == "1/10"                 # 0.1 read as 1/10
    assert d["settings"] == {"activation": activation, "loss": loss, "loss_at": loss_at}
    _, grads = numeric_grads([1, 2], [1, 2], W_hh=0.1, W_hy=2.0, activation=activation, loss=loss,
                             loss_at=loss_at)
    for k, g in grads.items():
        # float64 round-off over two steps; abs for gradients that are 0 exactly
        assert d["gradients"][k]["value"] == pytest.approx(g, rel=1e-12, abs=1e-15), k


def test_negative_values_are_accepted_as_written(capsys):
    code, out, err = run(capsys, "--x", "-1,2", "--targets", "1,-1/2", "--w-hh", "-1/2", "--h0", "-.5",
                         "--format", "json")
    assert code == 0, err
    d = json.loads(out)
    assert [v["exact"] for v in d["parameters"]["x"]] == ["-1", "2"]
    assert d["parameters"]["W_hh"]["exact"] == "-1/2" and d["parameters"]["h0"]["exact"] == "-1/2"


def test_any_length_works(capsys):
    code, out, _ = run(capsys, "--x", "1", "--targets", "1/2")
    assert code == 0 and "T = 1" in out
    xs = ",".join(["1/4"] * 12)
    code, out, _ = run(capsys, "--x", xs, "--targets", xs, "--format", "json")
    assert code == 0 and len(json.loads(out)["forward"]) == 12


@pytest.mark.parametrize("fmt, marks", [
    ("markdown", ["# Backpropagation through time", "| t | a_t | h_t | ŷ_t | L_t |", "`h1 = tanh(1/2)`"]),
    ("latex", [r"\begin{array}", r"\tanh{\left(\frac{1}{2} \right)}", r"\delta_{1}", r"\approx"]),
])
def test_other_formats(capsys, fmt, marks):
    code, out, _ = run(capsys, "--format", fmt)
    assert code == 0
    for m in marks:
        assert m in out


@pytest.mark.parametrize("argv, names", [
    (["--x", "1,2"], ["--targets", "--x", "T = 2"]),
    (["--x", "1,2", "--targets", "1"], ["--targets has 1 value", "--x has 2"]),
    (["--w-hh", "abc"], ["--w-hh", "fraction"]),
    (["--w-hh", "1/0"], ["--w-hh", "denominator 0"]),
    (["--x", "1,,2", "--targets", "1,2,3"], ["--x", "empty item"]),
    (["--x", "", "--targets", ""], ["--x", "at least one"]),
    (["--activation", "softplus"], ["--activation", "tanh, sigmoid, relu, identity"]),
    (["--loss", "cross_entropy"], ["--loss", "half_sse, sse, mse"]),
    (["--loss-at", "first"], ["--loss-at", "all, last"]),
    (["--digits", "0"], ["--digits", "1 to 50"]),
    (["--digits", "51"], ["--digits", "1 to 50"]),
    (["--digits", "six"], ["--digits"]),
    (["--format", "yaml"], ["--format", "text, markdown, latex, json"]),
])
def test_bad_input_is_one_line_with_exit_status_2(capsys, argv, names):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("bptt example: error: ")
    for n in names:
        assert n in err


def test_code_in_a_number_is_never_run(capsys, tmp_path):
    target = tmp_path / "ran"
    code, out, err = run(capsys, "--w-hh", f"__import__('pathlib').Path({str(target)!r}).touch()")
    assert code == 2 and "--w-hh" in err
    assert not target.exists()
