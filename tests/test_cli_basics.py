"""The bptt console script: --help, --version, every subcommand registered, errors exit 2."""

import re
import subprocess
import sys

import pytest

from derive import __version__
from derive.cli import COMMANDS, build_parser, main


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "derive.cli", *args], capture_output=True, text=True)


def test_version_and_help():
    r = run_cli("--version")
    assert r.returncode == 0 and __version__ in r.stdout
    r = run_cli("--help")
    assert r.returncode == 0 and "COMMAND" in r.stdout


def test_every_planned_subcommand_is_registered():
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    assert sorted(sub.choices) == sorted(COMMANDS)


def test_gradcheck_command_passes_and_bad_values_exit_2(capsys):
    assert main(["gradcheck", "--T", "3", "--hidden-size", "2"]) == 0
    assert "PASS" in capsys.readouterr().out
    assert main(["gradcheck", "--T", "0"]) == 2
    assert "--T must be an integer >= 1; got 0" in capsys.readouterr().err
    assert main(["gradcheck", "--activation", "soft"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--activation 'soft' is not known; choose one of identity, relu, sigmoid, tanh." in err


@pytest.mark.parametrize("flag", ["--hidden-size", "--input-size"])
def test_gradcheck_rejects_non_positive_sizes(flag, capsys):
    assert main(["gradcheck", flag, "0"]) == 2
    assert "must be an integer >= 1" in capsys.readouterr().err


def test_a_bad_flag_value_is_one_line_with_exit_2():
    r = run_cli("gradcheck", "--dtype", "float16")
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and "invalid choice: 'float16'" in r.stderr


@pytest.mark.parametrize("argv, extra", [
    (["derive", "--T", "3", "--t", "2"], "--t 2"),     # --t is not --truncation
    (["train", "--step", "3"], "--step 3"),            # nor --step --steps
    (["memory", "--meas"], "--meas"),
])
def test_abbreviated_flags_are_refused_not_guessed(argv, extra, capsys):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"bptt {argv[0]}: error: unrecognized arguments: {extra}" in err


@pytest.mark.parametrize("argv, words", [
    (["train", "--seq-length", "0", "--steps", "1"], ["--seq-length must be >= 1", "got 0"]),
    (["plot", "tanh", "--width", "0"], ["--width/--height must be > 0", "got 0.0x5.0"]),
    (["plot", "loss", "--steps", "0"], ["--steps must be an integer >= 1", "got 0"]),
])
def test_zero_values_are_refused_not_replaced_by_defaults(argv, words, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    for w in words:
        assert w in err, (w, err)


@pytest.mark.parametrize("argv", [
    ["generate", "--activation", "tanh", "--loss", "sse", "--out", "{dir}"],
    ["plot", "tanh", "--out", "{dir}"],
    ["train", "--steps", "1", "--plot", "{dir}"],
])
def test_an_output_path_that_is_a_directory_is_one_line_and_exit_2(argv, tmp_path, capsys):
    assert main([a.format(dir=tmp_path) for a in argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "directory" in err[0].lower(), err


@pytest.mark.parametrize("argv", [["plot", "tanh", "--out", "{dir}/t.jpg"],
                                  ["train", "--steps", "1", "--plot", "{dir}/loss.txt"]])
def test_figures_refuse_a_name_that_is_not_png(argv, tmp_path, capsys):
    assert main([a.format(dir=tmp_path) for a in argv]) == 2
    assert ".png" in capsys.readouterr().err and not list(tmp_path.iterdir())


def test_check_leaves_no_hypothesis_folder_in_the_working_directory(tmp_path):
    import os
    import shutil
    from pathlib import Path
    shutil.copy(Path(__file__).parent / "broken_impls" / "backward_loop_off_by_one.py", tmp_path / "impl.py")
    env = {k: v for k, v in os.environ.items() if k != "HYPOTHESIS_STORAGE_DIRECTORY"}
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    r = subprocess.run([sys.executable, "-m", "derive.cli", "check", "impl.py:column", "--examples", "3"],
                       capture_output=True, text=True, cwd=tmp_path, env=env)
    assert r.returncode == 1 and "WRONG" in r.stdout, (r.stdout, r.stderr)    # it finds the bug
    assert not (tmp_path / ".hypothesis").exists()
    # hypothesis's storage, if it writes any (its constants cache; off during a check since the
    # search draws from the seed alone), goes to the user's cache, never the working directory
    assert {p.name for p in tmp_path.iterdir()} <= {"impl.py", "cache", "__pycache__"}


@pytest.mark.parametrize("command, old, new", [
    (["memory", "--T", "10", "--batch", "1"], "--hidden", "--hidden-size"),
    (["memory", "--T", "10", "--hidden-size", "4"], "--input", "--input-size"),
    (["memory", "--T", "10", "--hidden-size", "4"], "--output", "--output-size"),
    (["analyze", "--T", "5", "--format", "json"], "--hidden", "--hidden-size"),
    (["analyze", "--T", "5", "--format", "json"], "--input", "--input-size"),
    (["jacobian", "--T", "4"], "--t", "--step"),
])
def test_size_flags_have_one_documented_spelling_and_the_old_one_still_works(command, old, new, capsys):
    from derive.cli import main

    assert main([*command, new, "3"]) == 0
    documented = capsys.readouterr().out
    assert main([*command, old, "3"]) == 0
    assert capsys.readouterr().out == documented            # the alias means the same
    with pytest.raises(SystemExit):
        main([command[0], "--help"])
    help_text = capsys.readouterr().out
    assert new in help_text and not re.search(rf"{re.escape(old)}(?![-\w])", help_text.replace(new, ""))


def test_every_command_spells_sizes_with_size():
    from derive.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command").choices
    shown = {name: {s for a in p._actions if a.help != "==SUPPRESS==" for s in a.option_strings}
             for name, p in sub.items()}
    short = {name: sorted(f for f in flags if f in ("--hidden", "--input", "--output", "--t"))
             for name, flags in shown.items()}
    assert not any(short.values()), short
