"""`bptt check --cell lstm|gru|FILE.py:NAME` (numeric/check/cells/): gated cells, every layout.

The implementations under tests/broken_impls/cells/ are written as strangers write them (loops,
their own names, the course's row layout, PyTorch's names); the correct ones must pass (float32
storage included), each broken one must be flagged with its mistake named.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, strategies as st

from derive.cli import main
from numeric.cells import to_torch
from numeric.check.cells import check_cell
from numeric.check.cells.cases import draw_case
from numeric.check.cells.compare import evaluate
from numeric.check.cells.layouts import stack, torch_grads, unstack
from numeric.check.cells.reference import engine
from numeric.check.cells.spec import make_spec
from numeric.check.cells.variants import run as variant_run

IMPLS = Path(__file__).parent / "broken_impls" / "cells"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"cells_impl_{name}", IMPLS / f"{name}.py")
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    return m


def _spec(cell, layout="column", fn=lambda *a: None, **kw):
    return make_spec(fn, cell=cell, layout=layout, gate_order=kw.pop("gate_order", None), loss="cross_entropy",
                     loss_at="all", examples=10, seed=0, dtype=kw.pop("dtype", "float64"), max_T=4, shrink=False)


def cli(capsys, *argv):
    code = main(["check", *argv])
    out, err = capsys.readouterr()
    return code, out, err


# ---- the pieces -------------------------------------------------------------------------------------

@pytest.mark.parametrize("cell", ["lstm", "gru"])
@pytest.mark.parametrize("layout", ["column", "row"])
def test_the_loop_reference_without_mistakes_is_the_engine(cell, layout):
    # the variants' Knobs() must be the generated engine, or no mistake could ever be named right
    spec = _spec(cell, layout)
    rng = np.random.default_rng(3)
    for T in (1, 2, 4):
        for lv in ({spec.place: "all", "h0": "nonzero", "batch": ">1", "scale": "1"},
                   {spec.place: "last", "h0": "zero", "batch": "1", "scale": "10"}):
            case = draw_case(rng, spec, lv, T, {"H": 3, "D": 2, "V": 3, "B": 2})
            want, got = engine(case, spec), variant_run(case, spec)
            for n, v in want.items():
                # float64 sums in another order: a few ulps of the largest term
                np.testing.assert_allclose(got[n], v, rtol=1e-10, atol=1e-12, err_msg=n)


@pytest.mark.parametrize("cell,order", [("lstm", "ifog"), ("lstm", "ifgo"), ("gru", "rzn"), ("gru", "znr")])
def test_stacking_round_trips_and_puts_each_gate_in_its_block(cell, order):
    spec = _spec(cell, "row", gate_order=order)
    case = draw_case(np.random.default_rng(0), spec, {"dh_at": "all", "h0": "zero", "batch": "1", "scale": "1"}, 2,
                     {"H": 2, "D": 3, "V": 1, "B": 1})
    Wx, Wh, b = (stack(cell, case.params, spec.gate_order, w) for w in ("Wx", "Wh", "b"))
    assert Wx.shape == (3, len(order) * 2) and Wh.shape == (2, len(order) * 2) and b.shape == (len(order) * 2,)
    j = order.index("f" if cell == "lstm" else "z")
    g = "f" if cell == "lstm" else "z"
    np.testing.assert_array_equal(Wx[:, 2 * j:2 * j + 2], case.params[f"W_x{g}"].T)     # row layout: Wx = W_xᵀ
    back = unstack(cell, Wx, Wh, b, spec.gate_order)
    for n, v in back.items():
        np.testing.assert_array_equal(v, case.params[n] if n != "b_hn" else 0 * v)


def test_torch_gradient_names_follow_pytorchs_gate_order_and_both_biases():
    rng = np.random.default_rng(1)
    grads = {n: rng.standard_normal(s) for n, s in {"W_xi": (2, 3), "W_hi": (2, 2), "b_i": (2,), "W_xf": (2, 3),
             "W_hf": (2, 2), "b_f": (2,), "W_xg": (2, 3), "W_hg": (2, 2), "b_g": (2,), "W_xo": (2, 3),
             "W_ho": (2, 2), "b_o": (2,), "W_hy": (1, 2), "b_y": (1,)}.items()}
    t = torch_grads("lstm", grads)
    np.testing.assert_array_equal(t["rnn.weight_ih_l0"][4:6], grads["W_xg"])     # i, f, g, o
    np.testing.assert_array_equal(t["rnn.bias_hh_l0"], t["rnn.bias_ih_l0"])      # b = b_ih + b_hh
    assert set(t) == {*to_torch("lstm", grads, prefix="rnn.", linear_prefix="fc.")[0], "fc.weight", "fc.bias"}


# ---- correct implementations pass ----------------------------------------------------------------------

CORRECT = [
    ("lstm_course_correct", "lstm_layer", dict(cell="lstm", layout="row")),
    ("lstm_course_correct", ("lstm_forward", "lstm_backward"), dict(cell="lstm", layout="row")),
    ("gru_course_correct", ("gru_forward", "gru_backward"), dict(cell="gru", layout="row")),
    ("gru_course_correct", "gru_layer", dict(cell="gru", layout="row", dtype="float32")),
    ("lstm_column_float32", "lstm_loss_and_grads", dict(cell="lstm")),
    ("lstm_torch_names", "loss_and_grads", dict(cell="lstm", layout="torch")),
]


def _fn(mod, fn):
    m = _load(mod)
    return tuple(getattr(m, n) for n in fn) if isinstance(fn, tuple) else getattr(m, fn)


CHECKED = [c for i, c in enumerate(CORRECT) if i != 1]     # the LSTM pair: by the CLI JSON test below


@pytest.mark.parametrize("mod,fn,kw", CHECKED, ids=[f"{m}-{f if isinstance(f, str) else 'pair'}-{k.get('dtype', '')}"
                                                    for m, f, k in CHECKED])
def test_a_correct_implementation_passes(mod, fn, kw):
    r = check_cell(_fn(mod, fn), examples=20, shrink=False, **kw)
    assert r.verdict == "correct", r.to_text()
    assert r.exit_status == 0 and r.sweep_examples >= 300
    if mod == "lstm_column_float32":         # float32 storage: named, and judged at float32
        assert r.returned_dtype == "float32" and r.dtype == "float64"
        assert any("fn returns float32 while the inputs were float64" in n for n in r.notes)


@given(seed=st.integers(0, 2 ** 31), T=st.integers(1, 6), which=st.sampled_from(CORRECT[:4] + CORRECT[5:]),
       h0=st.sampled_from(["zero", "nonzero"]), scale=st.sampled_from(["0.1", "1", "10"]))
def test_correct_implementations_agree_on_drawn_cases(seed, T, which, h0, scale):
    mod, fn, kw = which
    f = _fn(mod, fn)
    spec = make_spec(f, cell=kw["cell"], layout=kw.get("layout", "column"), gate_order=None, loss="cross_entropy",
                     loss_at="all", examples=1, seed=0, dtype=kw.get("dtype", "float64"), max_T=6, shrink=False)
    rng = np.random.default_rng(seed)
    lv = {spec.place: "all", "h0": h0, "batch": ">1", "scale": scale}
    o = evaluate(f, draw_case(rng, spec, lv, T), spec)
    assert o.ok, (o.failure, o.errors)


# ---- broken implementations are flagged, the mistake named -------------------------------------------

BROKEN = [
    ("lstm_dc_without_forget", ("lstm_forward", "lstm_backward"), dict(cell="lstm", layout="row"),
     "dc_carried_without_f", "δc is not carried through f_t"),
    ("lstm_candidate_dtanh_at_c", "lstm_layer_backward", dict(cell="lstm", layout="row"),
     "candidate_derivative_at_c", "the candidate's tanh' is applied to c"),
    ("lstm_forget_derivative_missing", "lstm_loss", dict(cell="lstm"),
     "f_gate_derivative_missing", "the f gate's derivative is missing"),
    ("gru_reset_on_h_prev", ("gru_forward", "gru_backward"), dict(cell="gru", layout="row"),
     "r_on_h_prev", "r_t ⊙ is applied to the wrong term of the candidate"),
    ("gru_backward_r_on_h", "gru_loss", dict(cell="gru"),
     "r_on_h_prev_backward", "the backward pass applies r_t ⊙ to the wrong term"),
]


@pytest.mark.parametrize("mod,fn,kw,mistake,words", BROKEN, ids=[b[0] for b in BROKEN])
def test_a_classic_mistake_is_flagged_and_named(mod, fn, kw, mistake, words):
    r = check_cell(_fn(mod, fn), examples=20, shrink=False, **kw)
    assert r.verdict == "wrong" and r.exit_status == 1
    assert r.mistakes == (mistake,), r.to_text()
    assert any(words in h for h in r.hints)


def test_the_wrong_gate_order_is_recognised_as_such():
    r = check_cell(_fn("lstm_course_correct", "lstm_layer"), cell="lstm", layout="row", gate_order="ifgo",
                   examples=10, shrink=False)
    assert r.verdict == "wrong" and r.mistakes == ("gate_order_ifog",)
    assert any("--gate-order ifog" in h for h in r.hints)


def test_a_user_cell_from_a_file_is_checked_against_its_generated_engine(capsys):
    code, out, _ = cli(capsys, f"{IMPLS / 'mgu_impl.py'}:mgu_loss", "--cell", f"{IMPLS / 'mgu_cell.py'}:MGU",
                       "--examples", "20", "--no-shrink")
    assert code == 0 and out.startswith("bptt check: CORRECT") and "mgu cell, column layout" in out
    code, out, _ = cli(capsys, f"{IMPLS / 'mgu_impl.py'}:mgu_loss_no_fh", "--cell", f"{IMPLS / 'mgu_cell.py'}:MGU",
                       "--examples", "20", "--no-shrink", "--format", "json")
    d = json.loads(out)
    assert code == 1 and d["verdict"] == "wrong" and d["cell"] == "mgu"
    assert d["quantities"]["W_hy"]["verdict"] == "right" and d["quantities"]["h0"]["smallest_T"] == 1
    assert any("state Jacobian" in h for h in d["hints"])


# ---- the CLI ------------------------------------------------------------------------------------------

def test_cli_json_is_schema_1_with_the_cell_fields_added(capsys):
    code, out, _ = cli(capsys, f"{IMPLS / 'lstm_course_correct.py'}:lstm_forward,lstm_backward", "--cell", "lstm",
                       "--layout", "row", "--gate-order", "i,f,o,g", "--examples", "10", "--format", "json")
    d = json.loads(out)
    assert code == 0 and d["schema"] == 1 and d["exit_status"] == 0
    assert (d["cell"], d["layout"], d["gate_order"]) == ("lstm", "row", ["i", "f", "o", "g"])
    assert set(d["quantities"]) == {"h", "dx", "dh0", "dWx", "dWh", "db"}


def test_cli_elman_stays_the_elman_checker(capsys):
    target = f"{IMPLS.parent / 'correct_article.py'}:column"
    code, out, _ = cli(capsys, target, "--cell", "elman", "--examples", "10", "--format", "json")
    d = json.loads(out)
    assert code == 0 and d["reference"] == "numeric.bptt" and "cell" not in d


@pytest.mark.parametrize("argv,words", [
    (["--cell", "lstm", "--layout", "row", "--gate-order", "ifx"], "--gate-order"),
    (["--gate-order", "ifog"], "gated cells"),
    (["--cell", "lstm", "--activation", "relu"], "--activation"),
    (["--cell", "nope"], "--cell"),
    (["--cell", "lstm", "--layout", "column", "--gate-order", "ifog"], "row layout"),
])
def test_cli_bad_flags_are_one_line_and_exit_2(capsys, argv, words):
    code, out, err = cli(capsys, f"{IMPLS / 'lstm_course_correct.py'}:lstm_layer", *argv)
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1 and words in err


def test_an_unusable_function_is_exit_2_naming_the_form(capsys):
    code, out, _ = cli(capsys, f"{IMPLS / 'lstm_course_correct.py'}:lstm_forward", "--cell", "lstm", "--layout", "row")
    assert code == 2 and "CANNOT CHECK" in out and "FILE.py:FORWARD,BACKWARD" in out


def test_same_seed_same_report():
    f = _fn("lstm_candidate_dtanh_at_c", "lstm_layer_backward")
    a = check_cell(f, cell="lstm", layout="row", examples=5, shrink=False, seed=4).to_json()
    assert a == check_cell(f, cell="lstm", layout="row", examples=5, shrink=False, seed=4).to_json()


def test_a_loss_near_zero_from_large_logits_is_no_false_alarm():
    # −log p_t of a confident right answer is ~1e-10 but carries ε·|o_t| of rounding in any
    # correct implementation: it must be judged against the size of the logits, not relatively
    from numeric.cells import forward
    f = _fn("lstm_torch_names", "loss_and_grads")
    spec = make_spec(f, cell="lstm", layout="torch", gate_order=None, loss="cross_entropy", loss_at="all",
                     examples=1, seed=0, dtype="float64", max_T=4, shrink=False)
    rng = np.random.default_rng(5)
    tiny = 0
    for _ in range(30):
        case = draw_case(rng, spec, {"loss_at": "all", "h0": "nonzero", "scale": "10"}, 2, {"H": 3, "D": 1, "V": 2})
        o = forward("lstm", case.params, case.xs[:, 0], {s: v[0] for s, v in case.state0.items()}).logits
        from dataclasses import replace
        case = replace(case, targets=np.argmax(o, axis=1))
        out = evaluate(f, case, spec)
        assert out.ok, (out.errors, out.expected["loss"])
        tiny += out.expected["loss"] < 1e-7
    assert tiny >= 3          # the draw did reach the regime where the loss is far below its terms


def test_without_a_known_mistake_the_hint_names_the_quantities_and_the_gate_block():
    layer = _fn("lstm_course_correct", "lstm_layer")

    def f_block_off(x, h0, Wx, Wh, b, dh):           # the f gate's weight gradient, and only it, scaled
        dx, dh0, dWx, dWh, db = layer(x, h0, Wx, Wh, b, dh)
        H = h0.shape[1]
        dWx = dWx.copy()
        dWx[:, H:2 * H] *= 1.5
        return dx, dh0, dWx, dWh, db
    r = check_cell(f_block_off, cell="lstm", layout="row", examples=10, shrink=False)
    assert r.verdict == "wrong" and r.mistakes == () and r.wrong == ["dWx"]
    assert any("only the blocks of gate(s) f (columns 1H:2H" in h for h in r.hints), r.hints
