"""Checkpointing (issue 16): the plan is Griewank-Walther's optimum, and the engine runs exactly
that plan and returns the same loss and gradients as storing every state."""

from __future__ import annotations

import math

import numpy as np
import pytest

import numeric
from numeric.checkpoint import Checkpointing, beta, min_forward_steps, min_forward_steps_dp
from numeric.params import PARAM_NAMES, Params
from numeric.rules import ACTIVATIONS, LOSSES


def simulate(plan):
    """Replay a plan with the rules of its actions; return (forward steps, peak stored, most
    advances of one step). Fails if an action needs a state the plan does not hold."""
    held, cur, steps, peak, done = set(), 0, 0, 0, []
    advanced = [0] * (plan.T + 1)
    for act in plan.actions():
        op = act[0]
        if op == "store":
            assert cur == act[1] and act[1] not in held, act
            held.add(act[1])
            peak = max(peak, len(held))
        elif op == "restore":
            assert act[1] in held, act
            cur = act[1]
        elif op == "advance":
            a, b = act[1], act[2]
            assert cur == a and b > a, act
            steps += b - a
            for t in range(a + 1, b + 1):
                advanced[t] += 1
            cur = b
        elif op == "backward":
            t = act[1]
            assert cur == t - 1, (act, cur)                 # the state before the step
            assert done == [] and t == plan.T or done[-1] == t + 1, act
            done.append(t)
            cur = None
        else:
            assert op == "free" and act[1] in held, act
            held.remove(act[1])
    assert done == list(range(plan.T, 0, -1)) and not held
    return steps, peak, max(advanced)


# ---- the schedule -------------------------------------------------------------------------
@pytest.mark.parametrize("s", [1, 2, 3, 4, 5, 7, 10])
def test_revolve_forward_steps_equal_closed_form_and_recursion(s):
    for n in range(1, 90):
        plan = Checkpointing(slots=s).schedule(n)
        steps, peak, _ = simulate(plan)
        assert steps == plan.forward_steps == min_forward_steps(n, s) == min_forward_steps_dp(n, s), (n, s)
        assert peak == plan.peak_stored <= s


def test_revolve_closed_form_matches_recursion_at_larger_sizes():
    for n, s in [(200, 2), (300, 3), (400, 6), (397, 20), (250, 249), (250, 400)]:
        assert min_forward_steps(n, s) == min_forward_steps_dp(n, s), (n, s)
        plan = Checkpointing(slots=s).schedule(n)
        assert simulate(plan)[0] == plan.forward_steps == min_forward_steps(n, s)


def test_recursion_base_cases_written_out():
    # T(n, 1) = n(n - 1)/2: one slot (h_0) re-runs from the start for every step
    assert [min_forward_steps_dp(n, 1) for n in (1, 2, 3, 4, 10)] == [0, 1, 3, 6, 45]
    # enough slots: every state stored once, T - 1 forward steps (the last one is the backward's)
    assert min_forward_steps(10, 9) == min_forward_steps(10, 50) == 9


def test_1000_steps_with_50_slots_take_1948_forward_steps():
    plan = Checkpointing(slots=50).schedule(1000)
    assert plan.forward_steps == 1948                 # the issue's figure: 2·1000 - C(52, 1)
    assert plan.cell_evaluations == 1949
    assert simulate(plan)[:2] == (1948, 50)
    # with a backward costing 2 forward steps: (1949 + 2000) / 3000
    assert plan.time_factor(2.0) == pytest.approx(3949 / 3000, rel=1e-15)


@pytest.mark.parametrize("s, r", [(1, 3), (2, 2), (3, 3), (5, 2), (4, 4)])
def test_beta_is_the_longest_chain_reversed_with_r_advances_per_step(s, r):
    assert beta(s, r) == math.comb(s + r, s)
    assert simulate(Checkpointing(slots=s).schedule(beta(s, r)))[2] <= r
    assert simulate(Checkpointing(slots=s).schedule(beta(s, r) + 1))[2] == r + 1


