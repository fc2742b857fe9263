"""Properties of the NumPy BPTT engine (full and truncated), over hypothesis-drawn problems."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from numeric import bptt, gradcheck, Params, tbptt_segments, Truncation
from numeric.routes import naive_bptt
from numeric.strategies import dims, problems

# Float64 round-off between two exact-arithmetic-equivalent routes (different summation order,
# GEMM blocking): ~1e-16 per operation, T·H operations deep -> 1e-12 relative is ample.
ROUND_OFF = dict(rtol=1e-10, atol=1e-12)


def grads_close(a, b, **tol):
    for (name, x), (_, y) in zip(a.grads, b.grads):
        np.testing.assert_allclose(x, y, err_msg=name, **tol)


@given(problems(scale=st.sampled_from([0.3, 1.0]), h0=None, loss_weights=None))
def test_bptt_matches_finite_differences(problem):
    # Central differences with eps=1e-6 in float64: truncation O(eps^2) and round-off
    # ~eps_mach*|L|/eps give relative errors ~1e-9 (see numeric/gradcheck.py), so the
    # article's bar of 1e-7 separates right from wrong. relu problems stay 1e-3 from the kink.
    # A gradient below 1000x the differences' noise floor (hypothesis draws weights like 1e-38)
    # cannot be told right from wrong: "inconclusive" there, never "fail"; every other one passes.
    report = gradcheck(**problem.kwargs(truncation=False))
    assert all(e.passed or (e.status == "inconclusive" and "noise floor" in e.reason) for e in report), str(report)


@given(problems(dims_strategy=dims(batched=True), h0=None, loss_weights=False,
                losses=["cross_entropy", "half_sse", "sse"]))
def test_batch_gradient_is_the_sum_over_its_sequences(problem):
    kw = problem.kwargs()
    whole = bptt(**kw)
    parts = [bptt(**dict(kw, xs=problem.xs[:, b], targets=problem.targets[:, b],
                         h0=None if problem.h0 is None else problem.h0[b]))
             for b in range(problem.dims.B)]
    assert whole.loss == pytest.approx(sum(p.loss for p in parts), rel=1e-12)
    for name, g in whole.grads:
        np.testing.assert_allclose(g, sum(p.grads[name] for p in parts), err_msg=name, **ROUND_OFF)
    np.testing.assert_allclose(whole.dxs, np.stack([p.dxs for p in parts], axis=1), **ROUND_OFF)


@given(problems(h0=None, loss_weights=None), st.data())
def test_truncation_with_k2_at_least_T_equals_full_bptt(problem, data):
    T = problem.dims.T
    k1 = data.draw(st.integers(1, T + 2))
    k2 = data.draw(st.integers(max(k1, T), T + 3))
    full = bptt(**problem.kwargs(truncation=False))
    trunc = bptt(**problem.kwargs(truncation=False), truncation=Truncation(k1, k2))
    assert trunc.loss == pytest.approx(full.loss, rel=1e-12)
    grads_close(full, trunc, **ROUND_OFF)
    np.testing.assert_allclose(trunc.dh0, full.dh0, **ROUND_OFF)
    np.testing.assert_allclose(trunc.dxs, full.dxs, **ROUND_OFF)


@given(problems(h0=None, loss_weights=False, loss_at=["all"],
                losses=["cross_entropy", "half_sse", "sse"]), st.integers(1, 4))
def test_chunked_truncation_equals_full_bptt_on_consecutive_chunks(problem, k):
    """Truncation(k, k) = Σ over chunks of full BPTT on the chunk, the hidden state carried.

    Exactly so when k divides T. When it does not, the last update point is T and its
    window reaches k2 = k steps back (into the previous chunk) by the definition in
    docs/truncation.md, so only the first floor(T/k) chunks are compared one by one; the
    last window is checked against full BPTT of its own span with the entering state fixed.
    """
    kw = problem.kwargs(truncation=False)
    T = problem.dims.T
    trunc = bptt(**dict(kw, truncation=k))
    total, h, hs = None, problem.h0, [problem.h0]
    for s in range(0, T - T % k, k):
        chunk = bptt(**dict(kw, xs=problem.xs[s:s + k], targets=problem.targets[s:s + k], h0=h))
        total = chunk.grads if total is None else total + chunk.grads
        if s == 0:
            np.testing.assert_allclose(trunc.dh0, chunk.dh0, **ROUND_OFF)
        h = chunk.h_last
    if T % k:
        # window T-k+1..T with h_{T-k} held constant, losses only after the last multiple of k
        from numeric import forward
        h_in = forward(problem.params, problem.xs, h0=problem.h0,
                       activation=problem.activation).hs[T - k] if T > k else problem.h0
        lo = max(0, T - k)
        w = np.zeros(T - lo)
        w[(T - T % k) - lo:] = 1
        tail = bptt(**dict(kw, xs=problem.xs[lo:], targets=problem.targets[lo:], h0=h_in,
                           loss_weights=w))
        total = tail.grads if total is None else total + tail.grads
        h = tail.h_last
    for name, g in trunc.grads:
        np.testing.assert_allclose(g, total[name], err_msg=name, **ROUND_OFF)
    np.testing.assert_allclose(trunc.h_last, h, **ROUND_OFF)


@given(problems(truncation=True, h0=None, loss_weights=None))
def test_segments_sum_to_the_truncated_gradient(problem):
    kw = problem.kwargs(truncation=False)
    whole = bptt(**kw, truncation=problem.truncation)
    segs = list(tbptt_segments(**kw, truncation=problem.truncation))
    assert [s.tau for s in segs][-1] == problem.dims.T
    assert sum(s.loss for s in segs) == pytest.approx(whole.loss, rel=1e-12, abs=1e-300)
    summed = segs[0].grads
    for s in segs[1:]:
        summed = summed + s.grads
    for name, g in whole.grads:
        np.testing.assert_allclose(g, summed[name], err_msg=name, **ROUND_OFF)
    np.testing.assert_allclose(segs[-1].h, whole.h_last, **ROUND_OFF)


@given(problems(truncation=True, h0=True, loss_weights=False, loss_at=["all"],
                losses=["cross_entropy", "half_sse", "sse"]))  # mse's 1/T changes with T
def test_dh0_comes_only_from_windows_that_reach_step_1(problem):
    tr = problem.truncation
    res = bptt(**problem.kwargs())
    T = problem.dims.T
    reaching = [tau for tau in list(range(tr.k1, T + 1, tr.k1)) + [T] if tau - tr.k2 + 1 <= 1]
    if not reaching:
        assert not np.any(res.dh0)
    else:
        # dh0 equals the full-BPTT dh0 of the losses up to the last window reaching step 1
        last = max(reaching)
        part = bptt(**dict(problem.kwargs(truncation=False), xs=problem.xs[:last],
                           targets=problem.targets[:last]))
        np.testing.assert_allclose(res.dh0, part.dh0, **ROUND_OFF)


@given(problems(h0=None, loss_weights=False), st.data())
def test_gradients_are_linear_in_loss_weights(problem, data):
    T, B = problem.dims.T, problem.dims.B
    shape = (T,) if B is None else (T, B)
    w1 = data.draw(st.lists(st.floats(0, 2), min_size=T, max_size=T)).copy()
    w1 = np.broadcast_to(np.array(w1).reshape(T, *([1] if B else [])), shape).copy()
    w2 = np.linspace(0.5, 1.5, w1.size).reshape(shape)
    kw = problem.kwargs()
    r1, r2 = bptt(**dict(kw, loss_weights=w1)), bptt(**dict(kw, loss_weights=w2))
    r12 = bptt(**dict(kw, loss_weights=2.0 * w1 + 3.0 * w2))
    assert r12.loss == pytest.approx(2 * r1.loss + 3 * r2.loss, rel=1e-10, abs=1e-12)
    for name, g in r12.grads:
        np.testing.assert_allclose(g, 2 * r1.grads[name] + 3 * r2.grads[name], err_msg=name,
                                   rtol=1e-9, atol=1e-11)


@given(problems(h0=None, loss_weights=False, loss_at=["all"],
                losses=["cross_entropy", "half_sse", "sse"], dims_strategy=dims(min_T=2)),
       st.data())
def test_a_zero_weight_equals_dropping_that_steps_loss(problem, data):
    """With w_s = 0, the gradient is that of Σ_{t≠s} L_t (checked by finite-free algebra:
    the full loss minus step s's loss, computed as the gradient of L_s alone)."""
    T = problem.dims.T
    s = data.draw(st.integers(0, T - 1))
    w = np.ones(T)
    w[s] = 0
    only_s = np.zeros(T)
    only_s[s] = 1
    kw = problem.kwargs()
    dropped, full, single = (bptt(**dict(kw, loss_weights=v)) for v in (w, np.ones(T), only_s))
    assert bptt(**kw).loss == pytest.approx(full.loss, rel=1e-14)
    for name, g in dropped.grads:
        np.testing.assert_allclose(g, full.grads[name] - single.grads[name], err_msg=name,
                                   rtol=1e-9, atol=1e-11)
    if s == T - 1:  # dropping the last step's loss of a length-T sequence = the length-(T-1) problem
        short = bptt(**dict(kw, xs=problem.xs[:-1], targets=problem.targets[:-1]))
        np.testing.assert_allclose(dropped.grads.W_hh, short.grads.W_hh, **ROUND_OFF)


@given(problems(scale=st.sampled_from([0.1, 0.5]), h0=None, loss_weights=None, truncation=True))
def test_float32_agrees_with_float64(problem):
    # float32 carries ~6e-8 relative round-off per operation; through T <= 6 steps of a
    # contracting (scale <= 0.5) RNN the gradients keep ~1e-5 relative accuracy.
    r64 = bptt(**problem.kwargs())
    r32 = bptt(**dict(problem.kwargs(), params=problem.params.astype(np.float32)))
    assert r32.grads.W_hh.dtype == np.float32 and r32.dxs.dtype == np.float32
    for name, g in r64.grads:
        np.testing.assert_allclose(r32.grads[name], g, rtol=2e-4,
                                   atol=2e-5 * max(1.0, np.abs(g).max()), err_msg=name)
    assert r32.loss == pytest.approx(r64.loss, rel=1e-5, abs=1e-6)


@given(problems(h0=None, loss_weights=None))
def test_naive_reference_agrees_with_the_engine(problem):
    a, b = bptt(**problem.kwargs(truncation=False)), naive_bptt(**problem.kwargs(truncation=False))
    assert a.loss == pytest.approx(b.loss, rel=1e-12, abs=1e-300)
    grads_close(a, b, **ROUND_OFF)
    np.testing.assert_allclose(a.dh0, b.dh0, **ROUND_OFF)
    np.testing.assert_allclose(a.dxs, b.dxs, **ROUND_OFF)
    np.testing.assert_allclose(a.h_last, b.h_last, **ROUND_OFF)


@settings(max_examples=25)
@given(problems(scale=st.sampled_from([10.0, 100.0]), truncation=True, h0=None, loss_weights=None))
def test_large_weights_give_finite_results_without_warnings(problem):
    # bptt silences NumPy's floating-point warnings and reports overflow itself
    # (numeric/finite.py); lift that here so any overflow inside the kernels raises.
    from unittest import mock
    import importlib
    engine = importlib.import_module("numeric.bptt")
    with warnings.catch_warnings(), mock.patch.object(engine, "quiet", {}):
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            r = bptt(**problem.kwargs())
    assert np.isfinite(r.loss)
    assert all(np.all(np.isfinite(g)) for _, g in r.grads)
    assert np.all(np.isfinite(r.dxs)) and np.all(np.isfinite(r.dh0))


def test_loss_at_last_only_uses_the_last_target():
    p = Params.init(2, 3, 4, scale=0.5, seed=3)
    xs = np.random.default_rng(0).standard_normal((5, 2))
    y1, y2 = np.array([0, 1, 2, 3, 1]), np.array([3, 3, 3, 3, 1])
    a, b = bptt(p, xs, y1, loss_at="last"), bptt(p, xs, y2, loss_at="last")
    assert a.loss == b.loss
    grads_close(a, b, rtol=0, atol=0)
    one = bptt(p, xs, y1, loss_weights=[0, 0, 0, 0, 1.0])
    grads_close(a, one, **ROUND_OFF)


def test_mse_is_the_mean_over_every_loss_carrying_term():
    p = Params.init(2, 3, 4, scale=0.5, seed=4)
    rng = np.random.default_rng(1)
    xs, y = rng.standard_normal((5, 3, 2)), rng.standard_normal((5, 3, 4))
    os = np.stack([np.zeros((3, 4))] * 5)
    from numeric import forward
    os = forward(p, xs).os
    assert bptt(p, xs, y, loss="mse").loss == pytest.approx(np.mean((os - y) ** 2), rel=1e-13)
    assert bptt(p, xs, y, loss="mse", loss_at="last").loss == pytest.approx(
        np.mean((os[-1] - y[-1]) ** 2), rel=1e-13)
    assert bptt(p, xs, y, loss="sse").loss == pytest.approx(np.sum((os - y) ** 2), rel=1e-13)
    assert bptt(p, xs, y, loss="half_sse").loss == pytest.approx(np.sum((os - y) ** 2) / 2, rel=1e-13)


@given(problems(truncation=True, h0=None, loss_weights=None, dims_strategy=dims(batched=True)))
def test_memory_layout_of_xs_does_not_change_the_result(problem):
    """F-ordered or strided xs give the same gradients (dxs is written through views)."""
    kw = problem.kwargs()
    c = bptt(**kw)
    f = bptt(**dict(kw, xs=np.asfortranarray(problem.xs)))
    s = bptt(**dict(kw, xs=np.repeat(problem.xs, 2, axis=1)[:, ::2]))
    for other in (f, s):
        np.testing.assert_array_equal(other.dxs, c.dxs)
        grads_close(c, other, rtol=1e-13, atol=0)


def test_segments_run_new_steps_with_updated_params_and_reuse_stored_states():
    # The documented online-TBPTT contract: a window's new steps run with the parameters as
    # they are when its segment is requested; the steps it shares with the previous window
    # keep the states computed earlier. T = 10, Truncation(3, 3): windows 1-3, 4-6, 7-9 and
    # 8-10, whose steps 8 and 9 were computed with the third window's parameters.
    rng = np.random.default_rng(5)
    p = Params.init(3, 4, 3, scale=0.5, seed=5)
    xs, ys = rng.standard_normal((10, 3)), rng.integers(0, 3, 10)
    used, hs = [], [np.zeros(4)]
    for tau, _, grads, h in tbptt_segments(p, xs, ys, Truncation(3, 3)):
        used.append(p.copy())
        for (_, a), (_, g) in zip(p, grads):
            a -= 0.1 * g                              # SGD in place, as a training loop does
        hs.append(h)
    # expected states, step by step, with the parameters of the segment that first ran each step
    h, snapshot = np.zeros(4), {1: 0, 2: 0, 3: 0, 4: 1, 5: 1, 6: 1, 7: 2, 8: 2, 9: 2, 10: 3}
    expected = {}
    for t in range(1, 11):
        q = used[snapshot[t]]
        h = np.tanh(q.W_xh @ xs[t - 1] + q.W_hh @ h + q.b_h)
        expected[t] = h
    for tau, got in zip((3, 6, 9, 10), hs[1:]):
        np.testing.assert_allclose(got, expected[tau], rtol=0, atol=1e-14)   # float64 round-off


@pytest.mark.parametrize("run", ["bptt", "forward", "tbptt_segments"])
def test_overflow_from_valid_inputs_is_one_clear_warning_not_numpys(run):
    # identity activation, ‖W_hh‖₂ ≈ 8: the states grow like 8^t and overflow float64 within
    # 400 steps. NumPy's own RuntimeWarnings (overflow in matmul, invalid value) must not leak;
    # one warning from the toolkit names what overflowed, the growth rate and the remedies.
    from numeric import forward
    p = Params.init(3, 4, 5, scale=3.0, seed=0)
    rng = np.random.default_rng(0)
    xs, ys = rng.standard_normal((400, 3)), rng.standard_normal((400, 5))
    calls = {"bptt": lambda: bptt(p, xs, ys, activation="identity", loss="half_sse"),
             "forward": lambda: forward(p, xs, activation="identity"),
             "tbptt_segments": lambda: list(tbptt_segments(p, xs, ys, 100, activation="identity",
                                                           loss="half_sse"))}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        calls[run]()
    texts = [str(w.message) for w in caught]
    assert texts and all(w.category is RuntimeWarning for w in caught)
    assert all("overflowed" in t and "identity" in t and "‖W_hh‖₂" in t for t in texts), texts
    assert all(w.filename == __file__ for w in caught)       # points at the caller's line


def test_the_engine_runs_under_a_strict_errstate():
    # a caller with np.seterr(all="raise") must not get FloatingPointError from the engine's
    # harmless underflow (exp of very negative logits, saturated sigmoid) or its safe kernels
    p = Params.init(3, 4, 2, scale=100.0, seed=0, dtype=np.float32)
    xs, ys = np.random.default_rng(0).standard_normal((5, 3)), np.zeros(5, int)
    with np.errstate(all="raise"):
        r = bptt(p, xs, ys, activation="sigmoid")
    assert np.isfinite(r.loss)
