"""bptt check on the model people wrote: --no-bias, --h0 zero, --reduction; what fn supports
(refused option values, float32 results); the log-epsilon idiom; the mistakes' reference.

The broken/correct implementations themselves are tests/broken_impls/ (tests/test_check.py);
here: the variant reference against the engine, the report fields these add, and the flags.
"""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import numpy as np
import pytest

from derive.cli import main
from numeric.check import check_implementation, load_target
from numeric.check.conventions import reference
from numeric.check.diagnose import Finding
from numeric.check.hints import MIN_FAILING, _dependence_hints
from numeric.check.mistakes import MISTAKES, Knobs, run
from numeric.check.problems import draw_case
from numeric.check.spec import make_spec

IMPLS = Path(__file__).parent / "broken_impls"


def _col(params, xs, targets, h0, activation="tanh", loss_at="all", truncation=None): ...
def _row(x, h0, Wx, Wh, b, dh, activation="tanh"): ...


def _spec(fn, convention="column", loss="cross_entropy", **kw):
    return make_spec(fn, convention=convention, activation="tanh", loss=loss, loss_at="all", truncation=None,
                     inputs="real", examples=1, seed=0, dtype="float64", max_T=4, **kw)


SPECS = [("column", loss, red, bias) for loss in ("cross_entropy", "half_sse", "mse")
         for red in ("sum", "mean") for bias in (True, False)] + [("row", "cross_entropy", "sum", b) for b in (True, False)]


@pytest.mark.parametrize("conv, loss, reduction, bias", SPECS)
def test_the_mistakes_reference_without_a_mistake_is_the_engine(conv, loss, reduction, bias):
    spec = _spec(_col if conv == "column" else _row, conv, loss, reduction=reduction, bias=bias)
    rng = np.random.default_rng(3)
    for combo in itertools.product(*spec.factors().values()):
        levels = dict(zip(spec.factors(), combo))
        for T in (1, 2, 4):
            case = draw_case(rng, spec, levels, T)
            want, got = reference(case, spec), run(case, spec, Knobs())
            assert want.keys() == got.keys()
            for n in want:
                w, g = np.ravel(want[n]), np.ravel(got[n])
                # two float64 computations of the same sums (different order): 1e-9 relative to
                # the larger of the result and 1 is ~1e6 x their rounding noise at these sizes
                assert np.allclose(g, w, rtol=1e-9, atol=1e-9 * max(1.0, float(np.abs(w).max()))), (n, levels, T)


def test_every_mistake_changes_some_answer():
    spec = _spec(_col)
    spec_row = _spec(_row, "row")
    rng = np.random.default_rng(5)
    levels = {"activation": "sigmoid", "loss_at": "last", "h0": "nonzero", "scale": "1", "truncation": "truncated"}
    col = [draw_case(rng, spec, levels | {"loss_at": la, "truncation": tr}, 4)
           for la in ("all", "last") for tr in ("none", "truncated")]
    row = [draw_case(rng, spec_row, {"activation": "tanh", "dh_at": "all", "h0": "nonzero", "batch": ">1",
                                     "scale": "1"}, 4)]
    for m in MISTAKES:
        differs = False
        for s, cases in ((spec, col), (spec_row, row)):
            for c in cases:
                a, b = run(c, s, Knobs()), run(c, s, m.knobs)
                differs |= any(not np.allclose(a[n], b[n], rtol=1e-6, atol=1e-12) for n in a)
        assert differs, m.name


def test_refused_activations_are_listed_not_failed():
    fn, name = load_target(f"{IMPLS / 'correct_partial_activation.py'}:column")
    d = json.loads(check_implementation(fn, examples=10, shrink=False, name=name).to_json())
    assert d["verdict"] == "correct" and d["exit_status"] == 0
    assert sorted(d["unsupported"]["activation"]) == ["identity", "relu"]
    assert "unknown activation 'relu'" in d["unsupported"]["activation"]["relu"]
    assert d["checked"]["factors"]["activation"] == ["sigmoid", "tanh"]


def test_a_refused_value_does_not_hide_a_bug_in_the_supported_ones():
    good, _ = load_target(f"{IMPLS / 'correct_partial_activation.py'}:column")

    def buggy(params, xs, targets, h0, activation="tanh"):
        loss, g = good(params, xs, targets, h0, activation)
        return loss, g | {"b_y": 2 * g["b_y"]}

    r = check_implementation(buggy, examples=10, shrink=False)
    assert r.verdict == "wrong" and r.wrong == ["b_y"] and set(r.unsupported["activation"]) == {"identity", "relu"}


