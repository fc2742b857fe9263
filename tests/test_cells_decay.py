"""Vanishing gradients per cell (issue 14, section 4): numeric.cells.decay against finite
differences, the LSTM's carousel block, and the CLI routes `bptt analyze --cell`, `bptt plot decay --cell`."""

from __future__ import annotations

import json
import struct

import numpy as np
import pytest

from derive.cli import main
from numeric.cells import CELLS, forward, init_params
from numeric.cells.decay import KEEP_GATE, cell_decay, loss_state_grads, state_jacobians

STATE_SIZES = {"elman": {"h": "H"}, "jordan": {"o": "V"}, "gru": {"h": "H"}, "lstm": {"h": "H", "c": "H"}}


def _problem(cell, T=4, B=2, D=2, H=3, V=2, seed=0):
    rng = np.random.default_rng(seed)
    p = {k: 2.0 * v for k, v in init_params(cell, D, H, V, seed=seed).items()}   # larger: non-trivial Jacobians
    xs = rng.standard_normal((T, B, D))
    targets = rng.integers(0, V, (T, B))
    sizes = {"H": H, "V": V}
    state0 = {s: 0.5 * rng.standard_normal((B, sizes[d])) for s, d in STATE_SIZES[cell].items()}
    return p, xs, targets, state0


def _last_loss(cell, p, xs, targets, state0):
    """L_T from the engine's forward pass alone: the cross-entropy of the last logits, summed over B."""
    o = forward(cell, p, xs, state0).logits[-1]                       # (B, V)
    m = o.max(axis=1, keepdims=True)
    lse = (m[:, 0] + np.log(np.exp(o - m).sum(axis=1)))
    return float((lse - o[np.arange(o.shape[0]), targets[-1]]).sum())


def _states(cell, p, xs, state0):
    """s_0..s_T: {state: (T + 1, B, dim)}."""
    st = forward(cell, p, xs, state0).states
    return {s: np.concatenate([state0[s][None], st[s]]) for s in st}


# central differences with eps = 1e-5 on O(1) values: truncation error ~ eps² · |f'''| ≈ 1e-10,
# round-off ~ 1e-16 / eps ≈ 1e-11; rtol 1e-6 leaves four orders of margin and still catches any
# wrong Jacobian (a wrong term changes entries at the 1e-2 level)
EPS, RTOL, ATOL = 1e-5, 1e-6, 1e-9


@pytest.mark.parametrize("cell", sorted(STATE_SIZES))
def test_loss_state_grads_equal_central_differences(cell):
    assert set(STATE_SIZES) == set(CELLS)
    p, xs, targets, state0 = _problem(cell)
    got = loss_state_grads(cell, p, xs, targets, state0)
    states = _states(cell, p, xs, state0)
    T, B = xs.shape[:2]
    for k in range(T + 1):
        for s in states:
            for b in range(B):
                for j in range(states[s].shape[2]):
                    f = []
                    for sign in (1, -1):
                        s_k = {n: v[k].copy() for n, v in states.items()}
                        s_k[s][b, j] += sign * EPS
                        if k == T:            # L_T read off s_T directly: one zero-input step is not it
                            f.append(_readout_loss(cell, p, s_k, targets))
                        else:
                            f.append(_last_loss(cell, p, xs[k:], targets[k:], s_k))
                    num = (f[0] - f[1]) / (2 * EPS)
                    assert abs(got[s][k, b, j] - num) <= ATOL + RTOL * abs(num), (cell, s, k, b, j)


def _readout_loss(cell, p, s_T, targets):
    o = s_T["o"] if cell == "jordan" else s_T["h"] @ p["W_hy"].T + p["b_y"]
    m = o.max(axis=1, keepdims=True)
    lse = m[:, 0] + np.log(np.exp(o - m).sum(axis=1))
    return float((lse - o[np.arange(o.shape[0]), targets[-1]]).sum())


@pytest.mark.parametrize("cell", ["elman", "gru", "lstm"])
def test_state_jacobians_equal_central_differences_of_one_step(cell):
    p, xs, _, state0 = _problem(cell, B=1)
    x1 = xs[:, 0]
    s0 = {s: v[0] for s, v in state0.items()}
    J = state_jacobians(cell, p, x1, s0)
    states = _states(cell, p, xs, state0)
    names = list(STATE_SIZES[cell])
    for t in range(1, xs.shape[0] + 1):
        col = 0
        for s in names:
            for j in range(states[s].shape[2]):
                outs = []
                for sign in (1, -1):
                    prev = {n: v[t - 1].copy() for n, v in states.items()}
                    prev[s][0, j] += sign * EPS
                    st = forward(cell, p, xs[t - 1:t], prev).states
                    outs.append(np.concatenate([st[n][0, 0] for n in names]))
                np.testing.assert_allclose(J[t - 1][:, col], (outs[0] - outs[1]) / (2 * EPS), rtol=RTOL, atol=ATOL)
                col += 1


