"""numeric.charrnn.sample and `bptt sample`: temperature, greedy decoding, prefixes, seeds."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from derive.cli import main
from numeric import forward, Params
from numeric.charrnn import CharModel, sample, save_model, Vocab
from numeric.charrnn.sample import next_index

VOCAB = Vocab(tuple("abcde"))


def _model(seed: int = 0, scale: float = 1.0, activation: str = "tanh") -> CharModel:
    return CharModel(Params.init(5, 7, 5, scale=scale, seed=seed), VOCAB,
                     {"activation": activation, "prefix": "b"})


@settings(deadline=None)
@given(seed=st.integers(0, 10_000), prefix=st.text(alphabet="abcde", min_size=1, max_size=6),
       activation=st.sampled_from(["tanh", "sigmoid", "relu", "identity"]))
def test_greedy_sampling_picks_the_argmax_of_a_fresh_forward_pass(seed, prefix, activation):
    # Independent route: re-run numeric.forward over the whole text so far for every character.
    model = _model(seed, activation=activation)
    out = sample(model, prefix=prefix, length=8, temperature=0)
    text = prefix
    for c in out:
        os = forward(model.params, VOCAB.one_hot(VOCAB.encode(text)), activation=activation).os
        assert c == VOCAB.chars[int(np.argmax(os[-1]))]
        text += c


def test_sampling_is_reproducible_with_a_seed_and_varies_across_seeds():
    m = _model(1, scale=0.3)
    a = sample(m, prefix="ab", length=40, temperature=1.5, seed=7)
    assert a == sample(m, prefix="ab", length=40, temperature=1.5, seed=7)
    assert len({sample(m, prefix="ab", length=40, temperature=1.5, seed=s) for s in range(5)}) > 1


def test_tiny_temperature_equals_greedy():
    m = _model(2)
    assert sample(m, prefix="c", length=30, temperature=1e-6, seed=0) == sample(m, prefix="c", length=30,
                                                                                  temperature=0)


def test_next_index_draws_from_softmax_of_logits_over_temperature():
    o = np.array([1.0, 0.0, -1.0, 2.0])
    temperature = 2.0
    p = np.exp(o / temperature) / np.exp(o / temperature).sum()
    rng = np.random.default_rng(0)
    n = 20_000
    counts = np.bincount([next_index(o, temperature, rng) for _ in range(n)], minlength=4)
    # binomial standard deviation sqrt(n p (1-p)) <= 71; 5 sigma keeps this deterministic test robust
    np.testing.assert_allclose(counts, n * p, atol=5 * np.sqrt(n * p * (1 - p)).max())


def test_default_prefix_is_the_models_and_length_zero_is_empty():
    m = _model(3)
    assert sample(m, length=12, temperature=0) == sample(m, prefix="b", length=12, temperature=0)
    assert sample(m, prefix="a", length=0) == ""


@pytest.mark.parametrize("kwargs, match", [
    (dict(prefix="abz"), r"never seen: \['z'\]"),
    (dict(prefix=""), "prefix must be a non-empty str"),
    (dict(length=-1), "length must be an integer >= 0"),
    (dict(temperature=-0.5), "temperature must be a finite number >= 0"),
    (dict(temperature=float("nan")), "temperature must be a finite number >= 0"),
    (dict(seed=-2), "seed must be None or an integer >= 0"),
])
def test_bad_sampling_arguments_raise(kwargs, match):
    with pytest.raises(ValueError, match=match):
        sample(_model(), **{"prefix": "a", **kwargs})


# ---- the CLI ----------------------------------------------------------------------------------
@pytest.fixture
def model_file(tmp_path):
    path = tmp_path / "m.npz"
    save_model(path, _model(4))
    return path


def test_cli_sample_prints_prefix_and_continuation(model_file, capsys):
    assert main(["sample", "--model", str(model_file), "--prefix", "ab", "--length", "10",
                 "--temperature", "0"]) == 0
    out = capsys.readouterr().out
    m = _model(4)
    assert out == "ab" + sample(m, prefix="ab", length=10, temperature=0) + "\n"


def test_cli_sample_with_seed_is_reproducible(model_file, capsys):
    argv = ["sample", "--model", str(model_file), "--length", "30", "--seed", "5"]
    main(argv)
    first = capsys.readouterr().out
    main(argv)
    assert capsys.readouterr().out == first and first.startswith("b")


@pytest.mark.parametrize("extra, match", [
    (["--prefix", "hq"], "never seen"),
    (["--prefix", ""], "--prefix must not be empty"),
    (["--length", "-4"], "length must be an integer >= 0"),
    (["--temperature", "-1"], "temperature must be a finite number >= 0"),
])
def test_cli_sample_bad_input_is_one_line_and_exit_2(model_file, capsys, extra, match):
    assert main(["sample", "--model", str(model_file), *extra]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("bptt sample: error:") and match in err and "\n" not in err


def test_cli_sample_missing_or_corrupt_model_is_exit_2(tmp_path, capsys):
    assert main(["sample", "--model", str(tmp_path / "nope.npz")]) == 2
    assert "does not exist" in capsys.readouterr().err
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip file")
    assert main(["sample", "--model", str(bad)]) == 2
    assert "not an .npz (zip) archive" in capsys.readouterr().err