@pytest.mark.parametrize("T", [1, 2, 5, 16, 17, 100, 101])
@pytest.mark.parametrize("kw", [{"policy": "sqrt"}, {"policy": "every", "every": 1},
                                {"policy": "every", "every": 4}, {"policy": "every", "every": 500}])
def test_segment_policies_report_their_own_plan(T, kw):
    plan = Checkpointing(**kw).schedule(T)
    steps, peak, _ = simulate(plan)
    assert (steps, peak) == (plan.forward_steps, plan.peak_stored)
    k = min(kw.get("every") or math.isqrt(T - 1) + 1, T)
    m = -(-T // k)
    assert plan.forward_steps == T - 1 + (m - 1) * (k - 1)   # one sweep, then k - 1 per earlier segment


def test_sqrt_policy_costs_about_one_extra_forward_pass():
    plan = Checkpointing(policy="sqrt").schedule(1000)          # segments of 32
    assert plan.every == 32 and plan.forward_steps == 999 + 31 * 31
    assert plan.peak_stored <= 2 * 32


# ---- the engine runs exactly the plan -----------------------------------------------------
def problem(T, B=2, D=3, H=5, V=4, *, loss="cross_entropy", dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    params = Params.init(D, H, V, scale=0.5, seed=seed, dtype=dtype)
    xs = rng.standard_normal((T, B, D)).astype(dtype)
    ys = rng.integers(0, V, (T, B)) if loss == "cross_entropy" else rng.standard_normal((T, B, V)).astype(dtype)
    return params, xs, ys


@pytest.mark.parametrize("ck", [Checkpointing(slots=1), Checkpointing(slots=3), Checkpointing(slots=8),
                                Checkpointing(policy="sqrt"), Checkpointing(policy="every", every=5)],
                         ids=str)
@pytest.mark.parametrize("T", [1, 2, 9, 40])
def test_engine_evaluates_the_cell_as_often_as_the_plan_says(monkeypatch, ck, T):
    import numeric.checkpoint.engine as engine
    count = [0]
    real = engine.run_states

    def counting(params, xs, h_prev, out, activation):
        count[0] += len(xs)
        real(params, xs, h_prev, out, activation)
    monkeypatch.setattr(engine, "run_states", counting)
    numeric.bptt(*problem(T), checkpoint=ck)
    plan = ck.schedule(T)
    assert count[0] == plan.cell_evaluations == simulate(plan)[0] + 1


def test_runs_are_back_propagated_per_stage_block_not_per_run(monkeypatch):
    """Per-call overhead: the backward runs are staged, and back-propagated (output layer, loss,
    δ recursion, weight-gradient GEMMs) once per block of staged steps, at its flush. A flush
    happens only when the next run (<= L steps) or an
    advance's scratch (MIN_SCRATCH rows) no longer fits, so each holds more than
    R - max(L, MIN_SCRATCH) steps; and never more than once per run."""
    import numeric.checkpoint.stage as stage
    from numeric.checkpoint.engine import compile_actions, stage_rows
    flushes = [0]
    real = stage.Stage.flush

    def counting(self):
        flushes[0] += self.lo is not None           # a flush with staged steps
        real(self)
    monkeypatch.setattr(stage.Stage, "flush", counting)
    T = 1000
    for ck in (Checkpointing(slots=1), Checkpointing(slots=3), Checkpointing(slots=10),
               Checkpointing(slots=50), Checkpointing(policy="sqrt")):
        flushes[0] = 0
        numeric.bptt(*problem(T), checkpoint=ck)
        plan = ck.schedule(T)
        runs = sum(1 for op in compile_actions(plan.actions()) if op[0] == "run")
        R, L = stage_rows(plan), min(plan.peak_stored + 1, T)
        assert 1 <= flushes[0] <= runs, (ck, flushes[0], runs)
        if R > max(L, stage.MIN_SCRATCH):           # s = 1, 3, 10: 999, 839, 285 runs, <= 43, 43, 48 flushes
            assert flushes[0] <= T // (R - max(L, stage.MIN_SCRATCH)) + 1, (ck, flushes[0], R, L)


# ---- same results as storing everything ---------------------------------------------------
def assert_same(full, ck, rtol):
    """Every output equal to rtol relative to its largest entry (the scale of its round-off)."""
    pairs = [(n, full.grads[n], ck.grads[n]) for n in PARAM_NAMES]
    pairs += [("dh0", full.dh0, ck.dh0), ("dxs", full.dxs, ck.dxs), ("h_last", full.h_last, ck.h_last),
              ("loss", np.float64(full.loss), np.float64(ck.loss))]
    for name, a, b in pairs:
        assert a.shape == b.shape and a.dtype == b.dtype, name
        scale = max(float(np.abs(a).max()), 1e-30)
        assert float(np.abs(a - b).max()) <= rtol * scale, name


# float64: the same products summed in another grouping (the weight gradients of each backward
# run are summed separately, recomputed states come from differently chunked input GEMMs):
# round-off of a few ulps, far below the issue's 1e-13. float32: the same at its epsilon, 1e-5.
RTOL = {np.float64: 1e-13, np.float32: 1e-5}


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("loss", sorted(LOSSES))
def test_checkpointed_bptt_equals_full_bptt_for_every_rule(activation, loss):
    params, xs, ys = problem(23, loss=loss)
    full = numeric.bptt(params, xs, ys, activation=activation, loss=loss)
    for ck in (Checkpointing(slots=3), Checkpointing(policy="sqrt")):
        assert_same(full, numeric.bptt(params, xs, ys, activation=activation, loss=loss, checkpoint=ck),
                    RTOL[np.float64])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("loss_at", ["all", "last"])
@pytest.mark.parametrize("weighted", [False, True])
def test_checkpointed_bptt_equals_full_with_loss_at_weights_and_dtype(dtype, loss_at, weighted):
    params, xs, ys = problem(31, dtype=dtype)
    w = np.random.default_rng(1).uniform(0, 2, (31, 2)) if weighted else None
    if weighted:
        w[5] = 0                                    # a masked step
    full = numeric.bptt(params, xs, ys, loss_at=loss_at, loss_weights=w)
    for ck in (Checkpointing(slots=1), Checkpointing(slots=4), Checkpointing(policy="every", every=6)):
        assert_same(full, numeric.bptt(params, xs, ys, loss_at=loss_at, loss_weights=w, checkpoint=ck),
                    RTOL[dtype])


def test_checkpointed_bptt_equals_full_unbatched():
    params, xs, ys = problem(17, B=1)
    h0 = np.random.default_rng(2).standard_normal(5)
    full = numeric.bptt(params, xs[:, 0], ys[:, 0], h0=h0)
    ck = numeric.bptt(params, xs[:, 0], ys[:, 0], h0=h0, checkpoint=Checkpointing(slots=2))
    assert ck.dxs.shape == (17, 3) and ck.dh0.shape == (5,)
    assert_same(full, ck, RTOL[np.float64])


@pytest.mark.parametrize("truncation", [4, numeric.Truncation(3, 10), numeric.Truncation(10, 10),
                                        numeric.Truncation(7, 40)], ids=str)
@pytest.mark.parametrize("loss_at", ["all", "last"])
def test_checkpointing_inside_truncation_windows_equals_truncation_alone(truncation, loss_at):
    params, xs, ys = problem(37)
    plain = numeric.bptt(params, xs, ys, truncation=truncation, loss_at=loss_at)
    for ck in (Checkpointing(slots=2), Checkpointing(policy="sqrt")):
        got = numeric.bptt(params, xs, ys, truncation=truncation, loss_at=loss_at, checkpoint=ck)
        assert_same(plain, got, RTOL[np.float64])


@pytest.mark.parametrize("ck", [Checkpointing(slots=2), Checkpointing(slots=10), Checkpointing(policy="sqrt")],
                         ids=str)
@pytest.mark.parametrize("truncation", [None, numeric.Truncation(20, 45)], ids=str)
def test_long_sequences_cross_several_stage_blocks_and_stay_equal(ck, truncation):
    # T = 150 > the stage's rows (32..): several flushes, runs straddling none of them, and
    # (with truncation) windows whose ∂L/∂x rows overlap the previous window's
    params, xs, ys = problem(150, loss="half_sse")
    w = np.random.default_rng(3).uniform(0, 2, (150, 2))
    plain = numeric.bptt(params, xs, ys, loss="half_sse", loss_weights=w, truncation=truncation)
    got = numeric.bptt(params, xs, ys, loss="half_sse", loss_weights=w, truncation=truncation, checkpoint=ck)
    assert_same(plain, got, RTOL[np.float64])


# ---- bad arguments ------------------------------------------------------------------------
@pytest.mark.parametrize("kw, err, words", [
    ({"slots": 0}, ValueError, "slots must be an integer >= 1; got 0"),
    ({}, TypeError, "slots must be an integer >= 1; got NoneType"),
    ({"slots": 2.5}, TypeError, "slots must be an integer"),
    ({"policy": "binomial", "slots": 3}, ValueError, "policy='binomial' is not known"),
    ({"policy": "sqrt", "slots": 3}, ValueError, "slots=3 is not used by policy='sqrt'"),
    ({"policy": "every"}, TypeError, "every must be an integer >= 1"),
    ({"policy": "every", "every": 3, "slots": 2}, ValueError, "slots=2 is not used by policy='every'"),
])
def test_checkpointing_refuses_bad_arguments_naming_them(kw, err, words):
    with pytest.raises(err, match=words.replace("(", r"\(").replace(")", r"\)")):
        Checkpointing(**kw)


def test_bptt_refuses_a_checkpoint_that_is_not_a_checkpointing():
    with pytest.raises(TypeError, match="checkpoint must be None or numeric.Checkpointing"):
        numeric.bptt(*problem(3), checkpoint=5)


def test_schedule_refuses_a_bad_T():
    with pytest.raises(ValueError, match="T must be an integer >= 1; got 0"):
        Checkpointing(slots=2).schedule(0)


# ---- the trade-off curve ------------------------------------------------------------------
def test_tradeoff_has_every_setting_and_the_issue_point():
    from numeric.checkpoint.tradeoff import tradeoff
    pts = tradeoff(1000, ratio=2.0)
    by = {(p.policy, p.parameter): p for p in pts}
    assert sorted({p.policy for p in pts}) == ["every", "revolve", "sqrt", "truncation"]
    assert [p.parameter for p in pts if p.policy == "revolve"] == list(range(1, 1001))
    p50 = by[("revolve", 50)]
    assert (p50.stored, p50.forward_steps) == (50, 1948)
    assert p50.time_factor == pytest.approx((1949 + 2000) / 3000, rel=1e-15)
    assert by[("revolve", 1)].forward_steps == 1000 * 999 // 2
    assert by[("sqrt", 32)].forward_steps == Checkpointing(policy="sqrt").schedule(1000).forward_steps
    assert not by[("truncation", 50)].exact and by[("truncation", 1000)].exact
    # revolve is the optimum: no "every k" point is faster with fewer stored states
    for p in pts:
        if p.policy == "every" and p.stored <= 1000:
            assert by[("revolve", p.stored)].forward_steps <= p.forward_steps


def test_tradeoff_refuses_a_T_beyond_its_limit():
    from numeric.checkpoint.tradeoff import TRADEOFF_LIMIT, tradeoff
    with pytest.raises(ValueError, match=f"T must be <= {TRADEOFF_LIMIT}"):
        tradeoff(TRADEOFF_LIMIT + 1)