def test_lstm_cell_state_block_is_the_forget_gate_exactly():
    p, xs, _, state0 = _problem("lstm", B=1)
    H = 3
    J = state_jacobians("lstm", p, xs[:, 0], {s: v[0] for s, v in state0.items()})
    h_prev = _states("lstm", p, xs, state0)["h"][:-1, 0]                       # (T, H)
    f = 1 / (1 + np.exp(-(xs[:, 0] @ p["W_xf"].T + h_prev @ p["W_hf"].T + p["b_f"])))
    for t in range(xs.shape[0]):
        np.testing.assert_allclose(J[t][H:, H:], np.diag(f[t]), rtol=1e-14, atol=1e-15)   # ∂c_t/∂c_{t-1}


def test_a_forget_or_update_gate_near_one_slows_the_decay():
    for cell, (gate, *_) in KEEP_GATE.items():
        base, kept = cell_decay(cell, T=30, B=8, H=20), cell_decay(cell, T=30, B=8, H=20, gate_bias=3.0)
        assert base.keep_gate[0] == gate and kept.keep_gate[1] > 0.9 > 0.6 > base.keep_gate[1]
        assert kept.median[30] > 100 * base.median[30] and kept.decay_factor > base.decay_factor
        assert base.median[0] == 1.0 and base.norms.shape == (31, 8)
    with pytest.raises(ValueError, match="gate_bias=1 needs a cell with a gate"):
        cell_decay("elman", gate_bias=1.0)


# ---- CLI --------------------------------------------------------------------------------------

def test_analyze_default_cell_keeps_todays_output(capsys):
    assert main(["analyze", "--T", "8", "--hidden-size", "10"]) == 0
    today = capsys.readouterr().out
    assert main(["analyze", "--T", "8", "--hidden-size", "10", "--cell", "elman"]) == 0
    assert capsys.readouterr().out == today and "spectral norm" in today


def test_analyze_cell_reports_the_measured_decay(capsys):
    argv = ["analyze", "--cell", "lstm", "--T", "10", "--hidden-size", "12", "--seed", "2"]
    assert main([*argv, "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    d = cell_decay("lstm", T=10, B=32, D=8, H=12, V=8, seed=2)
    assert doc["cell"] == "lstm" and doc["keep_gate"]["name"] == "f"
    np.testing.assert_allclose(doc["relative_norms"], d.median, rtol=1e-12)
    assert set(doc["relative_state_norms"]) == {"h", "c"} and doc["relative_state_norms"]["c"][0] == 0.0
    assert main(argv) == 0
    out = capsys.readouterr().out
    rows = [line.split() for line in out.splitlines() if line.strip()[:1].isdigit()]
    assert [int(r[0]) for r in rows] == list(range(10, -1, -1)) and len(rows[0]) == 5   # k, T-k, s, h, c
    assert "effective decay factor" in out and "mean f" in out


@pytest.mark.parametrize("argv, match", [
    (["analyze", "--cell", "lsmt"], "--cell 'lsmt' is not a built-in cell; choose one of"),
    (["analyze", "--cell", "lstm", "--radius", "1.5"], "--radius applies only to the elman analysis"),
    (["analyze", "--gate-bias", "2"], "--gate-bias applies only with --cell lstm or --cell gru"),
    (["analyze", "--cell", "jordan", "--gate-bias", "2"], "gate_bias=2 needs a cell with a gate"),
    (["plot", "decay", "--cell", "elman,foo"], "--cell 'foo' is not a built-in cell; choose from"),
    (["plot", "decay", "--cell", "lstm", "--factors", "0.5"], "--factors applies only to plot decay without --cell"),
    (["plot", "decay", "--T", "5"], "--T applies only to plot decay --cell"),
    (["plot", "decay", "--cell", "lstm,lstm"], "names a cell twice"),
])
def test_cell_flags_refuse_bad_input_with_exit_2(argv, match, capsys, tmp_path):
    assert main([*argv, *(["--out", str(tmp_path / "d.png")] if argv[0] == "plot" else [])]) == 2
    err = capsys.readouterr().err.strip()
    assert match in err and "\n" not in err


def test_plot_decay_cells_side_by_side(tmp_path, capsys):
    out = tmp_path / "cells.png"
    assert main(["plot", "decay", "--cell", "elman,lstm,gru", "--T", "12", "--hidden-size", "8",
                 "--out", str(out), "--width", "12", "--height", "4", "--dpi", "25"]) == 0
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", data[16:24]) == (300, 100)
    from derive.cli.cell_figures import cell_decay_figure

    decays = {c: [cell_decay(c, T=12, H=8, gate_bias=b) for b in ((0.0, 3.0) if c in KEEP_GATE else (0.0,))]
              for c in ("elman", "lstm", "gru")}
    fig = cell_decay_figure(decays)
    axes = fig.axes
    assert [ax.get_title().split(":")[0] for ax in axes] == ["elman", "lstm", "gru"]
    assert all(ax.get_yscale() == "log" and ax.get_xlabel() for ax in axes) and axes[0].get_ylabel()
    lstm_lines = [line for line in axes[1].lines if "gate bias +3" in line.get_label()]
    np.testing.assert_allclose(lstm_lines[0].get_ydata(), decays["lstm"][1].median)
