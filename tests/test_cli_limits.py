"""`bptt`: no tracebacks, no unbounded work, messages that name the flag (issue 10, section 5).

Guards are tested by refusal only: the function doing the work is replaced by one that fails the
test, so a guard that stops refusing fails fast instead of running for minutes.
"""

from __future__ import annotations

import importlib
import re
import warnings

import numpy as np
import pytest

from derive.cli import main
from numeric import Params
from numeric.charrnn import CharModel, save_model, Vocab


def one_line_error(capsys, command: str) -> str:
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"bptt {command}: error:") and "\n" not in err, err
    assert "Traceback" not in err
    return err


@pytest.fixture
def no_work(monkeypatch):
    """Make every expensive entry point fail the test if it is reached."""
    def boom(*a, **k):
        raise AssertionError("the guarded work was started")
    for module, names in (("derive.graph", ["unroll"]), ("numeric.analysis.jacobians", ["random_rnn", "analyze"]),
                          ("numeric.charrnn.sample", ["sample"]),     # the module; numeric.charrnn.sample is also a function
                          ("derive.codegen.unrolled", ["generate_unrolled_source", "write_unrolled"])):
        for name in names:
            monkeypatch.setattr(importlib.import_module(module), name, boom)


@pytest.fixture
def model_file(tmp_path):
    path = tmp_path / "m.npz"
    save_model(path, CharModel(Params.init(5, 7, 5, scale=1.0, seed=3), Vocab(tuple("abcde")),
                               {"activation": "tanh", "prefix": "b"}))
    return path


# ---- unbounded work is refused up front, with the estimate and --force ---------------------------
@pytest.mark.parametrize("argv", [
    ["derive", "--T", "100000"],
    ["derive", "--hidden-size", "300"],
    ["jacobian", "--hidden-size", "300"],
    ["graph", "--hidden-size", "300"],
    ["derive", "--expanded", "--T", "64", "--wrt", "W_hh"],
    ["derive", "--expanded", "--hidden-size", "3", "--T", "6"],
    ["jacobian", "--hidden-size", "16"],                  # 3.4 MB in 31 s before the guard
    ["analyze", "--hidden-size", "3000"],
    ["analyze", "--T", "1000000"],
    ["plot", "heatmap", "--hidden-size", "3000"],
    ["generate", "--unrolled", "--T", "6", "--hidden-size", "4", "--input-size", "4", "--output-size", "4"],
])
def test_unbounded_work_is_refused_with_the_estimate_and_the_force_flag(argv, no_work, capsys):
    assert main(argv) == 2
    err = one_line_error(capsys, argv[0])
    assert re.search(r"would (print|need|take) about [\d.]+", err) and "--force" in err


def test_a_long_sample_is_refused_before_sampling(model_file, no_work, capsys):
    assert main(["sample", "--model", str(model_file), "--length", str(10 ** 8)]) == 2
    err = one_line_error(capsys, "sample")
    assert "--length 100000000 would print about 100 MB" in err and "--force" in err


def test_a_long_training_sample_is_refused_before_training(monkeypatch, capsys):
    monkeypatch.setattr(importlib.import_module("numeric.charrnn.train"), "train", lambda *a, **k: pytest.fail("training started"))
    assert main(["train", "--sample-length", str(10 ** 8), "--quiet"]) == 2
    assert "--sample-length" in one_line_error(capsys, "train")


def test_jacobian_expanded_refusal_names_force_and_force_lifts_it(capsys):
    assert main(["jacobian", "--hidden-size", "2", "--T", "6", "--expanded"]) == 2
    assert "--force" in one_line_error(capsys, "jacobian")
    # just above the limit (2^6 = 64 > 32 terms), small enough to run: --force runs it
    assert main(["jacobian", "--hidden-size", "2", "--T", "6", "--expanded", "--force"]) == 0


def test_small_work_still_runs_under_the_guards(capsys):
    assert main(["derive", "--T", "4", "--wrt", "W_hh"]) == 0
    assert main(["graph", "--T", "2", "--hidden-size", "2"]) == 0
    assert main(["analyze", "--T", "5", "--hidden-size", "4"]) == 0
    assert "δ" in capsys.readouterr().out


