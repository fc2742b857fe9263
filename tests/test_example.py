"""The worked example (derive/example.py): what the article says of it, and its gradients
proved by two independent routes (sympy.diff of the expanded loss; numeric.bptt).

Nothing here is copied from the code under test: expected values are worked by hand (in
comments), or built inside the test from its own expanded loss, or come from numeric/.
"""

from __future__ import annotations

import json
from pathlib import Path

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import numeric
from derive.example.worked import GRADIENTS, PARAMETERS, WorkedExample, worked_example

R = sp.Rational
HALF, QUARTER = R(1, 2), R(1, 4)
CANON = dict(W_xh=HALF, W_hh=HALF, W_hy=1, b_h=0, b_y=0, h0=0)
X, Y = (1, QUARTER, QUARTER), (HALF, QUARTER, R(3, 4))


@pytest.fixture(scope="module")
def ex() -> WorkedExample:
    return worked_example()


# ---- an independent forward pass, written out here (not via numeric.rules) ---------------------
NAMES = ("W_xh", "W_hh", "W_hy", "b_h", "b_y", "h0")
SYM = sp.symbols(" ".join(NAMES))
F = {"tanh": sp.tanh, "sigmoid": lambda a: 1 / (1 + sp.exp(-a)),
     "relu": lambda a: sp.Piecewise((a, a > 0), (0, True)), "identity": lambda a: a}


def expanded_losses(xs, ys, activation="tanh", loss="half_sse", loss_at="all", h1=None):
    """[L_1..L_T] in the free parameter symbols SYM (or, with h1 given, from h_1 := h1)."""
    Wxh, Whh, Why, bh, by, h0 = SYM
    T = len(xs)
    steps = range(1, T + 1) if loss_at == "all" else (T,)
    n = len(steps) if loss == "mse" else 1
    c = {"half_sse": R(1, 2), "sse": 1, "mse": R(1, n)}[loss]
    h, out = h0, []
    for t, (x, y) in enumerate(zip(xs, ys), start=1):
        h = h1 if (t == 1 and h1 is not None) else F[activation](Wxh * x + Whh * h + bh)
        out.append(c * (Why * h + by - y) ** 2 if t in steps else sp.Integer(0))
    return out


def diff_at(L, name, values):
    """∂L/∂name by sympy.diff, then the values substituted."""
    sym = dict(zip(NAMES, SYM))[name]
    return sp.diff(L, sym).subs({s: values[k] for s, k in zip(SYM, NAMES)})


def is_exactly_zero(expr) -> bool:
    """Exact zero test for expressions polynomial in tanh atoms: name the atoms, expand.

    Both routes write d tanh(u) = (1 - tanh(u)**2) du, so the difference is a polynomial with
    rational coefficients in the atoms tanh(...); it is identically 0 iff it expands to 0
    with the atoms as independent symbols (a sufficient proof, and fast; sympy.simplify takes
    over a minute here).
    """
    atoms = sorted(expr.atoms(sp.tanh), key=sp.count_ops, reverse=True)   # outermost first
    return sp.expand(expr.xreplace({a: sp.Dummy() for a in atoms})) == 0


# ---- the canonical values ----------------------------------------------------------------------
def test_canonical_values_are_the_issues_values():
    data = json.loads((Path(__file__).parents[1] / "derive/example/worked_example.json").read_text())
    assert data["T"] == 3 and data["why"]
    assert data["parameters"] == {"W_xh": "1/2", "W_hh": "1/2", "W_hy": "1", "b_h": "0", "b_y": "0", "h0": "0"}
    assert data["x"] == ["1", "1/4", "1/4"] and data["targets"] == ["1/2", "1/4", "3/4"]
    assert (data["activation"], data["loss"], data["loss_at"]) == ("tanh", "half_sse", "all")


