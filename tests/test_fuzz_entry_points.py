"""A small fuzzer over the public entry points: bad input is a clear error, never a crash.

Each call starts from a small valid problem and replaces one argument (or one parameter array,
or one keyword) by an odd value drawn by hypothesis: wrong types, wrong shapes, NaN/inf, huge
and tiny numbers, negative sizes, bogus names. Whatever the library does with it, it may only

- return normally, or
- raise ValueError or TypeError (OSError for file paths) with a non-empty message,

and it never lets a raw NumPy warning ("overflow encountered in ...") escape: the toolkit's own
warnings say what happened and what to do. Anything else (AttributeError, IndexError,
KeyError, ZeroDivisionError, OverflowError, RecursionError, LinAlgError, ...) is an unclear
exception type for a user and fails the test.

The command line gets the same treatment: every subcommand with one flag set to an odd value
exits 0, 1 or 2, never with a traceback, and an exit-2 error is one line on stderr.
Work is bounded: sizes stay tiny, training runs at most a few steps, the suites draw 2 examples.
"""

from __future__ import annotations

import contextlib
import io
import math
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import numeric
import numeric.analysis
import numeric.charrnn
import numeric.routes
from numeric import Params, Truncation

# ---------------------------------------------------------------------------------------------
# odd values

ODD_SCALARS = [None, 0, -1, 1, 2, 3, 2.5, -0.0, 1e308, -1e308, 1e-320, math.nan, math.inf, -math.inf,
               True, False, 1 + 2j, "x", "", "2", "float16x", "tanh", "sum", [], [1, 2], {}, (), (1,),
               b"bytes", object()]
ODD_ARRAYS = [np.array([]), np.zeros((2, 2)), np.zeros((3, 2, 2, 2)), np.full(3, np.nan),
              np.full((3, 2), np.inf), np.array([[1, 2], [3]], dtype=object), np.array(["a", "b"]),
              np.ones((3, 2), dtype=bool), np.ones((3, 2), dtype=complex), np.ones((3, 2), dtype=np.int64),
              np.full((3, 2), 1e300), np.ones((3, 2), dtype=np.float16)]
odd = st.sampled_from(ODD_SCALARS + ODD_ARRAYS)

ALLOWED = (ValueError, TypeError)


def _params() -> Params:
    return Params.init(2, 3, 2, scale=0.5, seed=1)


def _problem():
    rng = np.random.default_rng(0)
    return _params(), rng.standard_normal((3, 2)), np.array([0, 1, 1])


def _model():
    text = "abcab"
    from numeric.charrnn import CharModel, Vocab
    vocab = Vocab.from_text(text)
    p = Params.init(len(vocab), 3, len(vocab), seed=0)
    return CharModel(p, vocab, {"activation": "tanh", "prefix": "a"})


def _sizes():
    return numeric.analysis.sizes(10, 4, B=2, D=3, V=3)