# ---- no tracebacks -------------------------------------------------------------------------------
def test_analyze_prints_norms_beyond_the_float_range(capsys):
    # identity, ρ(W_hh) = 20, T = 300: ‖∂h_T/∂h_0‖ ~ 20^300 ~ 1e390 > the largest float (1.8e308)
    with pytest.warns(RuntimeWarning, match="overflowed"):     # h_t itself leaves the float range
        assert main(["analyze", "--activation", "identity", "--radius", "20", "--T", "300", "--force"]) == 0
    out = capsys.readouterr().out
    rows = re.findall(r"^\s+(\d+)\s+(\d+)\s+(\S+)$", out, re.M)
    assert len(rows) == 51                        # every 6th k of 300, plus k = 0
    k, gap, value = rows[-1]
    assert (k, gap) == ("0", "300")
    exponent = int(value.split("e+")[1])
    # the product of 300 factors of norm ~20 (ρ = 20; ‖·‖₂ >= ρ): 20^300 = 1e390, within 1e30 either way
    assert 360 < exponent < 420


def test_plot_decay_of_a_growing_factor_over_many_steps_writes_the_figure(tmp_path, capsys):
    out = tmp_path / "d.png"
    assert main(["plot", "decay", "--factors", "2", "--steps", "2000", "--out", str(out),
                 "--width", "3", "--height", "2", "--dpi", "50"]) == 0
    assert out.stat().st_size > 0
    assert "2^2000" not in capsys.readouterr().err


@pytest.mark.parametrize("argv, match", [
    (["plot", "tanh", "--zmax", "1e308"], "zmax must be a number in (0, 1000]"),
    (["plot", "decay", "--steps", "1000000000"], "steps must be an integer from 1 to 100000"),
    (["plot", "tanh", "--dpi", "2"], "--dpi >= 10"),          # FreeType's "invalid ppem value" before
])
def test_plot_ranges_it_cannot_draw_are_one_line(argv, match, tmp_path, capsys):
    assert main([*argv, "--out", str(tmp_path / "f.png")]) == 2
    assert match in one_line_error(capsys, "plot")


# ---- messages name the flag ----------------------------------------------------------------------
@pytest.mark.parametrize("argv, match", [
    (["derive", "--truncation", "²"], "--truncation must be 'k' or 'k1,k2' with integers; got '²'"),
    (["memory", "--truncation", "²"], "--truncation must be 'k' or 'k1,k2'"),
    (["analyze", "--seed", "-1"], "--seed must be an integer >= 0; got -1"),
    (["plot", "heatmap", "--seed", "-1"], "--seed must be an integer >= 0"),
    (["analyze", "--input-size", "0"], "--input-size must be an integer >= 1"),
    (["analyze", "--hidden-size", "0"], "--hidden-size must be an integer >= 1"),
    (["memory", "--hidden-size", "0"], "--hidden-size must be an integer >= 1"),
    (["memory", "--batch", "0"], "--batch must be an integer >= 1"),
    (["train", "--hidden-size", "0", "--quiet"], "--hidden-size must be an integer >= 1"),
    (["train", "--lr", "0", "--quiet"], "--lr must be a finite number > 0"),
    (["generate", "--unrolled", "--hidden-size", "9"], "--hidden-size for --unrolled must be <= 4"),
])
def test_messages_name_the_flag_not_the_python_parameter(argv, match, capsys):
    assert main(argv) == 2
    assert match in one_line_error(capsys, argv[0])


