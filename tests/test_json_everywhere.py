"""Issue 12 §3: every `bptt` subcommand takes --format json and writes one JSON document
(``"schema": 1``) on stdout; tiny sizes keep each run well under a few seconds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from derive.cli import main
from derive.cli.app import COMMANDS

CORRECT = str(Path(__file__).parent / "broken_impls" / "correct_vectorized.py") + ":column"


def arguments(tmp: Path) -> dict[str, list[str]]:
    """One small, valid invocation per subcommand (without --format json)."""
    return {
        "example": [],
        "derive": ["--T", "2"],
        "jacobian": ["--T", "3", "--t", "3", "--k", "1"],
        "graph": ["--T", "2"],
        "generate": ["--out", str(tmp / "gen.py")],
        "verify": ["--examples", "2"],
        "check": [CORRECT, "--examples", "2"],
        "train": ["--steps", "2", "--hidden-size", "3", "--quiet", "--save", str(tmp / "m.npz"),
                  "--plot", str(tmp / "loss.png")],
        "sample": ["--model", str(tmp / "m.npz"), "--length", "5", "--seed", "1"],
        "memory": ["--T", "10", "--hidden-size", "4"],
        "analyze": ["--T", "5", "--hidden-size", "3"],
        "plot": ["tanh", "--out", str(tmp / "tanh.png"), "--width", "3", "--height", "2", "--dpi", "30"],
        "gradcheck": ["--T", "3", "--hidden-size", "2"],
    }


def run_json(capsys, argv: list[str]) -> dict:
    capsys.readouterr()
    status = main([*argv, "--format", "json"])
    out = capsys.readouterr().out
    assert status == 0, (argv, out)
    doc = json.loads(out)                       # one document: json.loads refuses trailing text
    assert doc["schema"] == 1, argv
    return doc


def test_every_subcommand_answers_format_json(tmp_path, capsys):
    args = arguments(tmp_path)
    assert set(args) == set(COMMANDS)           # a new subcommand must be added here too
    for name in args:                           # dict order: train (which saves m.npz) before sample
        run_json(capsys, [name, *args[name]])


def test_train_json_has_the_history_and_the_files(tmp_path, capsys):
    model, png = tmp_path / "m.npz", tmp_path / "loss.png"
    doc = run_json(capsys, ["train", "--steps", "3", "--hidden-size", "3", "--quiet",
                            "--save", str(model), "--plot", str(png)])
    assert len(doc["history"]["loss"]) == 3 == doc["history"]["steps"]
    assert all(loss > 0 for loss in doc["history"]["loss"])     # cross-entropy per character
    assert doc["saved"] == str(model) and model.is_file()
    assert doc["plot"]["path"] == str(png) and png.is_file()
    assert isinstance(doc["samples"]["greedy"], str)


def test_plot_and_generate_json_describe_what_was_written(tmp_path, capsys):
    png = tmp_path / "d.png"
    doc = run_json(capsys, ["plot", "decay", "--out", str(png), "--width", "3", "--height", "2", "--dpi", "30"])
    assert doc["path"] == str(png) and png.is_file() and doc["kind"] == "decay"
    assert (doc["width_px"], doc["height_px"]) == (90, 60)
    out = tmp_path / "g.py"
    doc = run_json(capsys, ["generate", "--activation", "relu", "--out", str(out)])
    assert doc["written"] == [{"path": str(out), "activation": "relu", "loss": "cross_entropy"}]
    assert out.is_file()


def test_sample_json_has_the_text(tmp_path, capsys):
    model = tmp_path / "m.npz"
    assert main(["train", "--steps", "2", "--hidden-size", "3", "--quiet", "--save", str(model)]) == 0
    doc = run_json(capsys, ["sample", "--model", str(model), "--length", "7", "--temperature", "0"])
    assert len(doc["text"]) == len(doc["prefix"]) + 7 and doc["text"].startswith(doc["prefix"])
