"""numeric.cells.layout: PyTorch's stacked layout <-> per-gate names, without torch.

The references here are written independently of layout.py's table: the stacking is spelled out
gate by gate from PyTorch's documentation (nn.LSTM: weight_ih_l0 = W_ii|W_if|W_ig|W_io; nn.GRU:
W_ir|W_iz|W_in), and one step of PyTorch's documented equations on the stacked arrays is compared
with one step of the cells' equations (docs/lstm.md, docs/gru.md) on the mapped names.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from derive.cells import CELLS
from numeric.cells.layout import from_torch, to_torch


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def random_torch(cell, D, H, V, seed=0, dtype=np.float64, prefix="", linear_prefix=""):
    """Random stacked arrays with PyTorch's keys: (rnn dict, linear dict)."""
    G = {"lstm": 4, "gru": 3, "elman": 1}[cell]
    rng = np.random.default_rng(seed)
    r = lambda *s: rng.standard_normal(s).astype(dtype)  # noqa: E731
    rnn = {prefix + "weight_ih_l0": r(G * H, D), prefix + "weight_hh_l0": r(G * H, H),
           prefix + "bias_ih_l0": r(G * H), prefix + "bias_hh_l0": r(G * H)}
    return rnn, {linear_prefix + "weight": r(V, H), linear_prefix + "bias": r(V)}


# --- PyTorch's documented equations on the stacked layout (torch.nn.LSTM / GRU docs) ------------

def torch_lstm_step(sd, x, h, c):
    W_ii, W_if, W_ig, W_io = np.split(sd["weight_ih_l0"], 4)
    W_hi, W_hf, W_hg, W_ho = np.split(sd["weight_hh_l0"], 4)
    b_ii, b_if, b_ig, b_io = np.split(sd["bias_ih_l0"], 4)
    b_hi, b_hf, b_hg, b_ho = np.split(sd["bias_hh_l0"], 4)
    i = sigmoid(W_ii @ x + b_ii + W_hi @ h + b_hi)
    f = sigmoid(W_if @ x + b_if + W_hf @ h + b_hf)
    g = np.tanh(W_ig @ x + b_ig + W_hg @ h + b_hg)
    o = sigmoid(W_io @ x + b_io + W_ho @ h + b_ho)
    c2 = f * c + i * g
    return o * np.tanh(c2), c2


def torch_gru_step(sd, x, h):
    W_ir, W_iz, W_in = np.split(sd["weight_ih_l0"], 3)
    W_hr, W_hz, W_hn = np.split(sd["weight_hh_l0"], 3)
    b_ir, b_iz, b_in = np.split(sd["bias_ih_l0"], 3)
    b_hr, b_hz, b_hn = np.split(sd["bias_hh_l0"], 3)
    r = sigmoid(W_ir @ x + b_ir + W_hr @ h + b_hr)
    z = sigmoid(W_iz @ x + b_iz + W_hz @ h + b_hz)
    n = np.tanh(W_in @ x + b_in + r * (W_hn @ h + b_hn))
    return (1 - z) * n + z * h


# --- the cells' equations on the per-gate names (derive/cells/builtin.py) ----------------------

def cell_lstm_step(p, x, h, c):
    i = sigmoid(p["W_xi"] @ x + p["W_hi"] @ h + p["b_i"])
    f = sigmoid(p["W_xf"] @ x + p["W_hf"] @ h + p["b_f"])
    g = np.tanh(p["W_xg"] @ x + p["W_hg"] @ h + p["b_g"])
    og = sigmoid(p["W_xo"] @ x + p["W_ho"] @ h + p["b_o"])
    c2 = f * c + i * g
    return og * np.tanh(c2), c2


def cell_gru_step(p, x, h):
    r = sigmoid(p["W_xr"] @ x + p["W_hr"] @ h + p["b_r"])
    z = sigmoid(p["W_xz"] @ x + p["W_hz"] @ h + p["b_z"])
    n = np.tanh(p["W_xn"] @ x + p["b_xn"] + r * (p["W_hn"] @ h + p["b_hn"]))
    return (1 - z) * n + z * h


# Agreement of two float64 evaluations of the same step in different association orders (bias
# sums added before or after the products): a few ulps of O(1) values, far below 1e-12.
STEP_TOL = 1e-12


@pytest.mark.parametrize("seed", range(3))
def test_lstm_from_torch_gives_pytorchs_step(seed):
    sd, _ = random_torch("lstm", 3, 4, 2, seed)
    rng = np.random.default_rng(100 + seed)
    x, h, c = rng.standard_normal(3), rng.standard_normal(4), rng.standard_normal(4)
    p = from_torch("lstm", sd)
    for a, b in zip(cell_lstm_step(p, x, h, c), torch_lstm_step(sd, x, h, c)):
        np.testing.assert_allclose(a, b, rtol=STEP_TOL, atol=STEP_TOL)


