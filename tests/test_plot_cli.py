"""`bptt plot` and derive.cli.figures: PNGs of the right size, labelled axes, legends, marked crossings."""

from __future__ import annotations

import math
import struct

import numpy as np
import pytest

from derive.cli import figures
from derive.cli import main
from numeric.charrnn import save_model, train, TrainConfig, TrainHistory

SMALL = ["--width", "3", "--height", "2", "--dpi", "50"]        # 150 x 100 px keeps the tests fast


def png_size(path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


@pytest.fixture(scope="module")
def trained_model(tmp_path_factory):
    path = tmp_path_factory.mktemp("m") / "m.npz"
    save_model(path, train(config=TrainConfig(steps=40, hidden=16)).model)
    return path


@pytest.mark.parametrize("kind, extra", [
    ("tanh", SMALL), ("decay", SMALL), ("decay", ["--factors", "0.3,0.95", "--steps", "20", *SMALL]),
    ("heatmap", ["--T", "8", "--hidden-size", "6", *SMALL]),
    ("memory", ["--width", "15", "--height", "10", "--dpi", "10"]),     # three panels need the inches
])
def test_plot_writes_a_png_of_the_requested_size(tmp_path, capsys, kind, extra):
    out = tmp_path / f"{kind}.png"
    assert main(["plot", kind, "--out", str(out), *extra]) == 0
    assert png_size(out) == (150, 100)
    assert capsys.readouterr().out.strip() == f"wrote {out} (150x100 px)"


def test_plot_loss_of_a_saved_model_and_heatmap_of_it(tmp_path, trained_model):
    for kind, extra in (("loss", []), ("heatmap", ["--T", "10"])):      # --T is the heatmap's only
        out = tmp_path / f"{kind}.png"
        assert main(["plot", kind, "--model", str(trained_model), *extra, "--out", str(out), *SMALL]) == 0
        assert png_size(out) == (150, 100)


def test_plot_loss_without_a_model_trains_the_default_config_first(tmp_path, capsys):
    out = tmp_path / "loss.png"
    assert main(["plot", "loss", "--steps", "30", "--out", str(out), *SMALL]) == 0
    assert png_size(out) == (150, 100) and "30/30" in capsys.readouterr().err


def test_plot_default_output_name_and_size(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["plot", "tanh", "--dpi", "20"]) == 0
    assert png_size(tmp_path / "tanh.png") == (160, 100)             # 8 x 5 inches


def _labelled(fig):
    for ax in fig.axes:
        if ax.get_label() == "<colorbar>":
            continue
        assert ax.get_xlabel() and ax.get_ylabel(), ax
    return [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]


def test_tanh_figure_has_both_curves_and_shaded_saturation():
    (ax,) = _labelled(figures.tanh_figure())
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "tanh(z)" in labels and any("tanh′(z)" in s for s in labels)
    assert any("saturation" in s for s in labels) and len(ax.patches) == 3     # green middle, two red sides
    deriv = next(line for line in ax.lines if "tanh′" in line.get_label())
    z, y = deriv.get_data()
    np.testing.assert_allclose(y, 1 - np.tanh(z) ** 2)


def test_decay_figure_is_log_scale_with_the_one_percent_line_and_crossings_marked():
    (ax,) = _labelled(figures.decay_figure())
    assert ax.get_yscale() == "log"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "factor 0.5: below 1% from step 7" in labels and "factor 0.9: below 1% from step 44" in labels
    assert "factor 1: stays at 1" in labels and any(s.startswith("factor 1.1: grows") for s in labels)
    crosses = [line.get_data() for line in ax.lines if line.get_marker() == "X"]
    xs = sorted(float(x[0]) for x, _ in crosses)
    np.testing.assert_allclose(xs, [math.log(0.01) / math.log(0.5), math.log(0.01) / math.log(0.9)])
    assert all(float(y[0]) == 0.01 for _, y in crosses)


def test_heatmap_figure_masks_the_upper_triangle_on_a_log_colour_scale():
    G = np.tril(np.fromfunction(lambda t, k: 0.5 ** (t - k), (6, 6)))
    fig = figures.heatmap_figure(G)
    (ax,) = _labelled(fig)
    im = ax.images[0]
    assert type(im.norm).__name__ == "LogNorm"
    data = im.get_array()
    assert data.mask[0, 5] and not data.mask[5, 0] and data[5, 0] == 0.5 ** 5
    cbar = next(a for a in fig.axes if a.get_label() == "<colorbar>")
    assert "log scale" in cbar.get_ylabel()


def test_memory_figure_has_three_labelled_panels_with_the_article_points():
    axes = _labelled(figures.memory_figure())
    assert [a.get_xlabel() for a in axes] == ["sequence length T", "hidden size H", "batch size B"]
    for ax in axes:
        assert ax.get_xscale() == ax.get_yscale() == "log" and ax.get_legend() is not None
    stars = [line for ax in axes for line in ax.lines if line.get_marker() == "*"]
    assert sorted({float(line.get_data()[1][0]) for line in stars}) == [8_192_000.0, 1_048_576_000.0]


def test_loss_figure_plots_every_step_and_the_smoothed_curve():
    h = TrainHistory.from_losses(np.linspace(2.0, 0.1, 50))
    (ax,) = _labelled(figures.loss_figure(h.loss, h.smooth, vocab_size=8))
    assert ax.get_yscale() == "log" and len(ax.get_legend().get_texts()) == 3
    np.testing.assert_array_equal(ax.lines[0].get_data()[1], h.loss)


@pytest.mark.parametrize("argv, match", [
    (["tanh", "--out", "/nonexistent/dir/t.png"], "does not exist"),
    (["tanh", "--threshold", "5"], "need 0 < threshold < zmax"),
    (["decay", "--steps", "0"], "steps must be an integer >= 1"),
    (["decay", "--level", "2"], "level must be a number in (0, 1)"),
    (["decay", "--factors", "0.5,-1"], "--factors must be a finite number >= 0"),
    (["heatmap", "--T", "-3"], "--T must be an integer >= 1"),
    (["tanh", "--dpi", "-1"], "must be > 0"),
    (["loss", "--model", "/nonexistent/m.npz"], "does not exist"),
])
def test_plot_bad_input_is_one_line_and_exit_2(argv, match, capsys):
    assert main(["plot", *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("bptt plot: error:") and match in err and "\n" not in err


def test_plot_loss_of_a_model_without_history_is_exit_2(tmp_path, capsys):
    from numeric import Params
    from numeric.charrnn import CharModel, Vocab

    path = tmp_path / "nohist.npz"
    save_model(path, CharModel(Params.init(2, 3, 2), Vocab(("a", "b")), {"activation": "tanh"}))
    assert main(["plot", "loss", "--model", str(path), "--out", str(tmp_path / "l.png")]) == 2
    assert "no training history" in capsys.readouterr().err


def test_plot_unknown_kind_or_bad_factors_is_exit_2(capsys):
    for argv in (["plot", "pie"], ["plot", "decay", "--factors", "a,b"]):
        with pytest.raises(SystemExit) as e:
            main(argv)
        assert e.value.code == 2
