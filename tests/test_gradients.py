"""The symbolic δ recursion and gradients: the article's form, proofs against sympy.diff,
truncation's surviving and dropped terms, matrix notation, linear size in T.

The SymPy-heavy proofs use small fixed parametrizations (no hypothesis draws): identically
for scalar T <= 4, at random exact rational points to 50 significant digits for scalar
T <= 8 and hidden_size 2 with T <= 3 (relu away from its kink, at smaller T: the expanded
relu loss doubles in size with every step).
"""

from __future__ import annotations

import pytest
import sympy as sp

from derive.gradients import GRADIENT_NAMES, derive_bptt
from derive.graph import unroll
from derive.matrix_form import explicit
from derive.printing.derivation import derivation_json
from derive.verify.proof import (check_equal_at_points, prove_at_points, prove_identical)
from derive.truncated import dropped_matrix
from numeric import Truncation

LOSSES = ("half_sse", "sse", "mse", "cross_entropy")
SMOOTH = ("tanh", "sigmoid", "identity")
S = sp.Symbol


def in_node_symbols(d, m):
    """A compact Matrix with every δ replaced by its definition (nodes a_t, h_t, o_t remain)."""
    resolved: dict = {}
    for sym, rhs in d.delta_definitions().items():   # latest step first: δ_{t+1} is known
        resolved[sym] = rhs.xreplace(resolved)
    return m.xreplace(resolved)


# ---- the article's form ---------------------------------------------------------------------------

def test_delta_recursion_has_the_articles_form_for_scalar_tanh():
    d = derive_bptt(unroll(3))
    W_hh, W_hy = S("W_hh"), S("W_hy")
    h, o, y, delta = ({t: S(f"{b}{t}") for t in range(0, 4)} for b in ("h", "o", "y", "delta"))
    want = {3: W_hy * (o[3] - y[3]),
            2: W_hy * (o[2] - y[2]) + W_hh * (1 - h[3] ** 2) * delta[3],
            1: W_hy * (o[1] - y[1]) + W_hh * (1 - h[2] ** 2) * delta[2]}
    assert [e.t for e in d.deltas] == [3, 2, 1]
    for e in d.deltas:
        assert e.symbol == delta[e.t]
        assert sp.expand(e.compact - want[e.t]) == 0


def test_compact_gradients_are_per_step_sums_over_nodes():
    d = derive_bptt(unroll(3))
    h, x, delta = ({t: S(f"{b}{t}") for t in range(0, 4)} for b in ("h", "x", "delta"))
    da = {t: (1 - h[t] ** 2) * delta[t] for t in (1, 2, 3)}
    want = {"W_hh": sum(da[t] * h[t - 1] for t in (1, 2, 3)),
            "W_xh": sum(da[t] * x[t] for t in (1, 2, 3)),
            "b_h": sum(da.values()), "h0": S("W_hh") * da[1],
            "W_hy": sum((S(f"o{t}") - S(f"y{t}")) * h[t] for t in (1, 2, 3)),
            "b_y": sum(S(f"o{t}") - S(f"y{t}") for t in (1, 2, 3))}
    for name, g in d.gradients.items():
        assert sp.expand(g.compact - want[name]) == 0, name
        assert [c.t for c in g.contributions] == ([0] if name == "h0" else [1, 2, 3])


def test_w_hh_contribution_at_step_one_is_zero_when_h0_is_zero():
    d = derive_bptt(unroll(3))
    half, quarter = sp.Rational(1, 2), sp.Rational(1, 4)
    ev = d.evaluate({"W_xh": half, "W_hh": half, "W_hy": 1, "b_h": 0, "b_y": 0, "h0": 0,
                     "x": [1, quarter, quarter], "y": [half, quarter, 3 * quarter]})
    contrib = {t: v for t, _, v in ev.contributions["W_hh"]}
    assert contrib[1] == 0 and contrib[2] != 0 and contrib[3] != 0
    assert sp.simplify(ev["W_hh"] - contrib[2] - contrib[3]) == 0


def test_relu_derivative_at_zero_is_zero():
    d = derive_bptt(unroll(1, activation="relu"))
    assert d.fprime[1].xreplace({S("h1"): 0}) == 0
    assert d.fprime[1].xreplace({S("h1"): sp.Rational(1, 10)}) == 1


def test_mse_scales_each_step_by_the_number_of_loss_terms():
    d = derive_bptt(unroll(2, output_size=3, hidden_size=2, loss="mse"))
    o, y = S("o2_1"), S("y2_1")
    assert sp.expand(d.dloss_do[2][1] - sp.Rational(2, 6) * (o - y)) == 0


