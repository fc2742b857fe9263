"""The bptt console script: --help, --version, every subcommand registered, errors exit 2."""

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
    assert err.count("\n") == 1 and "activation='soft' is not known" in err


@pytest.mark.parametrize("flag", ["--hidden-size", "--input-size"])
def test_gradcheck_rejects_non_positive_sizes(flag, capsys):
    assert main(["gradcheck", flag, "0"]) == 2
    assert "must be an integer >= 1" in capsys.readouterr().err


def test_a_bad_flag_value_is_one_line_with_exit_2():
    r = run_cli("gradcheck", "--dtype", "float16")
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and "invalid choice: 'float16'" in r.stderr