def test_forward_pass_matches_hand_worked_values(ex):
    # By hand: a_1 = 1/2·1 + 1/2·0 = 1/2, h_1 = tanh(1/2); a_2 = 1/2·1/4 + h_1/2 = 1/8 + tanh(1/2)/2;
    # ŷ_t = 1·h_t + 0 = h_t; L_1 = ½(tanh(1/2) − 1/2)².
    h1 = sp.tanh(HALF)
    h2 = sp.tanh(R(1, 8) + h1 / 2)
    h3 = sp.tanh(R(1, 8) + h2 / 2)
    assert ex.forward[0].a.exact == HALF
    assert is_exactly_zero(ex.forward[1].a.exact - (R(1, 8) + h1 / 2))
    for step, h in zip(ex.forward, (h1, h2, h3)):
        assert is_exactly_zero(step.h.exact - h) and is_exactly_zero(step.yhat.exact - h)
    assert is_exactly_zero(ex.forward[0].loss.exact - (h1 - HALF) ** 2 / 2)
    # ∂L/∂b_y = Σ_t (ŷ_t − y_t) = h_1 + h_2 + h_3 − 3/2;  ∂L/∂W_hy = Σ_t (ŷ_t − y_t) h_t
    assert is_exactly_zero(ex.gradients["b_y"].exact - (h1 + h2 + h3 - R(3, 2)))
    want = (h1 - HALF) * h1 + (h2 - QUARTER) * h2 + (h3 - R(3, 4)) * h3
    assert is_exactly_zero(ex.gradients["W_hy"].exact - want)


# ---- what the article says ---------------------------------------------------------------------
def test_w_hh_contribution_at_t1_is_exactly_zero_because_h0_is_zero(ex):
    # ∂a_1/∂W_hh = h_0 = 0, so the t = 1 term ∂L/∂a_1·h_0 is 0 exactly; t = 2, 3 both contribute.
    assert ex.backward[0].contrib["W_hh"].exact == 0
    assert all(float(b.contrib["W_hh"]) != 0 for b in ex.backward[1:])
    shifted = worked_example(h0=R(1, 3))
    assert float(shifted.backward[0].contrib["W_hh"]) == pytest.approx(float(shifted.backward[0].da) / 3, rel=1e-15)


def test_delta1_collects_contributions_of_all_three_losses(ex):
    # Independently: write L_1, L_2, L_3 as functions of a free h_1, differentiate each by h_1.
    h1 = sp.Symbol("h_1")
    Ls = [L.subs(dict(zip(SYM, CANON.values()))) for L in expanded_losses(X, Y, h1=h1)]
    shares = [sp.diff(L, h1).subs(h1, sp.tanh(HALF)) for L in Ls]
    assert all(abs(sp.N(s, 30)) > sp.Float("1e-3") for s in shares)          # every loss reaches h_1
    for s, share in zip((1, 2, 3), shares):
        assert is_exactly_zero(ex.share(1, s).exact - share)
    assert is_exactly_zero(ex.backward[0].delta.exact - sum(shares))


def test_tanh_derivative_lies_in_the_articles_range(ex):
    a = [HALF, R(1, 8) + sp.tanh(HALF) / 2]
    a.append(R(1, 8) + sp.tanh(a[1]) / 2)
    fprime = [1 - sp.tanh(v) ** 2 for v in a]                               # tanh' = 1 − tanh²
    assert all(R(78, 100) <= sp.N(f, 30) <= R(92, 100) for f in fprime)
    for b, f in zip(ex.backward, fprime):
        assert is_exactly_zero(b.fprime.exact - f)


def test_each_earlier_step_is_scaled_by_w_hh_times_tanh_prime_below_one(ex):
    # L_3's share at step t is its share at t+1 times W_hh·tanh'(a_{t+1}) = ½(1 − h_{t+1}²) < 1.
    h = [None] + [s.h.exact for s in ex.forward]
    share = {t: ex.share(t, 3).exact for t in (1, 2, 3)}
    for t in (1, 2):
        factor = HALF * (1 - h[t + 1] ** 2)
        assert 0 < sp.N(factor, 30) < 1
        assert is_exactly_zero(share[t] - factor * share[t + 1])
        assert abs(sp.N(share[t], 30)) < abs(sp.N(share[t + 1], 30))