# Each entry: name -> (function, positional args, keyword args). Arguments are built fresh per call.
def _entries() -> dict:
    p, xs, ys = _problem()
    J = numeric.analysis.step_jacobians(p, xs)
    return {
        "bptt": (numeric.bptt, [p, xs, ys], dict(h0=np.zeros(3), activation="tanh", loss="cross_entropy",
                                                  loss_at="all", loss_weights=None, truncation=None)),
        "forward": (numeric.forward, [p, xs], dict(h0=None, activation="tanh")),
        "tbptt_segments": (lambda *a, **k: list(numeric.tbptt_segments(*a, **k)), [p, xs, ys, 2],
                           dict(activation="tanh", loss="cross_entropy")),
        "update_points": (numeric.update_points, [5, Truncation(2, 3)], {}),
        "Truncation": (Truncation, [2, 3], {}),
        "Params.init": (Params.init, [2, 3, 2], dict(scale=0.1, seed=0, dtype=np.float64)),
        "clip_by_value": (numeric.clip_by_value, [p.zeros_like(), 1.0], {}),
        "clip_by_global_norm": (numeric.clip_by_global_norm, [p.zeros_like(), 1.0], {}),
        "gradcheck": (numeric.gradcheck, [p, xs, ys], dict(eps=1e-6, rtol=None, atol=None, h0=None)),
        "numerical_gradient": (numeric.numerical_gradient, [lambda q: float(np.sum(q.W_hh)), p], dict(eps=1e-6)),
        "naive_bptt": (numeric.routes.naive_bptt, [p, xs, ys], dict(activation="tanh", loss="cross_entropy",
                                                              loss_at="all", loss_weights=None)),
        "rtrl": (numeric.routes.rtrl, [p, xs, ys], dict(activation="tanh", loss="cross_entropy", loss_at="all")),
        "windowed_bptt": (numeric.routes.windowed_bptt, [p, xs, ys, Truncation(2, 2)], dict(activation="tanh")),
        "truncation_bound": (numeric.analysis.truncation_bound, [p, xs, ys, Truncation(2, 2)], dict(activation="tanh")),
        "analyze": (numeric.analysis.analyze, [p, xs], dict(activation="tanh")),
        "step_jacobians": (numeric.analysis.step_jacobians, [p, xs], dict(activation="tanh")),
        "loss_grad_norms": (numeric.analysis.loss_grad_norms, [p, xs, ys], dict(activation="tanh", loss="cross_entropy")),
        "jacobian_product": (numeric.analysis.jacobian_chain, [J, 3, 1], {}),
        "log_norms_to_last": (numeric.analysis.log_norms_to_last, [J], {}),
        "spectral_norm": (numeric.analysis.spectral_norm, [p.W_hh], {}),
        "spectral_radius": (numeric.analysis.spectral_radius, [p.W_hh], {}),
        "decay_crossing": (numeric.analysis.decay_crossing, [0.5], dict(threshold=0.01)),
        "random_rnn": (numeric.analysis.random_rnn, [2, 3, 2], dict(scale=0.1, radius=0.9, seed=0)),
        "random_inputs": (numeric.analysis.random_inputs, [4, 2], dict(seed=0)),
        "sizes": (numeric.analysis.sizes, [10, 4], dict(B=2, D=3, V=3, dtype="float64", truncation=None)),
        "article_memory": (numeric.analysis.article_memory, [_sizes()], dict(optimizer="adagrad")),
        "engine_memory": (numeric.analysis.engine_memory, [_sizes()], {}),
        "engine_bound": (numeric.analysis.engine_bound, [_sizes()], {}),
        "format_bytes": (numeric.analysis.format_bytes, [1234.0], {}),
        "sample": (numeric.charrnn.sample, [_model()], dict(prefix="a", length=5, temperature=1.0, seed=0)),
        "TrainConfig": (numeric.charrnn.TrainConfig, [], dict(hidden=3, seq_length=3, steps=2, lr=0.1, seed=0)),
        "train": (lambda text, **k: numeric.charrnn.train(text, numeric.charrnn.TrainConfig(**k)), ["abcabcabc"],
                  dict(hidden=3, seq_length=3, steps=2)),
        "Vocab.from_text": (numeric.charrnn.Vocab.from_text, ["abc"], {}),
        "rnn_backward": (numeric.rnn_backward, [p, xs, np.zeros(3), np.ones((3, 3))], dict(activation="tanh")),
        "rnn_backward_rows": (numeric.rnn_backward_rows,
                              [xs[:, None, :], np.zeros((1, 3)), p.W_xh.T.copy(), p.W_hh.T.copy(), p.b_h.copy(),
                               np.ones((3, 1, 3))], dict(activation="tanh")),
        "magnitudes": (numeric.routes.magnitudes, [p, xs, ys], dict(activation="tanh")),
    }


NAMES = sorted(_entries())


def _call_expecting_a_clear_outcome(fn, args, kwargs, what: str) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            fn(*args, **kwargs)
        except ALLOWED as e:
            assert str(e).strip(), f"{what}: {type(e).__name__} without a message"
        except Exception as e:  # noqa: BLE001 - the point of the test
            pytest.fail(f"{what}: unclear exception {type(e).__name__}: {e}")
    raw = [str(w.message) for w in caught
           if "encountered in" in str(w.message) or "divide by zero" in str(w.message)]
    assert not raw, f"{what}: raw NumPy warnings escaped: {raw}"


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=25, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(data=st.data())
def test_an_odd_argument_is_a_clear_error_or_a_result(name, data):
    fn, args, kwargs = _entries()[name]
    slots = [("arg", i) for i in range(len(args))] + [("kw", k) for k in kwargs]
    if not slots:
        return
    kind, where = data.draw(st.sampled_from(slots), label="which argument")
    value = data.draw(odd, label="odd value")
    if kind == "arg":
        args = list(args)
        args[where] = value
    else:
        kwargs = dict(kwargs, **{where: value})
    _call_expecting_a_clear_outcome(fn, args, kwargs, f"{name} with {where}={value!r}")


