"""`bptt gradcheck FILE.py:fn`: the model-free check of fn(params) -> (loss, grads).

The user files here are written the way strangers write them (a small MLP, a one-step LSTM-ish
cell with hand-written backward passes, module-level data, a make_params() or --shapes point),
then checked through the command line in-process. Verdicts and exit statuses are asserted, not
digits: 0 pass, 1 fail (naming the array), 3 inconclusive (noise, NaN), 2 bad input (one line).
"""

from __future__ import annotations

import contextlib
import io
import json
import textwrap

import numpy as np
import pytest

from derive.cli import main

MLP = '''
import numpy as np

rng = np.random.default_rng(0)
X = rng.standard_normal((6, 3))          # 6 samples, 3 features
Y = rng.integers(0, 2, 6)                # 2 classes

def make_params():
    r = np.random.default_rng(1)
    return {"W1": r.standard_normal((4, 3)), "b1": np.zeros(4),
            "W2": r.standard_normal((2, 4)), "b2": np.zeros(2)}

def forward_backward(p, halve_db1=False):
    h = np.tanh(X @ p["W1"].T + p["b1"])
    o = h @ p["W2"].T + p["b2"]
    o = o - o.max(axis=1, keepdims=True)
    prob = np.exp(o) / np.exp(o).sum(axis=1, keepdims=True)
    loss = -np.log(prob[np.arange(len(Y)), Y]).sum()
    do = prob.copy()
    do[np.arange(len(Y)), Y] -= 1
    da = (do @ p["W2"]) * (1 - h ** 2)
    db1 = da.sum(axis=0) * (0.5 if halve_db1 else 1.0)
    return loss, {"W1": da.T @ X, "b1": db1, "W2": do.T @ h, "b2": do.sum(axis=0)}

def right(p):
    return forward_backward(p)

def wrong_b1(p):
    return forward_backward(p, halve_db1=True)

def noisy(p):                            # e.g. dropout without a fixed seed
    loss, grads = forward_backward(p)
    return loss * (1 + 1e-6 * np.random.standard_normal()), grads

def nan_loss(p):
    loss, grads = forward_backward(p)
    return loss + float("nan"), grads

def nan_grad(p):
    loss, grads = forward_backward(p)
    grads["W2"] = grads["W2"] * np.nan
    return loss, grads

def sgd_inside(p):                       # updates its weights in place, still returns the gradient
    loss, grads = forward_backward(p)
    for k in p:
        p[k] -= 0.1 * grads[k]
    return loss, grads

def loss_only(p):
    return forward_backward(p)[0]

def grads_as_list(p):
    loss, g = forward_backward(p)
    return loss, [g["W1"], g["b1"], g["W2"], g["b2"]]

def missing_b2(p):
    loss, g = forward_backward(p)
    del g["b2"]
    return loss, g

def column_bias(p):
    loss, g = forward_backward(p)
    g["b1"] = g["b1"][:, None]
    return loss, g

def raises(p):
    return 1 / 0

NOT_A_FUNCTION = 3
'''

# one LSTM-ish step: gates from x, c = f*c0 + i*g, h = o*tanh(c), loss = <h, y>
LSTM = '''
import numpy as np

x = np.array([0.5, -1.0, 0.25])
c0 = np.array([0.3, -0.2])
y = np.array([1.0, -2.0])
sig = lambda a: 1 / (1 + np.exp(-a))

def step(P, forget_o_derivative=False):
    f, i, o = sig(P["Wf"] @ x), sig(P["Wi"] @ x), sig(P["Wo"] @ x)
    g = np.tanh(P["Wg"] @ x)
    c = f * c0 + i * g
    h = o * np.tanh(c)
    dh = y
    do = dh * np.tanh(c) * (1.0 if forget_o_derivative else o * (1 - o))
    dc = dh * o * (1 - np.tanh(c) ** 2)
    df, di, dg = dc * c0 * f * (1 - f), dc * g * i * (1 - i), dc * i * (1 - g ** 2)
    return h @ y, {"Wf": np.outer(df, x), "Wi": np.outer(di, x), "Wo": np.outer(do, x), "Wg": np.outer(dg, x)}

def lstm(P):
    return step(P)

def lstm_bug(P):
    return step(P, forget_o_derivative=True)
'''