# ---- proofs against sympy.diff ----------------------------------------------------------------------

@pytest.mark.parametrize("T", [1, 2, 3, 4])
def test_symbolic_delta_recursion_equals_sympy_diff_identically_for_tanh(T):
    result = prove_identical(derive_bptt(unroll(T)))
    assert result.ok, result.proven


@pytest.mark.parametrize("activation,loss", [(a, l) for a in SMOOTH for l in LOSSES
                                             if (a, l) != ("tanh", "half_sse")])   # that one: above
def test_symbolic_gradients_equal_sympy_diff_identically_at_T4(activation, loss):
    result = prove_identical(derive_bptt(unroll(4, activation=activation, loss=loss)))
    assert result.ok, result.proven


@pytest.mark.parametrize("activation", SMOOTH)
@pytest.mark.parametrize("loss", LOSSES)
def test_symbolic_gradients_equal_sympy_diff_at_rational_points_scalar_T8(activation, loss):
    result = prove_at_points(derive_bptt(unroll(8, activation=activation, loss=loss)), points=2, digits=50)
    assert result.ok, result.max_rel_diff


@pytest.mark.parametrize("activation", SMOOTH)
@pytest.mark.parametrize("loss", LOSSES)
def test_symbolic_gradients_equal_sympy_diff_at_rational_points_hidden_size_2(activation, loss):
    u = unroll(3, hidden_size=2, input_size=2, output_size=2, activation=activation, loss=loss)
    result = prove_at_points(derive_bptt(u), points=1, digits=50)
    assert result.ok, result.max_rel_diff


@pytest.mark.parametrize("T,H", [(4, 1), (2, 2)])
@pytest.mark.parametrize("loss", ["half_sse", "cross_entropy"])
def test_relu_gradients_equal_sympy_diff_away_from_the_kink(T, H, loss):
    u = unroll(T, hidden_size=H, output_size=H, activation="relu", loss=loss)
    result = prove_at_points(derive_bptt(u), points=2, digits=50)
    assert result.ok, result.max_rel_diff


@pytest.mark.parametrize("loss_at", ["all", "last"])
@pytest.mark.parametrize("truncation", [Truncation(1, 1), Truncation(1, 2), Truncation(2, 2), Truncation(2, 3)])
def test_truncated_gradients_equal_windowed_sympy_diff(truncation, loss_at):
    u = unroll(4, loss_at=loss_at, loss="sse")
    result = prove_at_points(derive_bptt(u, truncation=truncation), points=1, digits=50)
    assert result.ok, result.max_rel_diff


# ---- truncation: surviving and dropped terms ------------------------------------------------------------

@pytest.mark.parametrize("T,H,truncation", [(4, 1, Truncation(1, 2)), (4, 1, Truncation(2, 2)),
                                             (3, 2, Truncation(1, 1)), (5, 1, Truncation(2, 3))])
def test_full_minus_truncated_equals_the_dropped_jacobian_product_terms(T, H, truncation):
    u = unroll(T, hidden_size=H, activation="sigmoid", loss="half_sse")
    full, trunc = derive_bptt(u), derive_bptt(u, truncation=truncation)
    for name in GRADIENT_NAMES:
        diff = in_node_symbols(full, full.compact_matrix(name)) - in_node_symbols(trunc, trunc.compact_matrix(name))
        assert (diff - dropped_matrix(trunc, name)).applyfunc(sp.expand) == sp.zeros(*diff.shape), name


def test_truncation_drops_exactly_the_paths_that_reach_before_the_window():
    d = derive_bptt(unroll(4), truncation=Truncation(2, 2))   # windows: steps 1..2 and 3..4
    dropped = {(p.t, p.s) for p in d.path_terms("W_hh") if not p.surviving}
    assert dropped == {(3, 1), (3, 2), (4, 1), (4, 2)}
    assert {(p.t, p.s) for p in d.path_terms("h0") if not p.surviving} == {(3, 0), (4, 0)}
    assert all(p.surviving for p in d.path_terms("W_hy"))
    assert d.gradients["W_hy"].dropped == 0 and d.gradients["b_y"].dropped == 0


def test_truncation_with_k2_at_least_T_drops_nothing():
    d = derive_bptt(unroll(3, hidden_size=2), truncation=Truncation(1, 3))
    for name in GRADIENT_NAMES:
        assert d.gradients[name].dropped == sp.zeros(*d.shape(name))


# ---- matrix notation, sizes, printing round trip -------------------------------------------------------