def test_article_notes_all_hold_for_the_canonical_example(ex):
    from derive.example.notes import article_notes
    assert [n.holds for n in article_notes(ex)] == [True, True, True, True]


# ---- the gradients, proved -----------------------------------------------------------------------
def test_gradients_equal_sympy_diff_of_expanded_loss_exactly(ex):
    L = sum(expanded_losses(X, Y))
    for name in GRADIENTS:
        assert is_exactly_zero(diff_at(L, name, CANON) - ex.gradients[name].exact), name
    assert is_exactly_zero(L.subs(dict(zip(SYM, CANON.values()))) - ex.total_loss.exact)


def _numeric(values, xs, ys, activation, loss, loss_at):
    f = lambda v: np.array([[float(values[v])]])
    P = numeric.Params(f("W_xh"), f("W_hh"), np.array([float(values["b_h"])]), f("W_hy"),
                       np.array([float(values["b_y"])]))
    col = lambda vs: np.array([[float(v)] for v in vs])
    return numeric.bptt(P, col(xs), col(ys), h0=np.array([float(values["h0"])]),
                        activation=activation, loss=loss, loss_at=loss_at)


def test_canonical_gradients_equal_numeric_bptt(ex):
    r = _numeric(CANON, X, Y, "tanh", "half_sse", "all")
    got = {"W_xh": r.grads.W_xh, "W_hh": r.grads.W_hh, "W_hy": r.grads.W_hy, "b_h": r.grads.b_h,
           "b_y": r.grads.b_y, "h0": r.dh0}
    for name in GRADIENTS:
        # float64 forward/backward over 3 steps: a few ulps of round-off, far below 1e-12.
        assert float(got[name].item()) == pytest.approx(float(ex.gradients[name]), rel=1e-12), name
    assert r.loss == pytest.approx(float(ex.total_loss), rel=1e-12)


# Dyadic values (k/4) are exact in float64, so numeric/ sees the same problem, and relu's
# kink (a_t = 0 exactly) falls on the same side (f'(0) = 0) in both.
dyadic = st.integers(-8, 8).map(lambda k: R(k, 4))


@st.composite
def problems(draw, max_T=4):
    T = draw(st.integers(1, max_T))
    values = {k: draw(dyadic) for k in NAMES}
    xs = draw(st.lists(dyadic, min_size=T, max_size=T))
    ys = draw(st.lists(dyadic, min_size=T, max_size=T))
    settings_ = (draw(st.sampled_from(sorted(F))), draw(st.sampled_from(["half_sse", "sse", "mse"])),
                 draw(st.sampled_from(["all", "last"])))
    return values, xs, ys, settings_


@settings(deadline=None, max_examples=25)
@given(problems())
def test_gradients_equal_numeric_bptt_for_every_activation_loss_and_loss_at(problem):
    values, xs, ys, (act, loss, loss_at) = problem
    ex = worked_example(x=xs, targets=ys, activation=act, loss=loss, loss_at=loss_at, **values)
    r = _numeric(values, xs, ys, act, loss, loss_at)
    got = {"W_xh": r.grads.W_xh, "W_hh": r.grads.W_hh, "W_hy": r.grads.W_hy, "b_h": r.grads.b_h,
           "b_y": r.grads.b_y, "h0": r.dh0}
    for name in GRADIENTS:
        # Round-off: T <= 4 steps of |values| <= 2 in float64 leave < 1e-13 absolute error;
        # rel 1e-12 with atol 1e-12 allows for cancellation in sums of contributions.
        assert float(got[name].item()) == pytest.approx(float(ex.gradients[name]), rel=1e-12, abs=1e-12), name
    assert r.loss == pytest.approx(float(ex.total_loss), rel=1e-12, abs=1e-12)