LSTM_SHAPES = "Wf=2x3,Wi=2x3,Wo=2x3,Wg=2x3"

RELU = '''
import numpy as np

X = np.array([[1.0, -2.0], [0.5, 1.5], [-1.0, 0.25]])
T = np.array([[1.0], [-1.0], [0.5]])

def relu_net(p, w2_factor=1.0):
    a = X @ p["W1"] + p["b1"]
    h = np.maximum(a, 0)
    r = h @ p["W2"] - T
    dh = r @ p["W2"].T
    da = dh * (a > 0)
    return 0.5 * np.sum(r ** 2), {"W1": X.T @ da, "b1": da.sum(axis=0), "W2": w2_factor * h.T @ r}

def relu_net_bug(p):
    return relu_net(p, w2_factor=2.0)

def at_a_kink():                          # sample 0's unit 1 exactly at relu's kink
    p = {"W1": np.array([[0.3, 0.5], [-0.2, 0.25]]), "b1": np.array([0.1, 0.0]), "W2": np.array([[1.0], [2.0]])}
    p["b1"][1] = -(X[0] @ p["W1"][:, 1])
    return p

def zero_init():
    return {"W1": np.zeros((2, 2)), "b1": np.zeros(2), "W2": np.ones((2, 1))}
'''


def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(["gradcheck", *argv])
    return status, out.getvalue(), err.getvalue()


@pytest.fixture
def files(tmp_path):
    (tmp_path / "mlp.py").write_text(textwrap.dedent(MLP))
    (tmp_path / "lstm.py").write_text(textwrap.dedent(LSTM))
    (tmp_path / "relu.py").write_text(textwrap.dedent(RELU))
    return tmp_path


def report(files, target, *flags):
    status, out, err = run(f"{files / target}", "--format", "json", *flags)
    assert status != 2, err
    doc = json.loads(out)
    assert doc["exit_status"] == status
    return status, doc


def test_a_correct_mlp_passes_at_its_make_params_point(files):
    status, out, _ = run(f"{files / 'mlp.py'}:right")
    assert status == 0, out
    assert out.splitlines()[0].endswith("PASS") and "make_params()" in out
    status, doc = report(files, "mlp.py:right")
    assert status == 0 and doc["verdict"] == "pass" and doc["wrong"] == []
    assert [g["name"] for g in doc["gradients"]] == ["W1", "b1", "W2", "b2"]
    assert doc["point"]["shapes"] == {"W1": [4, 3], "b1": [4], "W2": [2, 4], "b2": [2]}


def test_a_correct_lstm_step_passes_at_drawn_shapes(files):
    status, doc = report(files, "lstm.py:lstm", "--shapes", LSTM_SHAPES, "--seed", "3")
    assert status == 0 and all(g["verdict"] == "pass" for g in doc["gradients"])
    assert doc["point"]["source"].startswith("--shapes")


def test_a_wrong_gradient_fails_naming_the_array(files):
    status, out, _ = run(f"{files / 'mlp.py'}:wrong_b1")
    assert status == 1
    assert "b1" in next(line for line in out.splitlines() if "[FAIL]" in line)
    assert "wrong: b1; right: W1, W2, b2" in out
    status, doc = report(files, "lstm.py:lstm_bug", "--shapes", LSTM_SHAPES)
    assert status == 1 and doc["verdict"] == "fail" and doc["wrong"] == ["Wo"]
    assert {g["name"]: g["verdict"] for g in doc["gradients"]} == {
        "Wf": "pass", "Wi": "pass", "Wo": "fail", "Wg": "pass"}