@pytest.mark.parametrize("loss,truncation", [("half_sse", None), ("cross_entropy", None), ("mse", Truncation(1, 2))])
def test_matrix_notation_equals_the_entrywise_compact_form(loss, truncation):
    d = derive_bptt(unroll(3, hidden_size=2, input_size=3, output_size=2, loss=loss), truncation=truncation)
    for name, g in d.gradients.items():
        diff = explicit(g.matrix, d) - d.compact_matrix(name)
        assert diff.applyfunc(sp.expand) == sp.zeros(*diff.shape), name


def test_compact_derivation_grows_linearly_in_T():
    def ops(T):
        d = derive_bptt(unroll(T))
        return sum(sp.count_ops(g.compact) for g in d.gradients.values()) + \
            sum(sp.count_ops(e.compact) for e in d.deltas)
    small, mid, large = ops(16), ops(32), ops(64)
    assert 1.8 < mid / small < 2.2 and 1.8 < large / mid < 2.2, (small, mid, large)


@pytest.mark.parametrize("H,truncation", [(1, None), (2, None), (1, "2,3")])
def test_json_strings_parse_back_into_the_same_expressions(H, truncation):
    d = derive_bptt(unroll(3, hidden_size=H, loss="cross_entropy" if H > 1 else "half_sse", output_size=H),
                    truncation=truncation)
    out = derivation_json(d, expanded=True)
    for name, item in out["gradients"].items():
        g = d.gradients[name]
        assert sp.sympify(item["compact"]) == g.compact
        assert sp.sympify(item["expanded"]) == g.expanded
        if truncation:
            assert sp.sympify(item["dropped"]) == g.dropped
    for item, e in zip(out["delta"], d.deltas):
        assert sp.sympify(item["compact"]) == e.compact and item["t"] == e.t


def test_cse_form_equals_the_expanded_form():
    d = derive_bptt(unroll(6, activation="sigmoid"))
    reps, reduced = d.expanded_cse()
    for name in GRADIENT_NAMES:
        full = reduced[name]
        for sym, value in reversed(reps):
            full = full.xreplace({sym: value})
        assert check_equal_at_points(full, d.expanded(name), d.unrolled.leaves, points=2) < 1e-45, name


# ---- evaluation API ----------------------------------------------------------------------------------------

def test_evaluate_reports_missing_and_unknown_values_by_name():
    d = derive_bptt(unroll(2))
    with pytest.raises(ValueError, match=r"missing \['W_xh'"):
        d.evaluate({"W_hh": 1})
    with pytest.raises(ValueError, match="unknown key 'W_zz'"):
        d.evaluate({"W_zz": 1})
    with pytest.raises(ValueError, match="x must hold T = 2 entries"):
        d.evaluate({"x": [1, 2, 3]})
    with pytest.raises(TypeError, match="must be a real number"):
        d.evaluate({"W_hh": "1/2"})


def test_evaluate_exposes_nodes_deltas_and_da():
    d = derive_bptt(unroll(2, activation="identity"))
    ev = d.evaluate({"W_xh": 1, "W_hh": 2, "W_hy": 3, "b_h": 0, "b_y": 0, "h0": 0, "x": [1, 1], "y": [0, 0]})
    # h1 = 1, h2 = 3; o = 3, 9; δ2 = 3·9 = 27, δ1 = 3·3 + 2·27 = 63 (identity: f' = 1)
    assert (ev.node("h", 1), ev.node("h", 2), ev.delta(2), ev.delta(1), ev.da(1)) == (1, 3, 27, 63, 63)
    assert ev.loss == sp.Rational(9, 2) + sp.Rational(81, 2)
    assert ev["h0"] == 2 * 63 and ev["b_h"] == 63 + 27


def test_derivation_renders_as_latex_and_readable_text():
    d = derive_bptt(unroll(2, hidden_size=2))
    assert d._repr_latex_().startswith("$$\\begin{aligned}") and "\\delta_{2}[0]" in d._repr_latex_()
    assert "∂L/∂W_hh = Σ_t (f'(a_t) ⊙ δ_t) h_{t-1}ᵀ" in str(d) and "matrix notation" in str(d)


def test_derive_bptt_rejects_bad_input():
    with pytest.raises(TypeError, match="unroll"):
        derive_bptt("not a graph")
    with pytest.raises(ValueError, match="k2 >= k1"):
        derive_bptt(unroll(3), truncation=(3, 1))
    with pytest.raises(ValueError, match="wrt='W_zz' is not known"):
        derive_bptt(unroll(3)).expanded("W_zz")


def test_prove_identical_refuses_relu_and_points_to_the_numeric_proof():
    d = derive_bptt(unroll(2, activation="relu", loss="sse"))
    with pytest.raises(ValueError, match="prove_at_points"):
        prove_identical(d)
    assert prove_at_points(d).ok                  # the relu derivation itself is right
