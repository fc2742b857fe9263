"""numeric.analysis.memory and `bptt memory`: the article's figures, the engine's model, the measurement."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from derive.cli import main
from numeric.analysis.memory import article_memory, engine_bound, engine_memory, format_bytes, measure_peak, sizes


def test_article_figure_T1000_H512_is_h_and_a_in_float64():
    rep = article_memory(sizes(1000, 512))
    assert rep.headline.values == 2 * 1000 * 512 == 1_024_000      # not the article's "2 million"
    assert rep.headline.nbytes == 1_024_000 * 8 == 8_192_000        # "about 8 MB"
    assert format_bytes(rep.headline.nbytes) == "8.19 MB"


def test_article_figure_T1000_H1024_B64_is_over_500_MB():
    rep = article_memory(sizes(1000, 1024, B=64))
    assert rep.headline.nbytes == 2 * 1000 * 1024 * 64 * 8 == 1_048_576_000 > 500e6
    assert format_bytes(rep.headline.nbytes) == "1.05 GB"
    assert article_memory(sizes(1000, 1024, B=64, dtype="float32")).headline.nbytes == 524_288_000


def test_article_total_adds_inputs_parameters_gradients_and_optimizer_state():
    s = sizes(10, 4, B=2, D=3, V=5)
    P = 4 * 3 + 16 + 4 + 5 * 4 + 5
    values = 2 * 10 * 2 * 4 + 10 * 2 * 3 + 3 * P + 2 * 4
    assert article_memory(s).total == values * 8
    assert article_memory(s, optimizer="sgd").total == (values - P) * 8


def test_truncation_makes_the_accountings_window_sized():
    full, trunc = sizes(1000, 64, B=4), sizes(1000, 64, B=4, truncation=20)
    assert article_memory(trunc).headline.values == 2 * 20 * 4 * 64
    assert engine_memory(trunc).total < engine_memory(full).total / 10
    assert engine_bound(trunc) is None and engine_bound(full) > 0


@settings(deadline=None, max_examples=15)
@given(T=st.integers(1, 60), B=st.integers(1, 4), D=st.integers(1, 8), H=st.integers(1, 24),
       V=st.integers(2, 8), dtype=st.sampled_from(["float32", "float64"]))
def test_measured_peak_matches_the_engine_model(T, B, D, H, V, dtype):
    s = sizes(T, H, B=B, D=D, V=V, dtype=dtype)
    measured, model = measure_peak(s), engine_memory(s).total
    # The model counts the buffers of the engine's design; the measurement adds small fixed costs
    # (array headers, Python objects, first-call caches: up to ~20 kB at the smallest sizes) and
    # short-lived temporaries. 20 % + 32 kB leaves room for those; a missing T-sized buffer at
    # the larger drawn sizes, or in the fixed-size tests below, would still fail.
    assert abs(measured - model) <= 0.2 * model + 32_000


@pytest.mark.parametrize("T, B, D, H, V, trunc", [(200, 8, 64, 128, 64, None), (400, 4, 32, 256, 32, None),
                                                   (600, 16, 32, 128, 32, 25), (600, 16, 32, 128, 32, (5, 20))])
def test_measured_peak_agrees_with_the_model_at_buffer_dominated_sizes(T, B, D, H, V, trunc):
    s = sizes(T, H, B=B, D=D, V=V, truncation=trunc)
    measured, model = measure_peak(s), engine_memory(s).total
    # The model adds buffers that the engine partly frees before allocating the next (the window
    # logits before the weight gradients), so it may exceed the peak by up to ~10 %; it must
    # never be exceeded by more than small temporaries (5 %).
    assert 0.85 * model <= measured <= 1.05 * model
    if trunc is None:
        assert measured <= engine_bound(s)


def test_truncated_peak_holds_no_T_sized_hidden_buffers():
    B, D, H = 2, 8, 32
    short, long_ = (measure_peak(sizes(T, H, B=B, D=D, V=8, truncation=(5, 10))) for T in (100, 800))
    # What does grow with T is tiny: the finiteness mask of the inputs (T·B·D bytes) and the
    # schedule of update points (under 100 bytes per point); one T-sized buffer of hidden states
    # would add 700·B·H·8 = 358 kB.
    assert long_ - short <= 700 * (B * D + 100)
    assert measure_peak(sizes(800, H, B=B, D=D, V=8)) > 4 * long_


@pytest.mark.parametrize("n, text", [(0, "0 B"), (999, "999 B"), (8_192_000, "8.19 MB"),
                                     (524_288_000, "524 MB"), (1_048_576_000, "1.05 GB"), (204_800, "205 kB")])
def test_format_bytes_uses_decimal_units(n, text):
    assert format_bytes(n) == text


@pytest.mark.parametrize("kwargs, match", [
    (dict(T=0, H=4), "T must be an integer >= 1"), (dict(T=5, H=-1), "H must be an integer >= 1"),
    (dict(T=5, H=4, B=0), "B must be an integer >= 1"), (dict(T=5, H=4, dtype="int8"), "float32 or float64"),
    (dict(T=5, H=4, truncation=0), "k1 must be an integer >= 1"),
])
def test_bad_sizes_raise(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        sizes(**kwargs)


# ---- the CLI ----------------------------------------------------------------------------------
def test_cli_table_reproduces_the_articles_figures_and_notes_the_slip(capsys):
    assert main(["memory", "--table"]) == 0
    out = capsys.readouterr().out
    row8 = next(line for line in out.splitlines() if line.split()[:3] == ["1000", "1", "512"])
    row500 = next(line for line in out.splitlines() if line.split()[:3] == ["1000", "64", "1024"])
    assert "1,024,000" in row8 and "8.19 MB" in row8 and row8.endswith("about 8 MB")
    assert "131,072,000" in row500 and "1.05 GB" in row500 and row500.endswith("over 500 MB")
    assert "2 million" in out and "slip" in out and "float64" in out


def test_cli_single_config_prints_both_accountings_and_the_measurement(capsys):
    assert main(["memory", "--T", "100", "--hidden-size", "32", "--batch", "2", "--measure"]) == 0
    out = capsys.readouterr().out
    assert "article: h and a stored for every step" in out and "engine: numeric.bptt, h only" in out
    assert "measured peak (tracemalloc)" in out and "design bound on the peak" in out


def test_cli_json_output(capsys):
    assert main(["memory", "--T", "1000", "--hidden-size", "512", "--format", "json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["article"]["headline"]["bytes"] == 8_192_000 and d["measured_peak_bytes"] is None


def test_cli_table_measure_skips_rows_over_the_limit(capsys):
    assert main(["memory", "--table", "--measure", "--measure-limit", "0.002", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert rows[0]["measured_peak_bytes"] > 0 and all(r["measured_peak_bytes"] is None for r in rows[1:])


@pytest.mark.parametrize("argv, match", [(["--T", "-5"], "T must be an integer >= 1"),
                                         (["--hidden-size", "0"], "--hidden-size must be an integer >= 1"),
                                         (["--truncation", "3,1"], "k2 >= k1"),
                                         (["--measure-limit", "0"], "--measure-limit must be > 0")])
def test_cli_memory_bad_input_is_one_line_and_exit_2(argv, match, capsys):
    assert main(["memory", *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("bptt memory: error:") and match in err and "\n" not in err


@pytest.mark.parametrize("dtype", ["bogus", None, "float16"])
def test_sizes_refuses_unknown_dtypes_instead_of_a_none_dtype(dtype):
    with pytest.raises(TypeError, match="dtype must be float32 or float64"):
        sizes(10, 4, dtype=dtype)


@pytest.mark.parametrize("optimizer", ["Adagrad", "adam", "", None])
def test_article_memory_refuses_unknown_optimizers(optimizer):
    with pytest.raises(ValueError, match=r"optimizer=.* is not known; choose one of adagrad, sgd\."):
        article_memory(sizes(10, 4), optimizer=optimizer)


def test_the_optimizer_table_covers_exactly_the_training_optimizers():
    from numeric.analysis.memory import OPTIMIZER_STATE
    from numeric.charrnn.train import OPTIMIZERS
    assert sorted(OPTIMIZER_STATE) == sorted(OPTIMIZERS)
    s = sizes(10, 4)
    state = {o: next(i for i in article_memory(s, optimizer=o).items if i.name.startswith("optimizer"))
             for o in OPTIMIZERS}
    assert state["adagrad"].values == s.params and state["sgd"].values == 0   # Adagrad: one sum per weight


@pytest.mark.parametrize("s", [None, (10, 4), {"T": 10, "H": 4}])
def test_article_memory_refuses_anything_but_sizes(s):
    with pytest.raises(TypeError, match="s must be numeric.analysis.memory.Sizes"):
        article_memory(s)