def test_a_nan_gradient_with_a_finite_loss_fails(files):
    status, doc = report(files, "mlp.py:nan_grad")
    assert status == 1 and doc["wrong"] == ["W2"]


@pytest.mark.parametrize("fn, why", [("noisy", "not deterministic"), ("nan_loss", "not finite")])
def test_noise_or_nan_in_the_loss_is_inconclusive_never_pass(files, fn, why):
    status, doc = report(files, f"mlp.py:{fn}")
    assert status == 3 and doc["verdict"] == "inconclusive"
    assert why in doc["reason"] + " ".join(doc["notes"])
    assert not any(g["verdict"] == "fail" for g in doc["gradients"])


def test_a_kink_within_eps_is_inconclusive_not_a_false_fail(files):
    # at a relu kink the central difference averages the two one-sided slopes at eps and 10·eps
    # alike: a correct (one-sided) analytic gradient would be a FAIL without the kink test
    status, doc = report(files, "relu.py:relu_net", "--point", "at_a_kink")
    assert status == 3 and doc["wrong"] == []
    assert "not differentiable" in doc["reason"] and "W1" in doc["reason"] and "b1" in doc["reason"]
    status, doc = report(files, "relu.py:relu_net", "--point", "zero_init")
    assert status == 3 and "not differentiable" in doc["reason"]          # every unit at its kink
    status, doc = report(files, "relu.py:relu_net", "--shapes", "W1=2x2,b1=2,W2=2x1", "--seed", "4")
    assert status == 0                                                     # away from the kinks


def test_a_bug_next_to_a_kink_still_fails(files):
    status, doc = report(files, "relu.py:relu_net_bug", "--point", "at_a_kink")
    assert status == 1 and doc["wrong"] == ["W2"]


def test_a_float32_fn_is_judged_at_float32s_tolerance_and_floor(files):
    (files / "f32.py").write_text("import numpy as np\n\nA = np.array([[2.0, 1.0], [1.0, 3.0]], 'f')\n\n"
                                  "def fn(p):\n    x = p['x'].astype('f')\n"
                                  "    return 0.5 * x @ A @ x, {'x': A @ x}\n")
    # float32's rounding of L (~1e-7·|L|) over 2·eps = 2e-6 is noise of the gradient's own size
    status, doc = report(files, "f32.py:fn", "--shapes", "x=2", "--scale", "1")
    assert status == 3 and any("float32" in n for n in doc["notes"])
    status, doc = report(files, "f32.py:fn", "--shapes", "x=2", "--scale", "1", "--eps", "1e-2")
    assert status == 0 and doc["gradients"][0]["rtol"] == 1e-3       # exact for a quadratic loss


def test_fn_updating_its_weights_in_place_is_checked_on_fresh_copies(files):
    status, doc = report(files, "mlp.py:sgd_inside")
    assert status == 0
    assert any("changes the arrays it is given" in n for n in doc["notes"])


