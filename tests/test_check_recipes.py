"""The recipes of docs/check.md (## Recipes) run, and each adapter still catches a bug.

The page's python blocks of that section are executed here as test_docs.py executes them (one
namespace, in document order, in a directory where tests/ is reachable); then each recipe's
adapter is applied to code written the way strangers write it — a full SGD step, a class with
its own backward, a script whose training loop runs at import — once correct (the recipe must
not cause a false alarm) and once with a classic mistake (it must not hide one).
"""

from __future__ import annotations

import contextlib
import io
import re
import textwrap
from pathlib import Path

import numpy as np
import pytest

from numeric import check_implementation
from numeric.check import TargetError, load_target

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "check.md"
FENCE = re.compile(r"^```(\w*)\s*$")
QUICK = {"examples": 20, "shrink": False}


def recipe_blocks() -> list[tuple[str, str]]:
    """(### heading, python source) of every python block in the page's ## Recipes section."""
    text = PAGE.read_text(encoding="utf-8")
    section = text.split("\n## Recipes\n", 1)[1].split("\n## ", 1)[0]
    blocks, heading, lines, inside = [], "", [], None
    for line in section.splitlines():
        if inside is None and line.startswith("### "):
            heading = line[4:].strip()
        elif inside is None and (m := FENCE.match(line)):
            inside, lines = m[1], []
        elif inside is not None and line.startswith("```"):
            if inside == "python":
                blocks.append((heading, "\n".join(lines) + "\n"))
            inside = None
        elif inside is not None:
            lines.append(line)
    return blocks


@pytest.fixture(scope="module")
def recipes(tmp_path_factory):
    """The namespace the section's blocks leave behind, run from a directory with tests/ in it."""
    work = tmp_path_factory.mktemp("recipes")
    (work / "tests").symlink_to(ROOT / "tests", target_is_directory=True)
    namespace: dict = {"__name__": "__docs__"}
    with pytest.MonkeyPatch.context() as mp, contextlib.redirect_stdout(io.StringIO()):
        mp.chdir(work)
        for heading, source in recipe_blocks():
            exec(compile(source, f"<docs/check.md: {heading}>", "exec"), namespace)  # noqa: S102
            assert namespace["report"].verdict == "correct", (heading, str(namespace["report"]))
    return namespace


def test_the_section_has_the_three_recipes_each_checked():
    blocks = recipe_blocks()
    assert [h for h, _ in blocks] == ["Code that updates the weights itself", "A class-based model",
                                      "A script with its training loop at the top level"]
    for heading, source in blocks:
        assert "check_implementation(" in source and 'verdict == "correct"' in source, heading


# ---- a stranger's tanh RNN, softmax cross-entropy (the column convention), with optional bugs --------

def rnn_grads(W_xh, W_hh, b_h, W_hy, b_y, xs, targets, h0, bug=None):
    hs, ps, loss = [h0], [], 0.0
    for x, y in zip(xs, targets):
        hs.append(np.tanh(W_xh @ x + W_hh @ hs[-1] + b_h))
        o = W_hy @ hs[-1] + b_y
        ps.append(np.exp(o - o.max()) / np.exp(o - o.max()).sum())
        loss -= np.log(ps[-1][y])
    dWxh, dWhh, dbh = np.zeros_like(W_xh), np.zeros_like(W_hh), np.zeros_like(b_h)
    dWhy, dby, dh_next = np.zeros_like(W_hy), np.zeros_like(b_y), np.zeros_like(h0)
    for t in reversed(range(len(xs))):
        do = ps[t].copy()
        do[targets[t]] -= 1
        dWhy += np.outer(do, hs[t + 1])
        dby += do
        da = (W_hy.T @ do + dh_next) * (1 - hs[t + 1] ** 2)
        dWxh += np.outer(da, xs[t])
        dWhh += np.outer(da, hs[t + 1] if bug == "h_t_for_h_prev" else hs[t])
        dbh += da
        dh_next = 0 * h0 if bug == "delta_not_carried" else W_hh.T @ da
    return loss, (dWxh, dWhh, dbh, dWhy, dby)


def sgd_step(bug=None):
    def train_step(params, xs, targets, h0, lr=0.01):
        loss, g = rnn_grads(*(params[k] for k in ("W_xh", "W_hh", "b_h", "W_hy", "b_y")), xs, targets, h0, bug)
        for k, dk in zip(("W_xh", "W_hh", "b_h", "W_hy", "b_y"), g):
            params[k] -= lr * dk
        return loss
    return train_step


def test_the_weight_update_recipe_on_a_full_sgd_step(recipes):
    wrap = recipes["gradients_from_step"]
    assert check_implementation(wrap(sgd_step()), **QUICK).verdict == "correct"
    wrong = check_implementation(wrap(sgd_step("delta_not_carried")), **QUICK)
    assert wrong.verdict == "wrong" and "W_hh" in wrong.wrong and "W_hy" in wrong.right


def test_the_weight_update_recipe_needs_its_large_learning_rate(recipes, monkeypatch):
    # the page's claim: with lr = 1 a gradient far below the weights (here inputs ~1e-200, as
    # hypothesis draws them) rounds away in old − new; with the page's LR it keeps its digits
    import numeric

    rng = np.random.default_rng(0)
    params = dict(numeric.Params.init(2, 3, 2, scale=1.0, seed=0))
    xs, targets, h0 = 1e-200 * rng.uniform(-1, 1, (3, 2)), np.array([0, 1, 1]), rng.uniform(-1, 1, 3)
    truth = numeric.bptt(params, xs, targets, h0=h0).grads.W_xh            # ~1e-200
    _, grads = recipes["gradients_from_step"](sgd_step())(params, xs, targets, h0)
    assert np.allclose(grads["W_xh"], truth, rtol=1e-12, atol=0)             # round-off of a few ops
    monkeypatch.setitem(recipes, "LR", 1.0)
    _, grads = recipes["gradients_from_step"](sgd_step())(params, xs, targets, h0)
    assert not np.any(grads["W_xh"]) and np.all(truth != 0)                 # every digit lost