@settings(deadline=None, max_examples=12)
@given(problems(max_T=3))
def test_overridden_gradients_equal_sympy_diff_at_rational_points(problem):
    values, xs, ys, (act, loss, loss_at) = problem
    ex = worked_example(x=xs, targets=ys, activation=act, loss=loss, loss_at=loss_at, **values)
    L = sum(expanded_losses(xs, ys, act, loss, loss_at))
    for name in GRADIENTS:
        want = sp.N(diff_at(L, name, values), 60)
        got = ex.gradients[name].evalf(60)
        # the same number to 50 significant digits (both evaluated to 60)
        assert abs(got - want) <= sp.Float("1e-50") * max(1, abs(want)), name


def test_relu_derivative_at_zero_is_zero():
    ex = worked_example(x=[0, 1], targets=[1, 1], activation="relu")      # a_1 = 1/2·0 + 0 = 0
    assert ex.forward[0].a.exact == 0
    assert ex.backward[0].fprime.exact == 0 and ex.backward[0].da.exact == 0


def test_mse_divides_by_the_number_of_steps_with_a_loss():
    # mse over T = 3 steps: L = (1/3) Σ (ŷ_t − y_t)²; half_sse: ½ Σ (ŷ_t − y_t)²  ->  ratio 2/3.
    mse, half = worked_example(loss="mse"), worked_example()
    assert is_exactly_zero(mse.total_loss.exact - R(2, 3) * half.total_loss.exact)
    last = worked_example(loss="mse", loss_at="last")                    # one step with a loss
    assert is_exactly_zero(last.total_loss.exact - (last.forward[2].yhat.exact - R(3, 4)) ** 2)


# ---- values, printing, errors ---------------------------------------------------------------------
def test_decimals_have_the_requested_significant_digits(ex):
    ref = sp.N(sp.tanh(HALF), 70)
    s = ex.forward[0].h.decimal(50)
    assert len(s.replace("0.", "", 1).lstrip("0")) == 50
    assert abs(sp.Float(s, 60) - ref) < sp.Float("1e-50")
    assert ex.forward[0].h.decimal() == "0.462117"                       # tanh(0.5) = 0.46211715...


def test_every_exact_form_is_read_back_by_sympify(ex):
    d = ex.to_json()
    values = [d["loss"], *d["gradients"].values()]
    for row in d["forward"]:
        values += [row[k] for k in ("a", "h", "yhat", "loss")]
    for row in d["backward"]:
        values += [row["delta"], row["da"], *row["contrib"].values()]
    for v in values:
        assert float(sp.N(sp.sympify(v["exact"]), 30)) == pytest.approx(v["value"], rel=1e-15, abs=1e-300)


def test_json_layout_is_the_contract(ex):
    d = ex.to_json()
    assert list(d) == ["schema", "parameters", "settings", "forward", "loss", "backward", "gradients"]
    assert d["schema"] == 1
    assert set(d["parameters"]) == {*PARAMETERS, "h0", "x", "targets"}
    assert d["settings"] == {"activation": "tanh", "loss": "half_sse", "loss_at": "all"}
    assert [r["t"] for r in d["forward"]] == [1, 2, 3] and [r["t"] for r in d["backward"]] == [1, 2, 3]
    assert set(d["forward"][0]) == {"t", "a", "h", "yhat", "loss"}
    assert set(d["backward"][0]) == {"t", "delta", "da", "contrib"}
    assert list(d["backward"][0]["contrib"]) == ["W_xh", "W_hh", "W_hy", "b_h", "b_y"]
    assert list(d["gradients"]) == ["W_xh", "W_hh", "W_hy", "b_h", "b_y", "h0"]
    assert d["parameters"]["W_hh"] == {"exact": "1/2", "value": 0.5}
    assert d["backward"][0]["contrib"]["W_hh"] == {"exact": "0", "value": 0.0}


def test_str_and_repr_latex_render_for_jupyter(ex):
    text = str(ex)
    for part in ("Forward pass", "Backward pass", "Gradients", "δ_1", "tanh(1/2)"):
        assert part in text
    latex = ex._repr_latex_()
    assert latex.startswith("$$") and latex.rstrip().endswith("$$") and "\\tanh" in latex
    assert "%" not in latex                                   # no comment lines in the notebook form


