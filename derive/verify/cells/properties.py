"""The cell cross-check properties: what is drawn, what is measured, and the tolerance.

Each property is built for one cell and the engine that runs it (``numeric.cells.bptt``'s
``cell`` argument: a built-in name or a generated module) by ``cell_properties(cell, engine)``.

Tolerances. Exact route pairs are compared with ``compare.roundoff_error``: ‖a − b‖ over the
rounding scale E of the computation (Σ |path terms| per gradient entry, the running error
bound for the loss and the states; derive/verify/cells/rtrl.py ``cell_magnitudes``). Two
correct float64 routes differ by at most ~n·ε·E, n the longest chain of rounded operations:
per step a gate sums D + H + 2 products, a gated cell chains up to ~6 element-wise operations
and the output layer H + 1, so n <= T·(4(D + H) + V + 10) <= 5·(4·6 + 13) = 185 here, and
n·ε = 4e-14. CELL_ROUNDOFF = 1e-12 leaves a factor ~25 over that (the largest value seen in
300 draws of every property for every built-in cell and the MGU, seed 7, was 2.7e-15); a wrong
gradient scores ~1 (tests/test_cells_routes_agree.py checks a 1e-3 slip scores > 1e-9).

Central differences (float64, eps = 1e-6): truncation error eps²·|∂³L|/6 ~ 1e-12·|∂³L| and
rounding ~ε·|L|_mag/eps ~ 2e-10·|L|_mag per entry, so a correct gradient shows a norm-wise
relative error ~1e-9 (largest seen 1.8e-8, the GRU at weight scale 1); FD_RTOL = 1e-7
is the article's bar. Weights are drawn at scales 0.5 and 1 there (larger ones make |∂³L|
large enough to reach 1e-7 with a correct gradient); the exact routes cover scales up to 2.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
from hypothesis import strategies as st

from numeric.rules import LOSSES
from numeric.truncation import Truncation, update_points

from ..properties import ROUNDOFF  # numeric.bptt's own measure and tolerance (elman)
from .compare import EPS64, central_differences, fd_relative_error, result_arrays, roundoff_error
from .problem import CellProblem, cell_problems
from .rtrl import CellGradients, cell_magnitudes, cell_rtrl, sizes_of
from .symbolic import symbolic_gradients

CELL_ROUNDOFF = 1e-12      # float64 route vs route (module docstring)
CELL_ROUNDOFF32 = 5e-4     # float32 vs float64: ε32/ε64 = 5.4e8 times CELL_ROUNDOFF's n·ε, the same margin
EXACT_SCALES = (0.5, 1.0, 2.0, 5.0)   # 5: saturated gates (σ' and tanh' ~ 1e-4 at |a| ~ 10)
FD_RTOL = 1e-7             # central differences, norm-wise relative
FD_EPS = 1e-6
RELU_MARGIN = 1e-3         # |pre-activation| of a relu farther than this from the kink (2·FD_EPS·|∂a|)
SYMBOLIC_LOSS_FLOOR = 1e-25   # absolute, per step and sequence: derive/verify/properties.py symbolic_error


@dataclass(frozen=True)
class Property:
    """One checked property: cases from ``strategy()``, error from ``measure(case)``."""

    name: str
    routes: str
    measure_name: str          # cell-roundoff | roundoff (numeric.bptt's) | fd-rel
    tolerance: float
    strategy: Callable[[], st.SearchStrategy]
    measure: Callable[[Any], float]
    kind: str = "numeric"      # numeric | symbolic (sets the share of --examples)


def engine(p: CellProblem, *, truncation: bool = True, **changes):
    """numeric.cells.bptt on the problem (changes override its keyword arguments)."""
    from numeric.cells import bptt
    return bptt(p.engine, **(p.kwargs(truncation) | changes))


def rounding_scale(p: CellProblem):
    return cell_magnitudes(p.cell, **p.kwargs(truncation=False))[0]


def engine_vs(route: Callable[[CellProblem], Any], *, truncated: bool = True):
    def measure(p: CellProblem) -> float:
        return roundoff_error(engine(p, truncation=truncated), route(p), rounding_scale(p))[0]
    return measure


def rtrl_route(p: CellProblem):
    return cell_rtrl(p.cell, **p.kwargs(truncation=False))


def symbolic_error(p: CellProblem) -> float:
    """The engine against derive_cell evaluated at 30 digits (truncated as drawn; no dxs).

    The derivation writes cross-entropy as log Σ exp(o) − y·o, unshifted: at 30 digits it
    loses an |o| below ~1e-30 next to 1, an absolute error the engine's bound does not contain;
    the loss's scale is widened by 1e-25 per step and sequence for it (gradients unaffected).
    """
    mag = rounding_scale(p)
    mag = mag._replace(loss=mag.loss + SYMBOLIC_LOSS_FLOOR / EPS64 * p.T * (p.B or 1))
    return roundoff_error(engine(p), symbolic_gradients(p.cell, **p.kwargs()), mag)[0]


def fd_error(p: CellProblem) -> float:
    """The engine's full gradient against central differences of the engine's own loss."""
    kw = p.kwargs(truncation=False)
    params = {k: np.array(v, np.float64) for k, v in kw["params"].items()}
    xs = np.array(kw["xs"], np.float64)
    n = sizes_of(p.cell, params, xs.shape[-1])
    lead = () if p.B is None else (p.B,)
    state0 = {s: np.zeros(lead + (n[d],)) if kw["state0"] is None else np.array(kw["state0"][s], np.float64)
              for s, d in p.cell.states.items()}
    call = dict(kw, params=params, xs=xs, state0=state0)
    from numeric.cells import bptt
    analytic = bptt(p.engine, **call)
    wrt = {f"grads.{k}": v for k, v in params.items()} | {f"dstate0.{k}": v for k, v in state0.items()}
    wrt["dxs"] = xs
    numeric = central_differences(lambda: bptt(p.engine, **call).loss, wrt, FD_EPS)
    A = result_arrays(analytic)
    loss_mag = float(rounding_scale(p).loss)
    return fd_relative_error(numeric, {k: A[k] for k in numeric}, loss_mag, FD_EPS, FD_RTOL)[0]


def fd_cases(cell, eng):
    def strategy():
        return cell_problems(cell, eng, max_T=4, scales=(0.5, 1.0)).filter(
            lambda p: p.activation != "relu" or cell_magnitudes(p.cell, **p.kwargs(truncation=False))[1] > RELU_MARGIN)
    return strategy


def k2_at_least_T(p: CellProblem) -> st.SearchStrategy[CellProblem]:
    T = p.T
    return st.integers(1, T + 1).flatmap(lambda k1: st.integers(max(k1, T), T + 1).map(
        lambda k2: p.replace(truncation=Truncation(k1, k2))))


def k2_equals_full(p: CellProblem) -> float:
    return roundoff_error(engine(p), engine(p, truncation=False), rounding_scale(p))[0]


def engine_full(q: CellProblem):
    return engine(q, truncation=False)


def chunked(p: CellProblem, full=engine_full) -> CellGradients:
    """docs/truncation.md by hand: per update point, full BPTT (``full``: the engine, or RTRL)
    over its window steps start..τ, the state at start − 1 carried in (``full``'s state_last of
    the steps before), only the losses τ_prev < t <= τ kept (weights 0 elsewhere); the pieces
    summed. For Truncation(k, k) with k | T these are the chunks 1..k, k+1..2k, ... of the
    article's chunked scheme."""
    T, B = p.T, p.B
    full_steps = T if p.loss_at == "all" else 1
    lead = (T,) if B is None else (T, B)
    w_full = np.ones(lead) if p.loss_weights is None else np.broadcast_to(
        np.asarray(p.loss_weights, np.float64).reshape(T, *([-1] if B else [])), lead)
    grads = {k: 0.0 for k in p.params}
    dxs, dstate0, loss = np.zeros(p.xs.shape), None, 0.0
    for u in update_points(T, p.truncation):
        a, b = u.start - 1, u.tau
        keep = np.array([(u.tau_prev < t <= u.tau) and (p.loss_at == "all" or t == T) for t in range(a + 1, b + 1)])
        if not keep.any():
            continue
        state = p.state0 if a == 0 else full(p.replace(xs=p.xs[:a], targets=p.targets[:a],
                                                        loss_weights=None)).state_last
        w = w_full[a:b] * (keep if B is None else keep[:, None])
        c = (b - a) / full_steps if LOSSES[p.loss].scale_by_count else 1.0
        r = full(p.replace(xs=p.xs[a:b], targets=p.targets[a:b], state0=state, loss_weights=w.astype(p.xs.dtype),
                           loss_at="all", truncation=None))
        loss += c * r.loss
        for k in grads:
            grads[k] = grads[k] + c * np.asarray(r.grads[k], np.float64)
        dxs[a:b] += c * np.asarray(r.dxs, np.float64)
        if a == 0:                     # every window that reaches step 1 reaches the initial state
            dstate0 = {s: c * np.asarray(v, np.float64) + (0.0 if dstate0 is None else dstate0[s])
                       for s, v in r.dstate0.items()}
    last = full(p).state_last
    if dstate0 is None:
        dstate0 = {s: np.zeros(np.shape(v)) for s, v in last.items()}
    return CellGradients(loss, grads, dstate0, dxs, last)


