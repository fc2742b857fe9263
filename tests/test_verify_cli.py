"""`bptt verify`: the table, the JSON contract (schema 1), exit 1 with a shrunk counterexample."""

from __future__ import annotations

import json

from hypothesis import strategies as st

import derive.verify.suite as verify_module
from derive.cli import main
from derive.verify.properties import PROPERTIES, Property
from numeric.strategies import problems


def test_verify_prints_a_table_and_passes(capsys):
    assert main(["verify", "--examples", "4", "--seed", "1", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("bptt verify: seed 1; 4 draws per numeric property, 2 for the straight-line "
                          "route, 2 small problems (T <= 4) per symbolic property")
    header = next(line for line in out.splitlines() if line.startswith("property"))
    assert header.split() == ["property", "routes", "examples", "max", "error", "tolerance", "seconds",
                              "measure", "result"]
    for prop in PROPERTIES:
        assert any(line.startswith(prop.name) and line.rstrip().endswith("pass") for line in out.splitlines())
    assert f"{len(PROPERTIES)} properties, all passed" in out


def test_verify_json_has_schema_1_and_every_property(capsys):
    assert main(["verify", "--examples", "3", "--format", "json", "--no-progress", "--only", "engine ="]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["schema"] == 1 and data["passed"] is True and data["examples"] == 3
    assert data["symbolic_examples"] == 2 and data["seed"] == 0
    names = [p["name"] for p in data["properties"]]
    assert names == [p.name for p in PROPERTIES if "engine =" in p.name]
    for p in data["properties"]:
        assert set(p) >= {"name", "routes", "examples", "max_error", "tolerance", "passed", "counterexample"}
        assert p["examples"] >= 1 and p["max_error"] <= p["tolerance"] and p["counterexample"] is None


def test_verify_same_seed_gives_same_report(capsys):
    runs = []
    for _ in range(2):
        main(["verify", "--examples", "5", "--format", "json", "--no-progress", "--only", "RTRL"])
        runs.append(json.loads(capsys.readouterr().out)["properties"][0]["max_error"])
    assert runs[0] == runs[1]


def test_verify_failure_exits_1_with_the_shrunk_counterexample(monkeypatch, capsys):
    # a property that fails for every sequence longer than 2: hypothesis must shrink to T = 3
    broken = Property("long sequences are fine", "deliberately broken", "ratio", 1.0,
                      lambda: problems(h0=None, loss_weights=None), lambda p: 2.0 if p.dims.T >= 3 else 0.0)
    monkeypatch.setattr(verify_module, "PROPERTIES", (PROPERTIES[0], broken))
    code = main(["verify", "--examples", "30", "--no-progress"])
    out = capsys.readouterr().out
    assert code == 1
    assert "1 FAILED" in out and "FAIL" in out.split("long sequences are fine", 1)[1].splitlines()[0]
    tail = out.split("counterexample for 'long sequences are fine' (shrunk): error 2 > tolerance 1", 1)[1]
    assert "T=3 unbatched D=1 H=1 V=1" in tail                # minimal: every size shrunk to 1
    ns = {}
    exec(tail.split("\n\n", 1)[1], ns)                        # the printed code runs as is
    assert ns["xs"].shape == (3, 1)


def test_verify_property_that_raises_is_a_failure(monkeypatch, capsys):
    def boom(p):
        raise RuntimeError("route crashed")
    broken = Property("crashing route", "raises", "roundoff", 1e-13, lambda: st.just(None).flatmap(
        lambda _: problems(h0=False, loss_weights=False)), boom)
    monkeypatch.setattr(verify_module, "PROPERTIES", (broken,))
    assert main(["verify", "--examples", "3", "--no-progress", "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["passed"] is False and data["properties"][0]["max_error"] is None
    assert data["properties"][0]["counterexample"]["message"] == "RuntimeError: route crashed"


def test_verify_bad_arguments_exit_2(capsys):
    assert main(["verify", "--only", "no such property", "--no-progress"]) == 2
    assert "--only 'no such property' matches no property" in capsys.readouterr().err