def test_a_crash_on_some_option_value_is_not_a_refusal():
    good, _ = load_target(f"{IMPLS / 'correct_partial_activation.py'}:column")

    def crashes(params, xs, targets, h0, activation="tanh"):
        if activation == "relu":
            return [][1]                                     # IndexError: a bug, not "not supported"
        return good(params, xs, targets, h0, activation)     # ValueError for identity: refused

    r = check_implementation(crashes, examples=5, shrink=False)
    assert r.verdict == "wrong" and list(r.unsupported["activation"]) == ["identity"]
    assert r.finding("(raises)").wrong and r.wrong == ["(raises)"]


def test_row_convention_without_bias_and_h0():
    good, _ = load_target(f"{IMPLS / 'correct_row_steps.py'}:row")

    def layer(x, Wx, Wh, dh):                                # no h0, no b: both zero
        N, H = x.shape[0], Wh.shape[0]
        dx, dh0, dWx, dWh, _ = good(x, np.zeros((N, H)), Wx, Wh, np.zeros(H), dh)
        return dx, dh0, dWx, dWh

    r = check_implementation(layer, convention="row", bias=False, h0="zero", examples=10)
    assert r.passed and [f.name for f in r.findings] == ["dx", "dh0", "dWx", "dWh"], r.to_text()


def test_float32_results_are_judged_at_float32_and_said_so():
    fn, name = load_target(f"{IMPLS / 'correct_float32_storage.py'}:column")
    seen = []

    def recording(params, xs, targets, h0):
        seen.append([*params.values(), xs, h0])
        return fn(params, xs, targets, h0)

    d = json.loads(check_implementation(recording, examples=10, name=name).to_json())
    assert d["verdict"] == "correct" and d["dtype"] == "float64" and d["returned_dtype"] == "float32"
    assert d["tolerance"]["rtol"] == 1e-3
    assert any("fn returns float32 while the inputs were float64" in n for n in d["notes"])
    # handed float64, but once fn is seen to return float32 (after the first call) every value
    # is exact in float32: nothing that underflows float32
    assert all(a.dtype == np.float64 and np.array_equal(a, a.astype(np.float32)) for call in seen[1:] for a in call)


def test_the_log_epsilon_idiom_is_named_and_not_a_bug():
    fn, name = load_target(f"{IMPLS / 'correct_log_eps.py'}:column")
    r = check_implementation(fn, examples=20, name=name)
    assert r.passed and r.idiom["log_epsilon"] == 1e-12 and r.idiom["cases"] > 0
    assert r.finding("loss").max_error < 1e-7


def test_a_loss_off_by_more_than_an_epsilon_is_still_wrong():
    good, _ = load_target(f"{IMPLS / 'correct_article.py'}:column")

    def off(params, xs, targets, h0):
        loss, g = good(params, xs, targets, h0)
        return loss - 0.01 * len(xs), g                     # not −log(p + ε) for any one small ε

    r = check_implementation(off, examples=10, shrink=False)
    assert r.verdict == "wrong" and "loss" in r.wrong and r.idiom is None


def _finding(wrong_counts):
    counts = {"h0": {"zero": (0, 50), "nonzero": (wrong_counts, 50)}}
    return Finding("W_hh", True, 1.0, 1, {"h0": (("nonzero",), ("zero",))}, wrong_counts, 100, False, counts)


def test_a_dependence_needs_several_failing_cases_and_gives_the_counts():
    spec = _spec(_col)
    assert _dependence_hints([_finding(MIN_FAILING - 1)], spec) == []
    (factor, text), = _dependence_hints([_finding(12)], spec)
    assert factor == "h0" and "0/50 at h0 = zero" in text and "12/50 at h0 = nonzero" in text


def test_counterexample_values_are_printed_at_full_precision():
    fn, _ = load_target(f"{IMPLS / 'h_t_for_h_prev.py'}:column")
    r = check_implementation(fn, examples=30)
    ce = r.counterexample
    want = np.ravel(ce.wrong["W_hh"][1])
    block = r.to_text().split("W_hh: rel error")[1].split("got", 1)[1].split("\n\n")[0]
    printed = [float(v) for v in re.findall(r"[-+]?\d+\.\d*(?:e[-+]?\d+)?", block)][:want.size]
    assert printed == list(want)            # exactly: the printed digits round-trip