def chunk_cases(cell, eng):
    def strategy():
        def pick(p):
            k = st.integers(1, p.T).map(lambda k: Truncation(k, k))
            general = st.integers(1, p.T).flatmap(lambda k1: st.integers(k1, p.T).map(lambda k2: Truncation(k1, k2)))
            return st.one_of(k, general).map(lambda tr: p.replace(truncation=tr))
        return cell_problems(cell, eng, scales=EXACT_SCALES).flatmap(pick)
    return strategy


def float32_error(p: CellProblem) -> float:
    """The engine in float32 against itself in float64 on the same (float32-valued) inputs."""
    up = {k: np.asarray(v, np.float64) for k, v in p.params.items()}
    s0 = None if p.state0 is None else {k: np.asarray(v, np.float64) for k, v in p.state0.items()}
    w = None if p.loss_weights is None else np.asarray(p.loss_weights, np.float64)
    y = p.targets if p.targets.dtype.kind == "i" else np.asarray(p.targets, np.float64)
    p64 = p.replace(params=up, xs=np.asarray(p.xs, np.float64), targets=y, state0=s0, loss_weights=w)
    return roundoff_error(engine(p), engine(p64), rounding_scale(p64), dtype=np.float32)[0]


def batch_sum_error(p: CellProblem) -> float:
    whole = engine(p)
    parts = [engine(p.sequence(b)) for b in range(p.B)]
    c = 1.0 / p.B if LOSSES[p.loss].scale_by_count else 1.0          # mse divides by B in the batch
    summed = CellGradients(c * sum(r.loss for r in parts),
                           {k: c * sum(np.asarray(r.grads[k]) for r in parts) for k in whole.grads},
                           {s: c * np.stack([r.dstate0[s] for r in parts]) for s in whole.dstate0},
                           c * np.stack([r.dxs for r in parts], axis=1),
                           {s: np.stack([r.state_last[s] for r in parts]) for s in whole.state_last})
    return roundoff_error(whole, summed, rounding_scale(p))[0]


