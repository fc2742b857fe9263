"""One warning, never NumPy's raw ones; harmless underflow never raises under np.seterr(all="raise").

The promise of numeric/finite.py, held by every route to the gradient and by the analysis
functions, not only by numeric.bptt / forward / tbptt_segments.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from numeric import Params, bptt
from numeric.generated import MODULES, load
from numeric.gradcheck import gradcheck
from numeric.analysis.jacobians import analyze, jacobian_chain, log_norms_to_last, loss_grad_norms, step_jacobians
from numeric.routes.naive import naive_bptt
from numeric.routes.rtrl import rtrl


def _tiny() -> tuple[Params, np.ndarray, np.ndarray]:
    """Weights of 1e-200: products of two of them underflow to 0 (exactly harmless)."""
    return Params.init(2, 3, 2, scale=1e-200, seed=0), np.ones((4, 2)), np.array([0, 1, 0, 1])


def _exploding(T: int) -> tuple[Params, np.ndarray, np.ndarray]:
    """identity activation, ‖W_hh‖₂ ~ 1e3: h_t grows like 1e3^t and overflows float64 by t ~ 103."""
    p = Params.init(2, 3, 2, scale=1.0, seed=0)
    p.W_hh[...] *= 1e3
    return p, np.ones((T, 2)), np.zeros(T, int)


ROUTES = {
    "rtrl": lambda p, xs, ys, **kw: rtrl(p, xs, ys, **kw),
    "naive_bptt": lambda p, xs, ys, **kw: naive_bptt(p, xs, ys, **kw),
    "generated": lambda p, xs, ys, **kw: load(kw.get("activation", "tanh"), "cross_entropy").bptt(p, xs, ys, **kw),
    "generated.forward": lambda p, xs, ys, **kw: load(kw.get("activation", "tanh"), "cross_entropy").forward(
        p, xs, activation=kw.get("activation", "tanh")),
    "analyze": lambda p, xs, ys, **kw: analyze(p, xs, **kw),
    "step_jacobians": lambda p, xs, ys, **kw: step_jacobians(p, xs, **kw),
    "loss_grad_norms": lambda p, xs, ys, **kw: loss_grad_norms(p, xs, ys, **kw),
    "gradcheck": lambda p, xs, ys, **kw: gradcheck(p, xs, ys, **kw),
    "bptt": lambda p, xs, ys, **kw: bptt(p, xs, ys, **kw),
}


def _caught(fn) -> list[warnings.WarningMessage]:
    """Run fn under np.seterr(all="raise") and return the warnings it emitted."""
    with warnings.catch_warnings(record=True) as caught, np.errstate(all="raise"):
        warnings.simplefilter("always")
        fn()
    return caught


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_harmless_underflow_neither_raises_nor_warns(route):
    p, xs, ys = _tiny()
    assert [str(w.message) for w in _caught(lambda: ROUTES[route](p, xs, ys))] == []


@pytest.mark.parametrize("route", ["rtrl", "naive_bptt", "generated", "generated.forward"])
def test_overflow_gives_exactly_one_clear_warning(route):
    # T = 120 > 103 steps: the states overflow (rtrl's cost is O(T² D H²): still small here)
    p, xs, ys = _exploding(120)
    caught = _caught(lambda: ROUTES[route](p, xs, ys, activation="identity"))
    assert len(caught) == 1, [str(w.message) for w in caught]
    assert caught[0].category is RuntimeWarning and "overflowed in float64" in str(caught[0].message)
    assert caught[0].filename == __file__                  # points at the caller, not numeric/


def test_the_overflow_warning_names_the_generated_module():
    p, xs, ys = _exploding(120)
    caught = _caught(lambda: load("identity", "cross_entropy").bptt(p, xs, ys, activation="identity"))
    assert "numeric.generated.bptt_identity_cross_entropy" in str(caught[0].message)


def test_every_generated_module_is_quiet_under_seterr_raise():
    p, xs, ys = _tiny()
    for activation, loss in MODULES:
        targets = ys if loss == "cross_entropy" else np.zeros((4, 2))
        engine = load(activation, loss)
        assert _caught(lambda: engine.bptt(p, xs, targets, activation=activation, loss=loss)) == [], \
            (activation, loss)


def test_long_jacobian_products_underflow_quietly_and_overflow_with_one_warning():
    small = np.full((400, 2, 2), 1e-3)                     # the product underflows to 0 (exact enough)
    assert _caught(lambda: jacobian_chain(small, 400, 0)) == []
    assert _caught(lambda: log_norms_to_last(small)) == []
    big = np.full((400, 2, 2), 1e3)                        # 2e3^400 overflows float64
    caught = _caught(lambda: jacobian_chain(big, 400, 0))
    assert len(caught) == 1 and "jacobian_chain" in str(caught[0].message)
    assert np.isfinite(log_norms_to_last(big)).all()       # renormalised: never overflows