def cli(capsys, *argv):
    code = main(["check", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_model_flags(capsys):
    target = f"{IMPLS / 'correct_no_bias_zero_h0.py'}:column"
    code, out, _ = cli(capsys, target, "--examples", "10")
    assert code == 2 and "--h0 zero" in out
    code, out, _ = cli(capsys, target, "--examples", "10", "--h0", "zero")
    assert code == 2 and "--no-bias" in out
    code, out, _ = cli(capsys, target, "--examples", "10", "--h0", "zero", "--no-bias", "--format", "json")
    d = json.loads(out)
    assert code == 0 and set(d["quantities"]) == {"loss", "W_xh", "W_hh", "W_hy"}
    assert d["checked"]["factors"]["h0"] == ["zero"]


def test_cli_reduction_mean(capsys):
    target = f"{IMPLS / 'correct_mean_loss.py'}:column"
    code, out, _ = cli(capsys, target, "--examples", "10", "--reduction", "mean")
    assert code == 0, out
    code, out, _ = cli(capsys, target, "--examples", "10", "--no-shrink", "--format", "json")
    d = json.loads(out)
    assert code == 1 and d["mistakes"] == ["mean_reduction"] and any("--reduction mean" in h for h in d["hints"])


def test_cli_model_flag_errors_are_one_line(capsys):
    code, out, err = cli(capsys, f"{IMPLS / 'correct_row_steps.py'}:row", "--convention", "row", "--reduction", "mean")
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "reduction applies to the column convention only" in err
    for flag, value in (("--h0", "none"), ("--reduction", "avg")):
        with pytest.raises(SystemExit) as e:                 # argparse's own one-line error
            main(["check", f"{IMPLS / 'correct_row_steps.py'}:row", flag, value])
        err = capsys.readouterr().err
        assert e.value.code == 2 and f"argument {flag}: invalid choice: '{value}'" in err and err.count("\n") == 1


def test_api_validates_the_model_options():
    with pytest.raises(ValueError, match="h0='none' is not known"):
        check_implementation(_col, h0="none")
    with pytest.raises(ValueError, match="reduction='avg' is not known"):
        check_implementation(_col, reduction="avg")
    with pytest.raises(TypeError, match="bias must be True or False"):
        check_implementation(_col, bias="no")


def test_a_mistake_is_judged_with_its_own_rounding_not_the_references():
    # The unshrunk counterexample of tanh_derivative_for_all (seed 0, --no-shrink): identity
    # states grow to ~1e5, so tanh's 1 − h² multiplies, step after step, the rounding noise of
    # the saturated softmax's p − 1 at the last step; fn and the variant, two float64 orders of
    # summation, differ by ~1e-4 relative (measured 7e-5). The reference's bounds (f' = 1) do not
    # cover that noise, the variant's own bounds do; this case alone, though, cannot tell the
    # variant from the right computation, so it must not name the mistake by itself.
    from numeric.check.compare import evaluate
    from numeric.check.mistakes import _Judge, explain
    from numeric.check.problems import Case
    from numeric.params import Params

    fn, _ = load_target(f"{IMPLS / 'tanh_derivative_for_all.py'}:column")
    spec = make_spec(fn, convention="column", activation="tanh", loss="cross_entropy", loss_at="all",
                     truncation=None, inputs="real", examples=1, seed=0, dtype="float64", max_T=6)
    a = np.array
    params = Params(
        a([[-8.478266487568996e+000], [4.870304326920597e-285], [-1.5]]),
        a([[7.5498324270177477e+000, -2.2250738585069563e-311, -8.4635609779282195e+000],
           [1.4692159416765274e-292, -5.9604644775390625e-008, 3.3333333333333331e-001],
           [-5.7086571955934531e+000, 3.4267762145057130e+000, 1.4692159416765274e-292]]),
        a([2.220446049250313e-016, -2.225073858507203e-309, -9.0]),
        a([[-5.0604349189552042e-220, 2.1940726636043690e-004, 1.0325940377880719e-315],
           [4.2077500531113193e-004, 1.0212918962615942e-004, 3.5671679140758934e-004]]),
        a([7.9520886200694897e-05, -2.1620191608561856e-04]))
    xs = a([[-2.7192947231046805e-001], [-4.3575654788249221e-052], [4.5498584891558076e-163],
            [-7.9051160966025957e-001], [5.6268203746597978e-001]])
    case = Case(params, xs, a([1, 0, 0, 0, 1]), np.zeros(3), None, "identity", "cross_entropy", "all", None, 1.0)
    o = evaluate(fn, case, spec)
    assert {"W_xh", "W_hh", "b_h", "h0"} <= set(o.wrong)
    tanh_for_all = next(m for m in MISTAKES if m.name == "derivative_of_tanh")
    want, right = run(case, spec, tanh_for_all.knobs), {n: o.expected[n] for n in o.got}
    assert not _Judge(spec)(o, want)                           # the reference's bounds: no match
    assert _Judge(spec)(o, want, tanh_for_all.knobs)           # the variant's own: a match
    assert _Judge(spec)(o, want, tanh_for_all.knobs, answer=right)   # ... but the right one matches too
    assert "derivative_of_tanh" not in [m.name for m in explain([o], spec).mistakes]