class TinyRNN:
    """A stranger's class: attributes, a caching forward, a backward returning d-prefixed grads."""

    bug = None

    def __init__(self, input_size, hidden_size, output_size):
        rng = np.random.default_rng(0)
        self.Wxh = 0.01 * rng.standard_normal((hidden_size, input_size))
        self.Whh = 0.01 * rng.standard_normal((hidden_size, hidden_size))
        self.Why = 0.01 * rng.standard_normal((output_size, hidden_size))
        self.bh, self.by = np.zeros(hidden_size), np.zeros(output_size)
        self.calls = 0

    def loss_and_grads(self, xs, targets, h0):
        self.calls += 1
        loss, g = rnn_grads(self.Wxh, self.Whh, self.bh, self.Why, self.by, xs, targets, h0, self.bug)
        return loss, dict(zip(("dWxh", "dWhh", "dbh", "dWhy", "dby"), g))


class TinyRNNWithBug(TinyRNN):
    bug = "h_t_for_h_prev"


@pytest.mark.parametrize("model, wrong", [(TinyRNN, []), (TinyRNNWithBug, ["W_hh"])])
def test_the_class_recipe_on_a_stranger_class(recipes, monkeypatch, model, wrong):
    monkeypatch.setitem(recipes, "Model", model)       # check_fn builds whatever `Model` names
    report = check_implementation(recipes["check_fn"], **QUICK)
    assert report.wrong == wrong and report.verdict == ("wrong" if wrong else "correct")


SCRIPT = '''
import numpy as np

data = open("input.txt").read()                  # at import: fails where there is no input.txt
chars = sorted(set(data))
vocab_size, hidden_size = len(chars), 100
Wxh = np.random.randn(hidden_size, vocab_size) * 0.01
Whh = np.random.randn(hidden_size, hidden_size) * 0.01
Why = np.random.randn(vocab_size, hidden_size) * 0.01
bh, by = np.zeros((hidden_size, 1)), np.zeros((vocab_size, 1))

def lossFun(inputs, targets, hprev):
    xs, hs, ps, loss = {}, {-1: np.copy(hprev)}, {}, 0
    for t in range(len(inputs)):
        xs[t] = np.zeros((vocab_size, 1))
        xs[t][inputs[t]] = 1
        hs[t] = np.tanh(np.dot(Wxh, xs[t]) + np.dot(Whh, hs[t - 1]) + bh)
        ys = np.dot(Why, hs[t]) + by
        ps[t] = np.exp(ys - ys.max()) / np.sum(np.exp(ys - ys.max()))
        loss += -np.log(ps[t][targets[t], 0])
    dWxh, dWhh, dWhy = np.zeros_like(Wxh), np.zeros_like(Whh), np.zeros_like(Why)
    dbh, dby = np.zeros_like(bh), np.zeros_like(by)
    dhnext = np.zeros_like(hs[0])
    for t in reversed(range(len(inputs))):
        dy = np.copy(ps[t])
        dy[targets[t]] -= 1
        dWhy += np.dot(dy, hs[t].T)
        dby += dy
        dh = np.dot(Why.T, dy) + dhnext
        dhraw = (1 - hs[t] * hs[t]) * dh
        dbh += dhraw
        dWxh += np.dot(dhraw, xs[t].T)
        dWhh += np.dot(dhraw, hs[t - 1].T)
        dhnext = CARRY
    return loss, dWxh, dWhh, dWhy, dbh, dby, hs[len(inputs) - 1]

n, p = 0, 0
while True:                                      # training forever, at the top level
    n += 1
'''


@pytest.mark.parametrize("carry, wrong", [("np.dot(Whh.T, dhraw)", []),
                                          ("np.zeros_like(dhraw)", ["W_xh", "W_hh", "b_h"])])
def test_the_script_recipe_on_a_script_that_trains_at_import(recipes, monkeypatch, tmp_path, carry, wrong):
    path = tmp_path / "min_char_rnn.py"
    path.write_text(textwrap.dedent(SCRIPT).replace("CARRY", carry), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(TargetError, match="FileNotFoundError"):
        load_target(f"{path}:lossFun")                # importing runs the top level: it fails (or loops)
    monkeypatch.setitem(recipes, "script", recipes["load_definitions"](path))
    report = check_implementation(recipes["check_script"], inputs="one_hot", **QUICK)
    assert report.wrong == wrong and report.verdict == ("wrong" if wrong else "correct")


def test_a_recipe_saved_as_a_file_works_with_bptt_check(tmp_path, monkeypatch):
    from derive.cli import main

    blocks = dict(recipe_blocks())
    source = blocks["Code that updates the weights itself"] + blocks["A class-based model"]
    (tmp_path / "adapter.py").write_text(source, encoding="utf-8")
    (tmp_path / "tests").symlink_to(ROOT / "tests", target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    with contextlib.redirect_stdout(io.StringIO()) as out, contextlib.redirect_stderr(io.StringIO()):
        status = main(["check", "adapter.py:check_fn", "--examples", "20", "--no-shrink", "--format", "json"])
    assert status == 0, out.getvalue()
