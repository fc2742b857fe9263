"""Checkpointing for the generated cell engines (issue 16 on issue 14's numeric.cells.bptt): every
built-in cell returns what storing every state returns, and the plan is what runs."""

from __future__ import annotations

import numpy as np
import pytest

import numeric
import numeric.cells as cells
from numeric.checkpoint import Checkpointing
from numeric.cells.validate import resolve
from numeric.truncation import update_points

D, H, V = 3, 4, 5


def problem(cell, T, B=2, *, loss="cross_entropy", dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    params = {n: a.astype(dtype) for n, a in cells.init_params(cell, D=D, H=H, V=V, seed=seed).items()}
    xs = rng.standard_normal((T, B, D)).astype(dtype)
    ys = rng.integers(0, V, (T, B)) if loss == "cross_entropy" else rng.standard_normal((T, B, V)).astype(dtype)
    return params, xs, ys


def assert_same(full, got, rtol):
    """Every output equal to rtol relative to its largest entry (the scale of its round-off)."""
    pairs = [(f"grads[{n}]", full.grads[n], got.grads[n]) for n in full.grads]
    pairs += [(f"dstate0[{s}]", full.dstate0[s], got.dstate0[s]) for s in full.dstate0]
    pairs += [(f"state_last[{s}]", full.state_last[s], got.state_last[s]) for s in full.state_last]
    pairs += [("dxs", full.dxs, got.dxs), ("loss", np.float64(full.loss), np.float64(got.loss))]
    assert sorted(full.grads) == sorted(got.grads) and sorted(full.dstate0) == sorted(got.dstate0)
    for name, a, b in pairs:
        assert a.shape == b.shape and a.dtype == b.dtype, name
        scale = max(float(np.abs(a).max()), 1e-30)
        assert float(np.abs(a - b).max()) <= rtol * scale, name


# float64: the same products, summed per backward run instead of per window, and recomputed
# states from differently chunked input GEMMs: a few ulps, far below the 1e-13.
# float32: the same at its epsilon, 1e-5.
RTOL = {np.float64: 1e-13, np.float32: 1e-5}
CKS = [Checkpointing(slots=1), Checkpointing(slots=3), Checkpointing(policy="sqrt"),
       Checkpointing(policy="every", every=4)]


@pytest.mark.parametrize("cell", cells.CELLS)
@pytest.mark.parametrize("kw", [{}, {"truncation": 6}, {"truncation": numeric.Truncation(5, 12)},
                                {"loss_at": "last"}, {"loss": "half_sse"}], ids=str)
def test_checkpointed_cell_bptt_equals_full_for_every_cell(cell, kw):
    params, xs, ys = problem(cell, 37, loss=kw.get("loss", "cross_entropy"))
    full = cells.bptt(cell, params, xs, ys, **kw)
    for ck in CKS:
        assert_same(full, cells.bptt(cell, params, xs, ys, checkpoint=ck, **kw), RTOL[np.float64])


@pytest.mark.parametrize("cell", cells.CELLS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_checkpointed_cell_bptt_with_weights_state0_and_dtype(cell, dtype):
    params, xs, ys = problem(cell, 45, dtype=dtype)
    rng = np.random.default_rng(4)
    w = rng.uniform(0, 2, (45, 2)).astype(dtype)
    w[7] = 0                                        # a masked step
    state0 = {s: (0.3 * rng.standard_normal((2, params["W_hy"].shape[0] if dim == "V" else H))).astype(dtype)
              for s, dim in resolve(cell).STATES.items()}
    full = cells.bptt(cell, params, xs, ys, state0, loss_weights=w)
    got = cells.bptt(cell, params, xs, ys, state0, loss_weights=w, checkpoint=Checkpointing(slots=2))
    assert_same(full, got, RTOL[dtype])
    assert any(float(np.abs(v).max()) > 0 for v in got.dstate0.values())   # dstate0 is exercised


@pytest.mark.parametrize("cell", cells.CELLS)
def test_checkpointed_cell_bptt_unbatched(cell):
    params, xs, ys = problem(cell, 19, B=1)
    full = cells.bptt(cell, params, xs[:, 0], ys[:, 0])
    got = cells.bptt(cell, params, xs[:, 0], ys[:, 0], checkpoint=Checkpointing(slots=3))
    assert got.dxs.shape == (19, D)
    assert_same(full, got, RTOL[np.float64])


@pytest.mark.parametrize("cell", cells.CELLS)
@pytest.mark.parametrize("ck", [Checkpointing(slots=1), Checkpointing(slots=4), Checkpointing(policy="sqrt")],
                         ids=str)
@pytest.mark.parametrize("truncation", [None, numeric.Truncation(4, 9)], ids=str)
def test_cell_engine_evaluates_the_plan_plus_one_taping_step_per_backward_step(monkeypatch, cell, ck, truncation):
    m = resolve(cell)
    count = [0]
    real = m.forward

    def counting(P, S, xs, state0, dims, activation=None):
        count[0] += len(xs)
        return real(P, S, xs, state0, dims, activation)
    T = 40
    params, xs, ys = problem(cell, T)
    monkeypatch.setattr(m, "forward", counting)
    cells.bptt(cell, params, xs, ys, truncation=truncation, checkpoint=ck)
    windows = update_points(T, truncation)
    expected = sum(ck.schedule(tau - start + 1).taped_evaluations for _, tau, start in windows)
    assert count[0] == expected
    assert ck.schedule(T).taped_evaluations == ck.schedule(T).forward_steps + T


def test_cell_bptt_refuses_a_checkpoint_that_is_not_a_checkpointing():
    params, xs, ys = problem("gru", 3)
    with pytest.raises(TypeError, match="checkpoint must be None or numeric.Checkpointing"):
        cells.bptt("gru", params, xs, ys, checkpoint=50)


def _cell_peak(cell, T, ck, B=4, D=8, H=32, V=8) -> int:
    """tracemalloc peak of one cells.bptt call less its T-sized result ∂L/∂x (inputs made before)."""
    import tracemalloc
    params = cells.init_params(cell, D=D, H=H, V=V, seed=0)
    rng = np.random.default_rng(0)
    xs, ys = rng.standard_normal((T, B, D)), rng.integers(0, V, (T, B))
    cells.bptt(cell, params, xs[:3], ys[:3], checkpoint=ck)     # first-call caches, untraced
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        res = cells.bptt(cell, params, xs, ys, checkpoint=ck)
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    return peak - res.dxs.nbytes


@pytest.mark.parametrize("cell", cells.CELLS)
def test_checkpointed_cell_memory_does_not_grow_with_T(cell):
    # every buffer is sized by the slots and the chunk (tapes of <= 32 steps), none by T: 8 times
    # the length may add only Python objects (the plan's task stack); storing every state grows
    ck = Checkpointing(slots=8)
    rest = {T: _cell_peak(cell, T, ck) for T in (100, 800)}
    assert rest[800] <= rest[100] * 1.05 + 4_000, rest
    full = {T: _cell_peak(cell, T, None) for T in (100, 400)}
    assert full[400] > 3 * full[100], full


@pytest.mark.parametrize("activation", ["sigmoid", "relu", "identity"])
def test_checkpointed_cell_bptt_passes_the_activation(activation):
    params, xs, ys = problem("elman", 30)
    full = cells.bptt("elman", params, xs, ys, activation=activation)
    got = cells.bptt("elman", params, xs, ys, activation=activation, checkpoint=Checkpointing(slots=3))
    assert_same(full, got, RTOL[np.float64])
    tanh = cells.bptt("elman", params, xs, ys, checkpoint=Checkpointing(slots=3))
    assert abs(tanh.loss - got.loss) > 1e-6 * abs(tanh.loss)     # the activation did change the cell


def _without_d_in(name: str):
    """A copy of a built-in engine whose backward has no d_in argument (as first generated)."""
    import types
    m = resolve(name)
    copy = types.ModuleType(f"{name}_without_d_in")
    copy.__dict__.update({k: v for k, v in m.__dict__.items() if not k.startswith("__")})
    copy.backward = lambda P, S, tape, seed, start, tau: m.backward(P, S, tape, seed, start, tau)
    return copy


@pytest.mark.parametrize("cell", ["elman", "gru", "jordan"])
def test_a_single_state_cell_needs_no_d_in_hook(cell):
    # the entering adjoint joins the seed of the run's last step (the loop adds it to the state)
    m = _without_d_in(cell)
    params, xs, ys = problem(cell, 33)
    full = cells.bptt(cell, params, xs, ys)
    assert_same(full, cells.bptt(m, params, xs, ys, checkpoint=Checkpointing(slots=3)), RTOL[np.float64])


def test_a_multi_state_cell_without_the_hook_is_refused_not_wrong():
    m = _without_d_in("lstm")                       # its backward does not take d_in: c's adjoint has no way in
    params, xs, ys = problem("lstm", 12)
    with pytest.raises(NotImplementedError, match="needs its generated backward to take d_in="):
        cells.bptt(m, params, xs, ys, checkpoint=Checkpointing(slots=2))