@pytest.mark.parametrize("seed", range(3))
def test_gru_from_torch_gives_pytorchs_step(seed):
    sd, _ = random_torch("gru", 3, 4, 2, seed)
    rng = np.random.default_rng(100 + seed)
    x, h = rng.standard_normal(3), rng.standard_normal(4)
    p = from_torch("gru", sd)
    np.testing.assert_allclose(cell_gru_step(p, x, h), torch_gru_step(sd, x, h), rtol=STEP_TOL, atol=STEP_TOL)


def test_gru_keeps_the_n_biases_apart():
    sd, _ = random_torch("gru", 2, 3, 2)
    p = from_torch("gru", sd)
    assert np.array_equal(p["b_xn"], sd["bias_ih_l0"][6:9]) and np.array_equal(p["b_hn"], sd["bias_hh_l0"][6:9])
    assert np.array_equal(p["b_r"], sd["bias_ih_l0"][0:3] + sd["bias_hh_l0"][0:3])


def test_to_torch_stacks_in_pytorchs_gate_order():
    rng = np.random.default_rng(5)
    H, D = 3, 2
    names = CELLS["lstm"].params
    p = {n: rng.standard_normal((H, D) if n.startswith("W_x") else (H, H) if n.startswith("W_h") else (H,))
         for n in names if n not in ("W_hy", "b_y")}
    rnn, lin = to_torch("lstm", p)
    assert lin is None
    assert np.array_equal(rnn["weight_ih_l0"], np.vstack([p["W_xi"], p["W_xf"], p["W_xg"], p["W_xo"]]))
    assert np.array_equal(rnn["weight_hh_l0"], np.vstack([p["W_hi"], p["W_hf"], p["W_hg"], p["W_ho"]]))
    assert np.array_equal(rnn["bias_ih_l0"], np.concatenate([p["b_i"], p["b_f"], p["b_g"], p["b_o"]]))
    assert np.array_equal(rnn["bias_hh_l0"], np.zeros(4 * H))
    g = {n: rng.standard_normal((H, D) if n.startswith("W_x") else (H, H) if n.startswith("W_h") else (H,))
         for n in CELLS["gru"].params if n not in ("W_hy", "b_y")}
    rnn, _ = to_torch("gru", g)
    assert np.array_equal(rnn["weight_ih_l0"], np.vstack([g["W_xr"], g["W_xz"], g["W_xn"]]))
    assert np.array_equal(rnn["weight_hh_l0"], np.vstack([g["W_hr"], g["W_hz"], g["W_hn"]]))
    assert np.array_equal(rnn["bias_ih_l0"], np.concatenate([g["b_r"], g["b_z"], g["b_xn"]]))
    assert np.array_equal(rnn["bias_hh_l0"], np.concatenate([np.zeros(2 * H), g["b_hn"]]))


@pytest.mark.parametrize("cell", ["elman", "gru", "lstm"])
def test_names_are_the_cells_parameters(cell):
    sd, lin = random_torch(cell, 2, 3, 4)
    p = from_torch(cell, sd, lin)
    assert sorted(p) == sorted(CELLS[cell].params)
    for name, dims in CELLS[cell].params.items():
        assert p[name].shape == tuple({"H": 3, "D": 2, "V": 4}[d] for d in dims)


@given(cell=st.sampled_from(["elman", "gru", "lstm"]), D=st.integers(1, 4), H=st.integers(1, 5),
       V=st.integers(1, 4), seed=st.integers(0, 2**16), dtype=st.sampled_from([np.float32, np.float64]))
def test_round_trips(cell, D, H, V, seed, dtype):
    sd, lin = random_torch(cell, D, H, V, seed, dtype)
    p = from_torch(cell, sd, lin)
    assert all(a.dtype == dtype for a in p.values())
    rnn, lin2 = to_torch(cell, p)
    # params -> torch -> params is exact: slicing, stacking and adding a zero bias lose nothing
    again = from_torch(cell, rnn, lin2)
    assert p.keys() == again.keys() and all(np.array_equal(p[k], again[k]) for k in p)
    # torch -> params -> torch keeps the weights and each gate's bias sum (PyTorch's split is lost)
    assert np.array_equal(rnn["weight_ih_l0"], sd["weight_ih_l0"]) and np.array_equal(lin2["weight"], lin["weight"])
    summed = rnn["bias_ih_l0"] + rnn["bias_hh_l0"]
    assert np.array_equal(summed, sd["bias_ih_l0"] + sd["bias_hh_l0"]) or cell == "gru"
    if cell == "gru":                       # the n block is copied, not summed
        assert np.array_equal(rnn["bias_hh_l0"][2 * H:], sd["bias_hh_l0"][2 * H:])


