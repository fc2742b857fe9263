"""bptt memory --slots / --tradeoff and bptt plot memory-tradeoff (issue 16, section 2)."""

from __future__ import annotations

import json

import pytest

from derive.cli import main


def test_memory_slots_adds_the_checkpointed_column(capsys):
    assert main(["memory", "--T", "1000", "--hidden-size", "512", "--slots", "50"]) == 0
    out = capsys.readouterr().out
    assert "checkpointed: Checkpointing(slots=50, policy='revolve')" in out
    assert "1948 (0.95 extra passes; the cell runs 1949 times)" in out
    assert "1.32× full BPTT, assuming a backward step costs 2 forward steps" in out


def test_memory_checkpoint_json_and_measure(capsys):
    assert main(["memory", "--T", "200", "--hidden-size", "32", "--policy", "every", "--every", "10",
                 "--measure", "--format", "json"]) == 0
    c = json.loads(capsys.readouterr().out)["checkpointed"]
    assert c["forward_steps"] == 199 + 19 * 9 and c["stored_states"] <= 10 + 19
    assert c["measured_ratio"] > 0 and 0 < c["measured_peak_bytes"] <= c["peak_bytes_bound"]


def test_memory_tradeoff_json_has_every_setting_with_schema_1(capsys):
    assert main(["memory", "--tradeoff", "--T", "1000", "--format", "json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["schema"] == 1 and len(d["points"]) == 3 * 1000 + 1
    p50 = [p for p in d["points"] if p["policy"] == "revolve" and p["parameter"] == 50][0]
    assert p50["forward_steps"] == 1948 and p50["stored_states"] == 50


def test_memory_tradeoff_text_shows_the_policies(capsys):
    assert main(["memory", "--tradeoff", "--T", "100"]) == 0
    out = capsys.readouterr().out
    for policy in ("revolve", "every", "sqrt", "truncation"):
        assert f"\n{policy}" in out


@pytest.mark.parametrize("argv, words", [
    (["--slots", "0"], "--slots must be an integer >= 1; got 0."),
    (["--policy", "every"], "--policy every needs --every K"),
    (["--slots", "3", "--policy", "sqrt"], "--slots is not used by --policy sqrt"),
    (["--slots", "3", "--truncation", "10"], "--slots applies only to full BPTT's checkpointed column"),
    (["--tradeoff", "--measure"], "--measure applies only without --tradeoff"),
    (["--slots", "3", "--ratio", "0"], "--ratio must be a finite number > 0; got 0.0."),
])
def test_memory_checkpoint_flags_refuse_bad_input_naming_the_flag(capsys, argv, words):
    assert main(["memory", *argv]) == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err


def test_plot_memory_tradeoff_writes_a_png(tmp_path, capsys):
    out = tmp_path / "memory_tradeoff.png"
    assert main(["plot", "memory-tradeoff", "--out", str(out)]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