def test_a_tiny_temperature_samples_greedily_without_numpy_warnings(model_file, capsys):
    from numeric.charrnn.sample import next_index

    o = np.array([0.5, 2.0, -1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")            # a raw NumPy RuntimeWarning fails the test
        with np.errstate(all="raise"):
            assert all(next_index(o, 1e-310, np.random.default_rng(s)) == 1 for s in range(5))
    greedy = main(["sample", "--model", str(model_file), "--length", "20", "--temperature", "0"])
    first = capsys.readouterr()
    assert main(["sample", "--model", str(model_file), "--length", "20", "--temperature", "1e-310",
                 "--seed", "1"]) == greedy == 0
    second = capsys.readouterr()
    assert second.out == first.out and second.err == ""


# ---- output paths and flags that would do nothing -----------------------------------------------
def test_generate_unrolled_writes_to_the_current_directory_not_the_package(tmp_path, monkeypatch, capsys):
    from derive.codegen.unrolled import UNROLLED_DIR

    before = set(UNROLLED_DIR.iterdir())
    monkeypatch.chdir(tmp_path)
    assert main(["generate", "--unrolled", "--T", "2", "--hidden-size", "1", "--input-size", "1",
                 "--output-size", "1"]) == 0
    assert set(UNROLLED_DIR.iterdir()) == before
    assert [p.name for p in tmp_path.iterdir()] == ["bptt_tanh_half_sse_T2_D1_H1_V1.py"]


@pytest.mark.parametrize("argv", [
    ["generate", "--out", "{d}/missing/x.py"],
    ["generate", "--unrolled", "--out", "{d}/missing/x.py"],
    ["train", "--save", "{d}/missing/m.npz", "--quiet"],
    ["train", "--plot", "{d}/missing/l.png", "--quiet"],
    ["plot", "tanh", "--out", "{d}/missing/t.png"],
])
def test_no_command_creates_missing_output_directories(argv, tmp_path, capsys):
    assert main([a.format(d=tmp_path) for a in argv]) == 2
    assert "does not exist" in one_line_error(capsys, argv[0])
    assert not (tmp_path / "missing").exists()


@pytest.mark.parametrize("argv, flag", [
    (["plot", "tanh", "--factors", "0.5"], "--factors"),
    (["plot", "memory", "--T", "5"], "--T"),
    (["plot", "decay", "--zmax", "3"], "--zmax"),
    (["plot", "tanh", "--dtype", "float32"], "--dtype"),
    (["plot", "loss", "--model", "{model}", "--steps", "5"], "--steps"),
    (["memory", "--measure-limit", "3"], "--measure-limit"),
    (["memory", "--measure-limit", "1", "--T", "0"], "--measure-limit"),     # refused before the bad --T
    (["memory", "--table", "--T", "5"], "--T"),
    (["graph", "--params"], "--params"),
    (["analyze", "--every", "2", "--format", "json"], "--every"),
    (["sample", "--model", "{model}", "--temperature", "0", "--seed", "1"], "--seed"),
    (["generate", "--force"], "--force"),
])
def test_flags_that_would_do_nothing_are_refused(argv, flag, model_file, tmp_path, capsys):
    argv = [a.format(model=model_file) for a in argv]
    if argv[0] == "plot":
        argv += ["--out", str(tmp_path / "f.png")]
    assert main(argv) == 2
    err = one_line_error(capsys, argv[0])
    assert flag in err and "drop" in err
    assert not (tmp_path / "f.png").exists()


# ---- the worked example is linear in T ------------------------------------------------------------
def test_worked_example_of_250_steps_prints_every_row(capsys):
    # T = 250 raised RecursionError (δ_1 nests T levels deep) and T = 200 took 28 s, quadratic
    ones = ",".join(["1"] * 250)
    assert main(["example", "--x", ones, "--targets", ones]) == 0
    out = capsys.readouterr().out
    for t in (1, 2, 125, 249, 250):
        # one row in each of the four tables: forward decimals, forward exact, backward, contributions
        assert len(re.findall(rf"^  {t} ", out, re.M)) == 4, t
    assert "L_250's share of δ_t, t = 250 … 1:" in out
    assert out.count(" → ") >= 249                          # the whole chain of 250 shares


def test_worked_example_json_of_a_long_sequence_is_refused_with_the_estimate(capsys):
    ones = ",".join(["1"] * 250)
    assert main(["example", "--x", ones, "--targets", ones, "--format", "json"]) == 2
    err = one_line_error(capsys, "example")
    assert "would print about" in err and "--force" in err and "--format text" in err
    assert main(["example", "--x", ones, "--targets", ones, "--format", "json", "--force"]) == 2
    assert "too deep to print" in one_line_error(capsys, "example")


def test_worked_example_json_refuses_digits(capsys):
    assert main(["example", "--format", "json", "--digits", "3"]) == 2
    assert "--digits" in one_line_error(capsys, "example")