PARAM_TAKERS = ["bptt", "forward", "gradcheck", "naive_bptt", "rtrl", "analyze", "step_jacobians",
                "loss_grad_norms", "clip_by_value", "clip_by_global_norm", "magnitudes"]


@pytest.mark.parametrize("name", PARAM_TAKERS)
@settings(max_examples=20, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(data=st.data())
def test_one_odd_parameter_array_is_a_clear_error_or_a_result(name, data):
    """Params given as a dict (which bptt accepts) with one entry replaced, or missing."""
    fn, args, kwargs = _entries()[name]
    params = dict(args[0].as_dict()) if hasattr(args[0], "as_dict") else {
        k: getattr(args[0], k) for k in numeric.PARAM_NAMES}
    key = data.draw(st.sampled_from(list(numeric.PARAM_NAMES)), label="parameter")
    if data.draw(st.booleans(), label="drop it"):
        del params[key]
    else:
        params[key] = data.draw(odd, label="odd value")
    _call_expecting_a_clear_outcome(fn, [params, *args[1:]], kwargs, f"{name} with params[{key!r}] odd")


# ---------------------------------------------------------------------------------------------
# the command line

ODD_WORDS = ["0", "-1", "2", "1e308", "nan", "inf", "x", "", "²", "1/0", "3,2", "tanh", "--", "-5e-324"]
BOUNDED = {   # flags that keep each subcommand's work small whatever else is drawn
    "train": ["--steps", "2", "--hidden-size", "3", "--quiet"],
    "verify": ["--examples", "2"],
    "check": ["tests/broken_impls/correct_vectorized.py:column", "--examples", "2"],
    "derive": ["--T", "2"], "jacobian": ["--T", "3"], "graph": ["--T", "2"], "example": [],
    "generate": ["--out", "gen_out.py"], "sample": ["--length", "5"], "memory": [],
    "analyze": ["--T", "5"], "plot": ["tanh"], "gradcheck": ["--T", "3"],
}


def _flags(command: str) -> list[str]:
    from derive.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command").choices[command]
    return sorted(s for a in sub._actions for s in a.option_strings if s.startswith("--") and s != "--help")


def _run(argv: list[str]) -> tuple[int, str]:
    from derive.cli import main

    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        try:
            status = main(argv)
        except SystemExit as e:
            status = e.code if isinstance(e.code, int) else 2
    return int(status or 0), err.getvalue()


@pytest.mark.parametrize("command", sorted(BOUNDED))
@settings(max_examples=12, deadline=None,
          # check and verify run hypothesis themselves (in-process, as `bptt check` does)
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                 HealthCheck.nested_given])
@given(data=st.data())
def test_an_odd_flag_value_exits_cleanly(command, data, tmp_path_factory, monkeypatch):
    monkeypatch.chdir(tmp_path_factory.mktemp("fuzz"))
    flag = data.draw(st.sampled_from(_flags(command)), label="flag")
    word = data.draw(st.sampled_from(ODD_WORDS), label="value")
    argv = [command, *BOUNDED[command], flag, word]
    if command == "check":
        argv[1] = f"{Path(__file__).parent / 'broken_impls' / 'correct_vectorized.py'}:column"
    status, err = _run(argv)
    assert status in (0, 1, 2), f"bptt {' '.join(argv)} exited with {status}:\n{err}"
    assert "Traceback" not in err, f"bptt {' '.join(argv)} printed a traceback:\n{err}"
    if status == 2:
        lines = [x for x in err.splitlines() if x.strip() and "%|" not in x]
        assert len(lines) == 1 and "error" in lines[0], f"bptt {' '.join(argv)}: not one error line:\n{err}"