@pytest.mark.parametrize("target, flags, message", [
    ("nowhere.py:f", [], "nowhere.py: no such file"),
    ("mlp.py:NOT_A_FUNCTION", [], "is not callable"),
    ("mlp.py:absent", [], "has no function 'absent'"),
    ("mlp.py:loss_only", [], "must return (loss, grads)"),
    ("mlp.py:grads_as_list", [], "its grads is a list"),
    ("mlp.py:missing_b2", [], "missing ['b2']"),
    ("mlp.py:column_bias", [], "grads['b1'] has shape (4, 1); expected (4,)"),
    ("mlp.py:raises", [], "fn raised ZeroDivisionError: division by zero (mlp.py line"),
    ("lstm.py:lstm", [], "defines no make_params()"),
    ("lstm.py:lstm", ["--shapes", "Wf=2x"], "--shapes wants NAME=DIMS"),
    ("lstm.py:lstm", ["--shapes", "Wf=2x3"], "KeyError: 'Wi'"),
    ("lstm.py:lstm", ["--point", "x"], "--point: "),
    ("mlp.py:right", ["--point", "nowhere.py:f"], "--point: nowhere.py: no such file"),
    ("mlp.py:right", ["--hidden-size", "3"], "--hidden-size: for the engine's check only"),
    ("mlp.py:right", ["--dtype", "float32"], "--dtype: for the engine's check only"),
    ("mlp.py:right", ["--shapes", "W1=4x3", "--point", "make_params"], "not both"),
])
def test_bad_input_is_one_line_and_exit_2(files, monkeypatch, target, flags, message):
    monkeypatch.chdir(files)
    status, out, err = run(target, *flags)
    lines = err.strip().splitlines()
    assert status == 2 and out == ""
    assert len(lines) == 1 and lines[0].startswith("bptt gradcheck: error: "), err
    assert message in lines[0]


def test_shapes_and_point_flags_need_a_target():
    status, _, err = run("--shapes", "W=3")
    assert status == 2 and "--shapes needs FILE.py:FUNCTION" in err


def test_the_size_guard_names_max_seconds(files):
    (files / "slow.py").write_text("import time\nimport numpy as np\n\ndef fn(p):\n"
                                   "    time.sleep(0.005)\n    return float(np.sum(p['W'] ** 2)), {'W': 2 * p['W']}\n")
    status, _, err = run(f"{files / 'slow.py'}:fn", "--shapes", "W=30x30", "--max-seconds", "1")
    assert status == 2 and "--max-seconds" in err and len(err.strip().splitlines()) == 1


def test_the_drawn_point_follows_seed_and_scale(files):
    loss = lambda *f: report(files, "lstm.py:lstm", "--shapes", LSTM_SHAPES, *f)[1]["loss"]  # noqa: E731
    assert loss("--seed", "5") == loss("--seed", "5") != loss("--seed", "6")
    # W = 0: every gate is σ(0) = 1/2 and g = 0, so c = c0/2 and h = tanh(c)/2
    assert loss("--scale", "0") == pytest.approx(0.5 * np.tanh(0.5 * np.array([0.3, -0.2])) @ [1.0, -2.0])


def test_without_a_target_the_engine_check_and_its_json_are_unchanged():
    status, out, _ = run("--T", "3", "--hidden-size", "2", "--format", "json")
    doc = json.loads(out)
    assert status == 0 and set(doc) == {"schema", "verdict", "exit_status", "eps", "reason", "suggested_eps",
                                        "max_rel_error", "gradients"}
    assert [g["name"] for g in doc["gradients"]] == ["W_xh", "W_hh", "b_h", "W_hy", "b_y", "h0", "xs"]


def test_the_file_json_is_the_engine_layout_plus_fields(files):
    _, engine, _ = run("--T", "2", "--format", "json")
    _, doc = report(files, "mlp.py:right")
    assert set(json.loads(engine)) <= set(doc) and doc["schema"] == 1
    assert set(doc) - set(json.loads(engine)) == {"target", "signature", "loss", "wrong", "point", "notes"}
    assert set(doc["gradients"][0]) == set(json.loads(engine)["gradients"][0])


def test_the_api_takes_a_dict_point():
    from numeric.fn_gradcheck import FnError, gradcheck_fn

    A = np.array([[2.0, 1.0], [1.0, 3.0]])
    quad = lambda p: (0.5 * p["x"] @ A @ p["x"], {"x": A @ p["x"]})         # noqa: E731
    assert gradcheck_fn(quad, {"x": [1.0, -2.0]}).verdict == "pass"
    assert gradcheck_fn(lambda p: (quad(p)[0], {"x": A.T @ A @ p["x"]}), {"x": [1.0, -2.0]}).wrong == ["x"]
    with pytest.raises(FnError, match="non-empty dict"):
        gradcheck_fn(quad, [1.0, 2.0])
    with pytest.raises(FnError, match=r"params\['x'\] is empty"):
        gradcheck_fn(quad, {"x": np.zeros(0)})
    with pytest.raises(FnError, match="loss is an array of shape \\(\\) and dtype bool"):
        gradcheck_fn(lambda p: (True, {"x": p["x"]}), {"x": [1.0]})


