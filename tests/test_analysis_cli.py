"""`bptt analyze`: spectral quantities, the Pascanu conditions, measured ‖∂h_T/∂h_k‖ per k."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from derive.cli import main
from numeric.charrnn import save_model, train, TrainConfig
from numeric.analysis.jacobians import random_rnn, spectral_norm, spectral_radius


@pytest.fixture(scope="module")
def hello_model(tmp_path_factory):
    path = tmp_path_factory.mktemp("m") / "hello.npz"
    save_model(path, train(config=TrainConfig(steps=300, hidden=32)).model)
    return path


def _json(capsys, argv):
    assert main(["analyze", *argv, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_analyze_random_weights_reports_the_spectrum_of_W_hh(capsys):
    d = _json(capsys, ["--hidden-size", "20", "--scale", "0.1", "--seed", "3", "--T", "15"])
    W = random_rnn(8, 20, 8, scale=0.1, seed=3).W_hh
    assert math.isclose(d["spectral_norm"], spectral_norm(W)) and math.isclose(d["spectral_radius"], spectral_radius(W))
    assert d["gamma"] == 1.0 and d["T"] == 15 and len(d["log_norms"]) == 16 and d["log_norms"][-1] == 0.0
    assert d["vanishing_sufficient_holds"] is (d["gamma_times_norm"] < 1)
    assert math.isclose(d["decay_factor"], math.exp(d["log_norms"][0] / 15))


def test_large_radius_makes_exploding_possible_and_small_scale_guarantees_vanishing(capsys):
    big = _json(capsys, ["--radius", "1.5", "--scale", "0.3", "--T", "10"])
    assert big["exploding_necessary_holds"] and not big["vanishing_sufficient_holds"]
    small = _json(capsys, ["--T", "10"])                  # the training init: scale 0.01
    assert small["vanishing_sufficient_holds"] and small["decay_factor"] < 0.2
    sig = _json(capsys, ["--activation", "sigmoid", "--radius", "2.0", "--scale", "0.3", "--T", "10"])
    assert sig["gamma"] == 0.25 and math.isclose(sig["gamma_times_norm"], 0.25 * sig["spectral_norm"])


def test_analyze_text_output_names_every_quantity(capsys):
    assert main(["analyze", "--T", "12"]) == 0
    out = capsys.readouterr().out
    for s in ("spectral norm", "spectral radius", "γ = sup|f'|", "sufficient condition γ‖W_hh‖₂ < 1",
              "necessary condition  γ‖W_hh‖₂ > 1", "‖∂h_T/∂h_k‖₂", "effective decay factor"):
        assert s in out
    rows = [line.split() for line in out.splitlines() if line.strip() and line.split()[0].isdigit()]
    assert [int(r[0]) for r in rows] == list(range(12, -1, -1))


def test_analyze_a_saved_model_on_its_own_greedy_text(hello_model, capsys):
    assert main(["analyze", "--model", str(hello_model), "--T", "24"]) == 0
    out = capsys.readouterr().out
    assert "inputs 'hello world hello world '" in out and "H=32, V=8" in out
    d = _json(capsys, ["--model", str(hello_model), "--input-text", "hello hello", "--T", "5"])
    assert d["T"] == 5 and np.all(np.isfinite(d["log_norms"]))


@pytest.mark.parametrize("argv, match", [
    (["--T", "-1"], "--T must be an integer >= 1"),
    (["--hidden-size", "0"], "--hidden-size must be an integer >= 1"),
    (["--radius", "-2"], "radius must be a finite number >= 0"),
    (["--input-text", "abc"], "--input-text needs --model"),
    (["--model", "/nonexistent/m.npz"], "does not exist"),
    (["--every", "0"], "--every must be >= 1"),
])
def test_analyze_bad_input_is_one_line_and_exit_2(argv, match, capsys):
    assert main(["analyze", *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("bptt analyze: error:") and match in err and "\n" not in err


def test_analyze_input_text_with_unseen_characters_is_exit_2(hello_model, capsys):
    assert main(["analyze", "--model", str(hello_model), "--input-text", "hello!"]) == 2
    assert "never seen: ['!']" in capsys.readouterr().err


def test_memory_measure_beyond_the_limit_is_refused_before_allocating(capsys):
    from derive.cli import main
    assert main(["memory", "--T", "1000000", "--hidden-size", "4096", "--batch", "64", "--measure"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--measure-limit" in err


@pytest.mark.parametrize("extra", [["--hidden-size", "5"], ["--scale", "2", "--activation", "relu"]])
def test_random_weight_flags_with_a_model_are_refused_not_ignored(hello_model, extra, capsys):
    from derive.cli import main
    assert main(["analyze", "--model", str(hello_model), *extra]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "random weights" in err and f"drop {extra[0]}" in err
