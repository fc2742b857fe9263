"""numeric.cells.bptt: the elman engine equals numeric.bptt, every cell equals central differences,
truncation keeps the engine's definition, one step's VJP is the step's transposed Jacobian, and
bad input gets one clear line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import numeric
import numeric.cells as cells

ROOT = Path(__file__).resolve().parent.parent


def _problem(cell, T, B, D, H, V, loss="cross_entropy", seed=0, scale=2.0, batched=True):
    """Parameters (scaled up so that the gates are not all near 1/2), inputs, targets, state0."""
    rng = np.random.default_rng(seed)
    m = cells.load(cell)
    p = {k: scale * v for k, v in cells.init_params(cell, D, H, V, seed=seed + 1).items()}
    lead = (T, B) if batched else (T,)
    xs = rng.normal(size=lead + (D,))
    y = rng.integers(0, V, size=lead) if loss == "cross_entropy" else rng.normal(size=lead + (V,))
    dims = {"H": H, "V": V}
    s0 = {s: 0.5 * rng.normal(size=((B,) if batched else ()) + (dims[d],)) for s, d in m.STATES.items()}
    return p, xs, y, s0


def _rel(a, b):
    return float(np.abs(a - b).max() / max(np.abs(b).max(), 1e-300))


# ---- the elman cell is numeric.bptt ---------------------------------------------------------

@pytest.mark.parametrize("activation", sorted(numeric.ACTIVATIONS))
@pytest.mark.parametrize("loss", sorted(numeric.LOSSES))
def test_elman_equals_numeric_bptt(activation, loss):
    p, xs, y, s0 = _problem("elman", 6, 3, 3, 4, 3, loss, seed=7)
    w = np.random.default_rng(2).uniform(size=6)
    for kw in ({}, {"loss_at": "last"}, {"loss_weights": w, "truncation": numeric.Truncation(2, 3)}):
        a = numeric.bptt(numeric.Params.from_dict(p), xs, y, h0=s0["h"], activation=activation, loss=loss, **kw)
        b = cells.bptt("elman", p, xs, y, s0, activation=activation, loss=loss, **kw)
        # the same products and sums, grouped into GEMMs in a different order: float64 rounding
        # differences of a few ulps times the (small) depth of the sums, far below 1e-12
        assert abs(a.loss - b.loss) <= 1e-12 * abs(a.loss)
        for name, g in a.grads:
            assert _rel(b.grads[name], g) <= 1e-12, (name, kw)
        assert _rel(b.dstate0["h"], a.dh0) <= 1e-12 and _rel(b.dxs, a.dxs) <= 1e-12
        assert _rel(b.state_last["h"], a.h_last) <= 1e-12


# ---- every cell against central differences ---------------------------------------------------

def _central(f, a, h=1e-5):
    g = np.zeros_like(a)
    for i in np.ndindex(a.shape):
        old = a[i]
        a[i] = old + h
        up = f()
        a[i] = old - h
        g[i] = (up - f()) / (2 * h)
        a[i] = old
    return g


SHAPES = [(1, 1, 1, 1, 1, "cross_entropy"), (4, 2, 3, 4, 3, "cross_entropy"), (5, 1, 2, 3, 2, "half_sse"),
          (3, 3, 2, 2, 4, "mse")]


@pytest.mark.parametrize("cell", cells.CELLS)
@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "T{}B{}D{}H{}V{}-{}".format(*s))
def test_every_cell_equals_central_differences(cell, shape):
    *sizes, loss = shape
    p, xs, y, s0 = _problem(cell, *sizes, loss=loss, seed=sum(sizes))
    r = cells.bptt(cell, p, xs, y, s0, loss=loss)
    f = lambda: cells.bptt(cell, p, xs, y, s0, loss=loss).loss  # noqa: E731
    # h = 1e-5 in float64: the central difference's truncation error is ~h²·|L'''|/6 ≈ 1e-10 for
    # these O(1) inputs and its rounding ~1e-16·|L|/h ≈ 1e-10, so 1e-7 of the largest entry leaves
    # a margin of ~100 while any wrong term (of the gradient's own size) is far above it.
    for name in p:
        assert _rel(r.grads[name], _central(f, p[name])) < 1e-7, name
    for s in s0:
        assert _rel(r.dstate0[s], _central(f, s0[s])) < 1e-7, s
    assert _rel(r.dxs, _central(f, xs)) < 1e-7


@pytest.mark.parametrize("cell", cells.CELLS)
def test_truncation_with_k2_at_least_T_is_full_bptt(cell):
    p, xs, y, s0 = _problem(cell, 7, 2, 3, 4, 3, seed=3)
    full = cells.bptt(cell, p, xs, y, s0)
    for trunc in (numeric.Truncation(7, 7), numeric.Truncation(2, 9), numeric.Truncation(3, 7)):
        r = cells.bptt(cell, p, xs, y, s0, truncation=trunc)
        # the windows' losses are computed and back-propagated separately and summed: rounding only
        assert abs(r.loss - full.loss) <= 1e-13 * abs(full.loss)
        for name in p:
            assert _rel(r.grads[name], full.grads[name]) < 1e-12, (name, trunc)
        assert _rel(r.dxs, full.dxs) < 1e-12


@pytest.mark.parametrize("cell", cells.CELLS)
def test_a_short_window_cuts_the_gradient(cell):
    # Truncation(1, 1): each loss reaches only its own step; ∂L/∂s_0 comes from L_1 alone
    p, xs, y, s0 = _problem(cell, 4, 2, 3, 4, 3, seed=4)
    r = cells.bptt(cell, p, xs, y, s0, truncation=1)
    only_first = cells.bptt(cell, p, xs[:1], y[:1], s0)
    for s in s0:
        assert _rel(r.dstate0[s], only_first.dstate0[s]) < 1e-12


@pytest.mark.parametrize("cell", cells.CELLS)
def test_float32_and_unbatched_layouts(cell):
    p, xs, y, s0 = _problem(cell, 5, 1, 3, 4, 3, seed=9, batched=False)
    r64 = cells.bptt(cell, p, xs, y, s0)
    p32 = {k: v.astype(np.float32) for k, v in p.items()}
    r32 = cells.bptt(cell, p32, xs, y, {s: v.astype(np.float32) for s, v in s0.items()})
    assert all(g.dtype == np.float32 for g in r32.grads.values()) and r32.dxs.dtype == np.float32
    assert r64.dxs.shape == xs.shape and all(r64.dstate0[s].shape == s0[s].shape for s in s0)
    for name in p:   # float32 rounding (eps 6e-8) through a few steps
        assert _rel(r32.grads[name], r64.grads[name]) < 1e-3, name
    batched = cells.bptt(cell, p, xs[:, None], y[:, None], {s: v[None] for s, v in s0.items()})
    for name in p:
        assert _rel(batched.grads[name], r64.grads[name]) < 1e-13


@pytest.mark.parametrize("cell", cells.CELLS)
def test_forward_logits_give_the_loss(cell):
    p, xs, y, s0 = _problem(cell, 4, 2, 3, 4, 3, seed=11)
    out = cells.forward(cell, p, xs, s0)
    o = out.logits
    ref = float(np.sum(np.log(np.exp(o).sum(-1))) - np.take_along_axis(o, y[..., None], -1).sum())
    assert abs(cells.bptt(cell, p, xs, y, s0).loss - ref) < 1e-12 * abs(ref)
    for s in s0:
        assert np.array_equal(out.state_last[s], cells.bptt(cell, p, xs, y, s0).state_last[s])


@pytest.mark.parametrize("cell", cells.CELLS)
def test_step_vjp_is_the_transposed_step_jacobian(cell):
    m = cells.load(cell)
    p, xs, y, s0 = _problem(cell, 3, 2, 3, 4, 3, seed=13)
    dims = {"H": 4, "D": 3, "V": 3}
    rng = np.random.default_rng(0)
    u = {s: rng.normal(size=v.shape) for s, v in s0.items()}

    def tape_from(state):
        S = m.stack(p, dims)
        return m.forward(p, S, xs[1:2], state, dims, m.ACTIVATION)

    def pairing():   # <u, s_1> after one step from s0 with x_2
        t = tape_from(s0)
        return sum(float((u[s] * t[f"s_{s}"][1]).sum()) for s in u)

    vjp = m.step_vjp(p, tape_from(s0), 1, u)
    for s in s0:   # <u, s_t> is smooth in s_{t-1}: central differences as above
        assert _rel(vjp[s], _central(pairing, s0[s])) < 1e-7
    # on a longer tape, step t's VJP is the same map, read at that step
    long = m.forward(p, m.stack(p, dims), xs, s0, dims, m.ACTIVATION)
    at2 = m.step_vjp(p, long, 2, u)
    short = m.step_vjp(p, tape_from({s: long[f"s_{s}"][1] for s in s0}), 1, u)
    for s in s0:
        assert np.allclose(at2[s], short[s], rtol=1e-13, atol=0)


# ---- bad input ----------------------------------------------------------------------------------

def _lstm():
    p, xs, y, s0 = _problem("lstm", 3, 2, 3, 4, 3)
    return p, xs, y, s0


@pytest.mark.parametrize("change, match", [
    (lambda a: a.update(cell="lstn"), r"cell='lstn' is not known; choose one of elman, jordan, gru, lstm"),
    (lambda a: a["p"].pop("W_hf"), r"params is missing 'W_hf' for cell 'lstm'; it takes exactly W_xi"),
    (lambda a: a["p"].update(W_hq=np.zeros((4, 4))), r"params has unknown parameter 'W_hq'"),
    (lambda a: a["p"].update(W_hf=np.zeros((4, 5))), r"params\['W_hf'\] must have shape \(H, H\) with H = 4"),
    (lambda a: a["p"]["b_o"].__setitem__(1, np.nan), r"params\['b_o'\] must be finite"),
    (lambda a: a.update(xs=a["xs"][:0]), r"xs must hold at least one time step \(T >= 1\)"),
    (lambda a: a.update(xs=np.ones((3, 2, 5))), r"xs must have shape \(T, D\) or \(T, B, D\) with D = 3"),
    (lambda a: a["xs"].__setitem__((0, 0, 0), np.inf), r"xs must be finite"),
    (lambda a: a["s0"].update(c=np.zeros(4)), r"state0\['c'\] must have shape \(2, 4\)"),
    (lambda a: a["s0"].update(q=np.zeros((2, 4))), r"state0 has unknown state 'q' for cell 'lstm'"),
    (lambda a: a.update(activation="relu"), r"activation='relu' is not accepted by cell 'lstm'"),
    (lambda a: a.update(loss="l1"), r"loss='l1' is not known; choose one of"),
    (lambda a: a.update(y=a["y"][:2]), r"targets for loss='cross_entropy' must have shape \(3, 2\)"),
])
def test_bad_input_gets_one_line_naming_the_argument(change, match):
    p, xs, y, s0 = _lstm()
    args = {"cell": "lstm", "p": p, "xs": xs, "y": y, "s0": s0, "activation": None, "loss": "cross_entropy"}
    change(args)
    with pytest.raises((ValueError, TypeError), match=match) as e:
        cells.bptt(args["cell"], args["p"], args["xs"], args["y"], args["s0"], activation=args["activation"],
                   loss=args["loss"])
    assert "\n" not in str(e.value)


def test_elman_refuses_an_unknown_activation_and_mixed_dtypes():
    p, xs, y, s0 = _problem("elman", 3, 2, 3, 4, 3)
    with pytest.raises(ValueError, match="activation='softsign' is not known; choose one of identity, relu"):
        cells.bptt("elman", p, xs, y, activation="softsign")
    p["W_hh"] = p["W_hh"].astype(np.float32)
    with pytest.raises(TypeError, match="params must all be float32 or all float64"):
        cells.bptt("elman", p, xs, y)
    with pytest.raises(TypeError, match="not a generated cell engine"):
        cells.bptt(numeric, p, xs, y)


def test_import_numeric_does_not_load_the_cells():
    code = "import sys, numeric; print('numeric.cells' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "False"


def test_a_truncated_call_holds_a_window_not_the_sequence():
    import tracemalloc

    def peak(T):
        p, xs, y, s0 = _problem("lstm", T, 4, 2, 32, 4, seed=1)
        tracemalloc.start()
        cells.bptt("lstm", p, xs, y, s0, truncation=numeric.Truncation(5, 10))
        out = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return out

    small, large = peak(50), peak(200)
    # only the result ∂L/∂x (T, B, D) grows with T; the tape of all T steps would add ~7·T·B·H·8 bytes
    assert large - small < 2 * 150 * 4 * 2 * 8 + 64 * 1024
    assert large < 0.5 * 7 * 200 * 4 * 32 * 8


@pytest.mark.parametrize("cell", cells.CELLS)
def test_backward_chains_through_d_in(cell):
    # steps 4..T, then 1..3 with the adjoint of s_3 entering: the two runs sum to the full window
    m = cells.load(cell)
    p, xs, y, s0 = _problem(cell, 6, 2, 3, 4, 3, seed=17)
    dims = {"H": 4, "D": 3, "V": 3}
    S = m.stack(p, dims)
    tape = m.forward(p, S, xs, s0, dims, m.ACTIVATION)
    seed = np.random.default_rng(3).normal(size=(6,) + m.outputs(tape).shape[1:])
    full, d0, dx = m.backward(p, S, tape, seed, 1, 6)
    late, d3, dx_late = m.backward(p, S, tape, seed[3:], 4, 6)
    early, d0_chained, dx_early = m.backward(p, S, tape, seed[:3], 1, 3, d_in=d3)
    for name in full:
        assert _rel(late[name] + early[name], full[name]) < 1e-12, name
    for s in d0:
        assert _rel(d0_chained[s], d0[s]) < 1e-12
    assert _rel(np.concatenate([dx_early, dx_late]), dx) < 1e-12