def test_the_point_may_come_from_another_file(files):
    (files / "points.py").write_text("import numpy as np\n\ndef small():\n"
                                     "    return {'Wf': np.full((2, 3), 0.1), 'Wi': np.full((2, 3), -0.2),\n"
                                     "            'Wo': np.full((2, 3), 0.3), 'Wg': np.full((2, 3), 0.4)}\n")
    status, doc = report(files, "lstm.py:lstm", "--point", f"{files / 'points.py'}:small")
    assert status == 0 and doc["point"]["source"].endswith("points.py:small()")
    status, doc = report(files, "lstm.py:lstm_bug", "--point", f"{files / 'points.py'}:small")
    assert status == 1 and doc["wrong"] == ["Wo"]


def test_what_fn_prints_goes_to_stderr_so_the_json_parses(files):
    (files / "chatty.py").write_text("import numpy as np\nprint('loading...')\n\ndef fn(p):\n"
                                     "    print('loss', float(np.sum(p['w'] ** 2)))\n"
                                     "    return float(np.sum(p['w'] ** 2)), {'w': 2 * p['w']}\n")
    status, out, err = run(f"{files / 'chatty.py'}:fn", "--shapes", "w=3", "--format", "json")
    assert status == 0 and json.loads(out)["verdict"] == "pass" and "loading..." in err


# ---- soundness over drawn problems: never FAIL a right gradient, never PASS a wrong one -----------

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


def _net(kind, X, Y):
    """A one-hidden-layer net's (loss, grads) with tanh or relu units and a squared-error loss."""
    def fn(p):
        a = X @ p["W"] + p["b"]
        h = np.tanh(a) if kind == "tanh" else np.maximum(a, 0)
        r = h @ p["V"] - Y
        da = (r @ p["V"].T) * ((1 - h ** 2) if kind == "tanh" else (a > 0))
        return 0.5 * np.sum(r ** 2), {"W": X.T @ da, "b": da.sum(axis=0), "V": h.T @ r}
    return fn


@given(kind=st.sampled_from(["tanh", "relu"]), n=st.integers(1, 4), d=st.integers(1, 3), h=st.integers(1, 4),
       scale=st.sampled_from([0.1, 1.0, 3.0]), seed=st.integers(0, 2 ** 16),
       bug=st.sampled_from([None, 1e-2, 1.0]), which=st.sampled_from(["W", "b", "V"]))
def test_drawn_nets_right_gradients_never_fail_and_wrong_ones_never_pass(kind, n, d, h, scale, seed, bug, which):
    from numeric.fn_gradcheck import gradcheck_fn

    rng = np.random.default_rng(seed)
    X, Y = rng.standard_normal((n, d)), rng.standard_normal((n, 2))
    point = {"W": scale * rng.standard_normal((d, h)), "b": scale * rng.standard_normal(h),
             "V": scale * rng.standard_normal((h, 2))}
    right = _net(kind, X, Y)
    if bug is None:
        assert gradcheck_fn(right, point).verdict != "fail"
        return

    def wrong(p):                     # one entry off by a relative 1e-2 or 1 (or by 1e-3 where it is 0)
        loss, g = right(p)
        flat = g[which].reshape(-1)
        i = int(np.argmax(np.abs(flat)))
        flat[i] += bug * abs(flat[i]) + 1e-3
        return loss, g
    r = gradcheck_fn(wrong, point)
    assert r.verdict != "pass" and r[which].status != "pass"