def test_one_model_dict_with_prefixes():
    rnn, lin = random_torch("lstm", 2, 3, 4, prefix="rnn.", linear_prefix="fc.")
    model = {"embed.weight": np.ones((5, 2)), **rnn, **lin}
    p = from_torch("lstm", model, model, prefix="rnn.", linear_prefix="fc.")
    assert np.array_equal(p["W_hy"], lin["fc.weight"]) and np.array_equal(p["W_xi"], rnn["rnn.weight_ih_l0"][:3])
    back, fc = to_torch("lstm", p, prefix="rnn.", linear_prefix="fc.")
    assert set(back) == set(rnn) and set(fc) == set(lin)


class FakeTensor:
    """A stand-in for a torch tensor: detach(), cpu(), numpy()."""

    def __init__(self, a):
        self.a = a

    def detach(self):
        return self

    def cpu(self):
        return self

    def numpy(self):
        return self.a


class ArrayLike:
    def __init__(self, a):
        self.a = a

    def __array__(self, dtype=None, copy=None):
        return self.a


def test_accepts_tensor_like_values_and_copies_them():
    sd, lin = random_torch("gru", 2, 3, 4)
    wrapped = {k: FakeTensor(v) for k, v in sd.items()}
    p = from_torch("gru", wrapped, {k: ArrayLike(v) for k, v in lin.items()})
    ref = from_torch("gru", sd, lin)
    assert all(np.array_equal(p[k], ref[k]) for k in ref)
    p["W_xr"][0, 0] += 1.0
    assert p["W_xr"][0, 0] != sd["weight_ih_l0"][0, 0]        # a copy, not a view of the tensor


@pytest.mark.parametrize("key, message", [
    ("weight_ih_l1", "multi-layer"), ("weight_ih_l0_reverse", "bidirectional"),
    ("weight_hr_l0", "proj_size"), ("fc.weight", "pass prefix="),
])
def test_refuses_other_layouts(key, message):
    sd, _ = random_torch("lstm", 2, 3, 4)
    sd[key] = np.zeros((12, 2))
    with pytest.raises(ValueError, match=message) as e:
        from_torch("lstm", sd)
    assert repr(key) in str(e.value)


def test_errors_name_the_problem():
    sd, lin = random_torch("lstm", 2, 3, 4)
    with pytest.raises(ValueError, match=r"'bias_hh_l0'"):
        from_torch("lstm", {k: v for k, v in sd.items() if k != "bias_hh_l0"})
    with pytest.raises(ValueError, match=r"weight_hh_l0 must have shape \(4H, H\)"):
        from_torch("lstm", {**sd, "weight_hh_l0": np.zeros((10, 3))})
    with pytest.raises(ValueError, match=r"weight_ih_l0 must have shape"):
        from_torch("lstm", {**sd, "weight_ih_l0": np.zeros((8, 2))})
    with pytest.raises(ValueError, match=r"bias_ih_l0 must have shape \(12,\)"):
        from_torch("lstm", {**sd, "bias_ih_l0": np.zeros(8)})
    with pytest.raises(ValueError, match=r"weight must have shape \(V, H\) with H = 3"):
        from_torch("lstm", sd, {"weight": np.zeros((4, 2)), "bias": np.zeros(4)})
    with pytest.raises(ValueError, match="cell='jordan' has no PyTorch layout; choose one of elman, gru, lstm"):
        from_torch("jordan", sd)
    with pytest.raises(ValueError, match="float32 or float64; got dtype int64"):
        from_torch("lstm", {**sd, "bias_ih_l0": np.zeros(12, dtype=np.int64)})
    with pytest.raises(ValueError, match="one dtype"):
        from_torch("lstm", {**sd, "bias_ih_l0": np.zeros(12, dtype=np.float32)})
    with pytest.raises(TypeError, match="mapping"):
        from_torch("lstm", [1, 2])
    p = from_torch("lstm", sd, lin)
    with pytest.raises(ValueError, match="missing b_o"):
        to_torch("lstm", {k: v for k, v in p.items() if k != "b_o"})
    with pytest.raises(ValueError, match="unknown W_xr"):
        to_torch("lstm", {**p, "W_xr": p["W_xi"]})
    with pytest.raises(ValueError, match="both W_hy and b_y or neither"):
        to_torch("lstm", {k: v for k, v in p.items() if k != "b_y"})
    with pytest.raises(ValueError, match=r"W_hf must have shape \(3, 3\)"):
        to_torch("lstm", {**p, "W_hf": np.zeros((3, 2))})


def test_a_generated_cell_module_is_accepted_as_the_cell():
    from numeric.cells import load

    sd, lin = random_torch("lstm", 2, 3, 4)
    p = from_torch(load("lstm"), sd, lin)
    assert p.keys() == from_torch("lstm", sd, lin).keys() and sorted(p) == sorted(load("lstm").PARAMS)
    with pytest.raises(ValueError, match="cell='jordan' has no PyTorch layout"):
        to_torch(load("jordan"), p)