def elman_error(p: CellProblem) -> float:
    """The elman cell's generated engine against numeric.bptt, in numeric's own round-off measure."""
    from numeric import bptt
    from numeric.bptt import BPTTResult
    from numeric.params import PARAM_NAMES, Params
    from numeric.routes.compare import magnitudes as vanilla_magnitudes
    from numeric.routes.compare import roundoff_error as vanilla_error

    prm = Params(*(p.params[n] for n in PARAM_NAMES))       # the elman cell's names are the vanilla ones
    kw = dict(xs=p.xs, targets=p.targets, h0=None if p.state0 is None else p.state0["h"], activation=p.activation,
              loss=p.loss, loss_at=p.loss_at, loss_weights=p.loss_weights)
    r = engine(p)
    cells = BPTTResult(r.loss, Params(*(r.grads[n] for n in PARAM_NAMES)),
                       r.dstate0["h"], r.dxs, r.state_last["h"])
    return vanilla_error(bptt(prm, **kw, truncation=p.truncation), cells, vanilla_magnitudes(prm, **kw))[0]


def cell_properties(cell, eng) -> tuple[Property, ...]:
    """Every property for ``cell`` (a Cell) and ``eng`` (numeric.cells.bptt's cell argument)."""
    def problems(**kw):
        return lambda: cell_problems(cell, eng, **{"scales": EXACT_SCALES, **kw})
    props = [
        Property("engine = finite differences", f"central differences of the engine's loss, eps {FD_EPS:g}",
                 "fd-rel", FD_RTOL, fd_cases(cell, eng), fd_error),
        Property("engine = symbolic derivation", "derive_cell at 30 digits, T <= 3, sizes <= 2 (+ truncated)",
                 "cell-roundoff", CELL_ROUNDOFF,
                 problems(max_T=3, max_B=2, max_D=2, max_H=2, max_V=2, truncation=True),
                 symbolic_error, kind="symbolic"),
        Property("engine = generic RTRL", "derive.verify.cells.rtrl (forward mode, full BPTT)", "cell-roundoff",
                 CELL_ROUNDOFF, problems(), engine_vs(rtrl_route, truncated=False)),
        Property("k2 >= T: truncated = full", "Truncation(k1, k2 >= T) vs None", "cell-roundoff", CELL_ROUNDOFF,
                 lambda: problems()().flatmap(k2_at_least_T), k2_equals_full),
        Property("truncated = chunks, state carried", "Truncation(k, k) (and k1 < k2) vs full BPTT per window",
                 "cell-roundoff", CELL_ROUNDOFF, chunk_cases(cell, eng), engine_vs(chunked)),
        Property("truncated = RTRL per window", "generic RTRL over each update point's window, state carried",
                 "cell-roundoff", CELL_ROUNDOFF, chunk_cases(cell, eng),
                 engine_vs(lambda p: chunked(p, rtrl_route))),
        Property("engine float32 = float64", "the engine in both dtypes (+ truncated)", "cell-roundoff",
                 CELL_ROUNDOFF32, problems(truncation=True, dtype=np.float32), float32_error),
        Property("batch = sum over sequences", "(T, B, D) vs B runs (+ truncated)", "cell-roundoff", CELL_ROUNDOFF,
                 problems(batched=True, truncation=True), batch_sum_error),
    ]
    if cell.name == "elman" and isinstance(eng, str):
        props.append(Property("elman engine = numeric.bptt", "numeric.cells vs the vanilla engine (+ truncated)",
                              "roundoff", ROUNDOFF, problems(truncation=True), elman_error))
    return tuple(props)