@pytest.mark.parametrize("kwargs, match", [
    (dict(x=[1, 2], targets=[1]), "targets must have one value per step, T = 2"),
    (dict(x=[], targets=[]), "at least one value"),
    (dict(loss="cross_entropy"), "loss='cross_entropy'"),
    (dict(activation="tanhh"), "activation='tanhh' is not known"),
    (dict(loss_at="first"), "loss_at='first'"),
    (dict(W_hh="1/0"), "W_hh"),
    (dict(x="1,x"), "x item 2"),
])
def test_bad_arguments_raise_value_error_naming_them(kwargs, match):
    with pytest.raises(ValueError, match=match):
        worked_example(**kwargs)


def test_non_numbers_raise_type_error():
    with pytest.raises(TypeError, match="W_hh"):
        worked_example(W_hh=sp.Symbol("w"))
    with pytest.raises(TypeError, match="W_xh"):
        worked_example(W_xh=[1])


def test_delta_is_the_sum_of_the_shares_of_every_loss():
    ex = worked_example(x=[1, -2, 3, QUARTER], targets=[0, 1, HALF, -1], W_hh=R(-3, 2), activation="sigmoid")
    for t in range(1, ex.T + 1):
        total = sum(float(ex.share(t, s)) for s in range(1, ex.T + 1))
        assert total == pytest.approx(float(ex.backward[t - 1].delta), rel=1e-14)
        assert all(ex.share(t, s).is_zero for s in range(1, t))          # no loss before t reaches h_t


def _mp_bptt(xs, ys, W_xh, W_hh, W_hy):
    """An independent tanh/half_sse BPTT in mpmath at the current precision: dW_hh, dh0."""
    hs = [mpmath.mpf(0)]
    for x in xs:
        hs.append(mpmath.tanh(W_xh * x + W_hh * hs[-1]))
    dW_hh, dnext = mpmath.mpf(0), mpmath.mpf(0)
    for t in range(len(xs), 0, -1):
        da = (W_hy * (W_hy * hs[t] - ys[t - 1]) + dnext) * (1 - hs[t] ** 2)
        dW_hh += da * hs[t - 1]
        dnext = W_hh * da
    return dW_hh, dnext


def test_fifty_digits_match_an_independent_mpmath_bptt():
    # W_hh = 3 lets rounding errors of the forward pass grow by up to 3 per step; the decimals
    # must still agree with a 120-digit mpmath BPTT to 50 significant digits.
    xs, ys = [R(k, 4) for k in (1, -2, 3, 0, 1, -1, 2, 1, -3, 1, 0, 2)], [QUARTER] * 12
    ex = worked_example(x=xs, targets=ys, W_hh=3, W_xh=HALF, W_hy=1)
    with mpmath.workdps(120):
        mp = lambda r: mpmath.mpf(r.p) / r.q
        dW_hh, dh0 = _mp_bptt([mp(x) for x in xs], [mp(y) for y in ys], mp(HALF), mpmath.mpf(3), mpmath.mpf(1))
        for got, want in ((ex.gradients["W_hh"].decimal(50), dW_hh), (ex.gradients["h0"].decimal(50), dh0)):
            assert abs(mpmath.mpf(got) - want) <= abs(want) * mpmath.mpf(10) ** -49


def test_long_sequences_match_numeric_bptt():
    # Closed forms nest T deep (building them with SymPy's automatic evaluation took minutes at
    # T = 15); T = 40 must still be computed, printed, and agree with numeric/.
    xs = [R((-1) ** k * (k % 5), 4) for k in range(40)]
    ex = worked_example(x=xs, targets=xs[::-1])
    r = _numeric(dict(CANON), xs, xs[::-1], "tanh", "half_sse", "all")
    assert float(ex.gradients["W_hh"]) == pytest.approx(float(r.grads.W_hh.item()), rel=1e-11)
    assert "Backward pass" in ex.to_text()
