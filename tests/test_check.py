"""numeric.check_implementation: broken implementations are caught and described, correct ones pass.

The evidence suite is tests/broken_impls/: each file is a complete implementation with one
classic mistake (or none), and an EXPECT table written from the mistake, not from the checker:
per convention, the quantities that must be wrong and the smallest T at which each goes wrong
(all others must be right), the factor levels where they are wrong, and a phrase the hints
must contain. The checks here use few drawn cases and no shrinking to stay fast; the sweep,
which decides smallest T and dependencies, always runs in full.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import settings

import numeric
from numeric.check import TOLERANCES, check_implementation, load_target
from numeric.check.spec import accepted_kwargs
from numeric.check.testing import assert_bptt_correct

IMPLS = Path(__file__).parent / "broken_impls"


def _expectations():
    cases = []
    for path in sorted(IMPLS.glob("*.py")):
        spec = importlib.util.spec_from_file_location(f"_expect_{path.stem}", path)
        mod = importlib.util.module_from_spec(spec)
        sys.path.insert(0, str(IMPLS))
        try:
            spec.loader.exec_module(mod)
        finally:
            sys.path.remove(str(IMPLS))
        for entry, exp in getattr(mod, "EXPECT", {}).items():
            cases.append(pytest.param(path, entry, exp, id=f"{path.stem}:{entry}"))
    return cases


EXPECTED = _expectations()
BROKEN = [c for c in EXPECTED if c.values[2].get("wrong") or c.values[2].get("wrong_among")]
CORRECT = [c for c in EXPECTED if c not in BROKEN]


def _check(path: Path, entry: str, exp: dict, **kw):
    fn, name = load_target(f"{path}:{entry}")
    options = dict(convention="row" if entry == "row" else "column", inputs=exp.get("inputs", "real"),
                   truncation=exp.get("truncation"), examples=20, shrink=False, name=name) | exp.get("options", {}) | kw
    return check_implementation(fn, **options)


def test_the_suite_covers_ten_classic_mistakes_in_both_conventions():
    assert len({c.values[0].stem for c in BROKEN}) >= 10
    assert sum(c.values[1] == "row" for c in BROKEN) >= 8
    assert sum(c.values[1] != "row" for c in BROKEN) >= 10


@pytest.mark.parametrize("path, entry, exp", BROKEN)
def test_broken_implementation_is_detected_and_described(path, entry, exp):
    r = _check(path, entry, exp)
    assert r.verdict == "wrong" and r.exit_status == 1, r.to_text()
    found = {f.name: f for f in r.findings if f.wrong}
    if "wrong" in exp:
        assert {n: f.smallest_T for n, f in found.items()} == exp["wrong"], r.to_text()
    else:
        assert found and set(found) <= set(exp["wrong_among"]), r.to_text()
    assert set(r.right) == {f.name for f in r.findings} - set(found)
    for f in found.values():
        assert f.max_error >= TOLERANCES[np.dtype(np.float64)].rtol
        expected_deps = exp.get("depends", {}) | exp.get("depends_of", {}).get(f.name, {})
        for factor, (wrong, right) in f.depends.items():
            if factor in expected_deps:
                assert list(wrong) == sorted(expected_deps[factor]), (f.name, factor, r.to_text())
            elif "wrong" in exp:           # no dependence: wrong at every level
                assert not right, (f.name, factor, r.to_text())
    if "mistake" in exp:               # the mistake itself is named, not just the symptom
        assert exp["mistake"] in r.mistakes, (r.mistakes, r.hints)
        assert any("the mistake: " in h.lower() for h in r.hints), r.hints
    if "hint" in exp:
        assert any(exp["hint"] in h for h in r.hints), r.hints
    for note in [exp["note"]] if "note" in exp else []:
        assert any(note in n for n in r.notes), r.notes
    if exp.get("state"):
        assert any("state carried between calls" in h for h in r.hints)
    assert r.counterexample is not None and (r.counterexample.wrong or r.counterexample.failure)
    assert set(r.counterexample.wrong) <= set(found)     # never a case that is right (the idiom)
    assert not any("forward pass itself differs" in h for h in r.hints)   # never claimed unshown


# Correct implementations pass over thousands of cases under the deep profile (2000 drawn + the
# sweep's ~300-600 each); the ci profile keeps 30 drawn cases (+ the full sweep) to stay fast.
DEEP = settings.default.max_examples >= 1000
CORRECT_EXAMPLES = 2000 if DEEP else 30


@pytest.mark.parametrize("path, entry, exp", CORRECT)
def test_correct_implementation_passes(path, entry, exp):
    r = _check(path, entry, exp, examples=CORRECT_EXAMPLES)
    assert r.verdict == "correct" and r.exit_status == 0, r.to_text()
    assert r.counterexample is None and not r.hints
    assert r.search_examples == CORRECT_EXAMPLES and r.sweep_examples >= 300
    if "note" in exp:
        assert any(exp["note"] in n for n in r.notes), r.notes


CORRECT_OTHERS = [("correct_article.py", "column", {}), ("correct_vectorized.py", "column", {}),
                  ("correct_vectorized.py", "column_half_sse", {"loss": "half_sse"}),
                  ("correct_per_loss.py", "column", {}), ("correct_rtrl.py", "column", {}),
                  ("correct_row_steps.py", "row", {"convention": "row"}),
                  ("correct_row_vectorized.py", "row", {"convention": "row"})]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("file, entry, kw", CORRECT_OTHERS, ids=[f"{a}:{b}" for a, b, _ in CORRECT_OTHERS])
def test_differently_written_correct_implementations_pass(file, entry, kw, dtype):
    fn, name = load_target(f"{IMPLS / file}:{entry}")
    r = check_implementation(fn, examples=CORRECT_EXAMPLES if DEEP else 20, dtype=dtype, name=name, **kw)
    assert r.passed, r.to_text()
    assert r.dtype == dtype


def test_a_failure_is_shrunk_to_a_minimal_case():
    fn, _ = load_target(f"{IMPLS / 'whh_not_transposed.py'}:row")
    r = check_implementation(fn, convention="row", examples=50)
    ce = r.counterexample
    assert ce.source == "found by hypothesis and shrunk"
    # A transposition is invisible with one hidden unit; the smallest witness is T = 1, H = 2.
    assert ce.sizes == {"T": 1, "D": 1, "H": 2, "B": 1}
    assert set(ce.wrong) == {"dh0"}


def test_the_through_time_bug_shrinks_to_two_steps():
    fn, _ = load_target(f"{IMPLS / 'delta_not_carried.py'}:column")
    r = check_implementation(fn, examples=50)
    assert r.counterexample.sizes["T"] == 2
    assert "through-time term" in " ".join(r.hints)


def test_held_truncation_is_the_reference():
    fn, _ = load_target(f"{IMPLS / 'fixed_chunks_k2.py'}:column")
    assert check_implementation(fn, truncation=2, examples=20, shrink=False).passed
    full = check_implementation(fn, examples=20, shrink=False)
    assert full.verdict == "wrong" and min(f.smallest_T for f in full.findings if f.wrong) == 3


def test_same_seed_gives_the_same_report():
    fn, _ = load_target(f"{IMPLS / 'h_t_for_h_prev.py'}:column")
    a = check_implementation(fn, examples=15, seed=4, shrink=False).to_json()
    b = check_implementation(fn, examples=15, seed=4, shrink=False).to_json()
    assert a == b


def test_json_report_has_schema_1_and_every_section():
    fn, _ = load_target(f"{IMPLS / 'overwrite_not_accumulate.py'}:row")
    d = json.loads(check_implementation(fn, convention="row", examples=15, shrink=False).to_json())
    assert d["schema"] == 1 and d["verdict"] == "wrong" and d["exit_status"] == 1
    assert d["reference"] == "numeric.rnn_backward"
    assert set(d["wrong"]) == {"dWx", "dWh"} and set(d["right"]) == {"dx", "dh0", "db"}
    q = d["quantities"]["dWh"]
    assert q["verdict"] == "wrong" and q["smallest_T"] == 2 and q["wrong_cases"] <= q["cases"]
    assert set(q["depends_on"]) == {"dh_at", "h0", "batch", "scale"}
    assert d["counterexample"]["inputs"]["Wh"] and d["tolerance"]["rtol"] == 1e-7
    assert d["checked"]["factors"]["batch"] == ["1", ">1"]


def _raises(params, xs, targets, h0):
    raise RuntimeError("not implemented yet")


def _wrong_shapes(x, h0, Wx, Wh, b, dh):
    return x, h0, Wx, Wh, np.zeros(1)


def _lossfun_style(params, xs, targets, h0):
    return (0.0,) * 7


@pytest.mark.parametrize("fn, convention, message", [
    (_raises, "column", "fn raised RuntimeError: not implemented yet"),
    (_wrong_shapes, "row", "db has shape (1,); it must be (3,)"),
    (_lossfun_style, "column", "adapter of docs/check.md"),
    (lambda params, xs, targets, h0: None, "column", "fn must return (loss, grads); got NoneType"),
])
def test_unusable_function_is_reported_not_raised(fn, convention, message):
    r = check_implementation(fn, convention=convention, examples=5)
    assert r.verdict == "error" and r.exit_status == 2
    assert message in r.error and message in r.to_text()
    assert json.loads(r.to_json())["error"] == r.error


def test_raising_on_some_inputs_is_a_wrong_answer_found_and_shrunk():
    good, _ = load_target(f"{IMPLS / 'correct_article.py'}:column")

    def fragile(params, xs, targets, h0):
        if len(xs) == 1:
            raise IndexError("list index out of range")
        return good(params, xs, targets, h0)

    r = check_implementation(fragile, examples=30)
    assert r.verdict == "wrong"
    bad = r.finding("(raises)")
    assert bad.wrong and bad.smallest_T == 1
    assert r.counterexample.sizes["T"] == 1 and "IndexError" in r.counterexample.failure


def test_modifying_inputs_in_place_is_noted_but_not_a_bug():
    good, _ = load_target(f"{IMPLS / 'correct_article.py'}:column")

    def scribbles(params, xs, targets, h0):
        out = good(params, xs, targets, h0)
        params["W_hh"] *= 0.0
        return out

    r = check_implementation(scribbles, examples=10)
    assert r.passed and any("params['W_hh']" in n for n in r.notes)


def test_options_are_validated():
    good, _ = load_target(f"{IMPLS / 'correct_article.py'}:column")
    for bad, msg in ((dict(convention="rows"), "convention='rows' is not known"),
                     (dict(dtype="float16"), "dtype='float16' is not supported"),
                     (dict(convention="row", truncation=2), "truncation applies to the column convention"),
                     (dict(inputs="onehot"), "inputs='onehot' is not known")):
        with pytest.raises(ValueError, match=msg.replace("(", r"\(")):
            check_implementation(good, **bad)
    with pytest.raises(TypeError):
        check_implementation(good, examples=0.5)
    with pytest.raises(TypeError, match="fn must be callable"):
        check_implementation("not a function")


def test_varied_keywords_are_read_from_the_signature():
    def f(params, xs, targets, h0, activation="tanh", *, truncation=None, other=1): ...
    def g(params, xs, targets, h0, **kwargs): ...
    assert accepted_kwargs(f) == ("activation", "truncation")
    assert accepted_kwargs(g) == ()


def test_assert_bptt_correct_fails_with_the_report_and_passes_quietly():
    good, _ = load_target(f"{IMPLS / 'correct_row_steps.py'}:row")
    bad, _ = load_target(f"{IMPLS / 'batch_mean_instead_of_sum.py'}:row")
    assert assert_bptt_correct(good, convention="row", examples=10).passed
    with pytest.raises(AssertionError, match="bptt check: WRONG") as e:
        numeric.assert_bptt_correct(bad, convention="row", examples=10, shrink=False)
    assert "Right for one sequence (N = 1), wrong for N > 1" in str(e.value)


def test_importing_the_checker_does_not_import_hypothesis():
    code = "import sys, numeric, numeric.check, numeric.check.testing; print('hypothesis' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
