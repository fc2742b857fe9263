"""Symbolic Jacobian products ∂h_t/∂h_k and the article's norm bounds."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from derive.graph import unroll
from derive.jacobian import jacobian_product
from derive.printing.jacobian import jacobian_json, jacobian_text
from numeric.rules import gamma

S = sp.Symbol


def test_scalar_product_is_latest_step_first_and_multiplies_tanh_derivatives():
    J = jacobian_product(unroll(5), 4, 1)
    assert [r for r, _ in J.factors] == [4, 3, 2]
    want = S("W_hh") ** 3 * (1 - S("h2") ** 2) * (1 - S("h3") ** 2) * (1 - S("h4") ** 2)
    assert sp.expand(J.product - want) == 0
    assert str(J.matrix) == "diag(f'(a_4))*W_hh*diag(f'(a_3))*W_hh*diag(f'(a_2))*W_hh"


@pytest.mark.parametrize("activation,H,t,k", [("tanh", 2, 3, 1), ("sigmoid", 2, 2, 0), ("tanh", 1, 4, 0),
                                              ("identity", 3, 3, 1)])
def test_product_equals_sympy_jacobian_of_h_t_with_respect_to_h_k(activation, H, t, k):
    # Independent route: rebuild h_{k+1}..h_t from free symbols c standing for h_k and let
    # Matrix.jacobian differentiate h_t(c); no per-step Jacobian of ours is used.
    u = unroll(t, hidden_size=H, activation=activation)
    c = sp.Matrix(sp.symbols(f"c0:{H}"))
    hk = u.mat("h", k)
    from_c = dict(zip(hk, c))
    for sym, rhs in u.definitions.items():
        if sym not in from_c:           # h_k stays c; steps before k are not used
            from_c[sym] = rhs.xreplace(from_c)
    h_t = u.mat("h", t).xreplace(from_c)
    reference = h_t.jacobian(c)
    J = jacobian_product(u, t, k)
    ours = sp.Matrix([[J.product]]) if u.scalar else J.product
    diff = ours.xreplace(from_c) - reference
    assert diff.applyfunc(lambda e: sp.expand(sp.together(e).as_numer_denom()[0])) == sp.zeros(H, H)


def test_gamma_comes_from_the_rules_table():
    for activation in ("tanh", "sigmoid", "relu", "identity"):
        J = jacobian_product(unroll(2, activation=activation), 2, 0)
        assert float(J.gamma) == gamma(activation)
    assert jacobian_product(unroll(3, activation="sigmoid"), 3, 1).bound == (sp.Abs(S("W_hh")) / 4) ** 2


@settings(deadline=None, max_examples=25)
@given(H=st.integers(1, 3), t=st.integers(1, 4), data=st.data(),
       activation=st.sampled_from(["tanh", "sigmoid", "relu", "identity"]), norm=st.sampled_from(["2", "1", "inf"]))
def test_jacobian_norm_respects_the_bound(H, t, data, activation, norm):
    k = data.draw(st.integers(0, t - 1))
    u = unroll(t, hidden_size=H, input_size=1, activation=activation)
    floats = st.floats(-2, 2, allow_nan=False)
    values = {str(s): data.draw(floats) for s in u.leaves}
    check = jacobian_product(u, t, k, norm=norm).check_bound(values)
    assert check.holds, check


@settings(deadline=None, max_examples=20)
@given(H=st.integers(1, 3), t=st.integers(2, 4), data=st.data(), norm=st.sampled_from(["2", "1", "inf"]))
def test_loss_gradient_norm_respects_the_bound(H, t, data, norm):
    # ‖∂L_t/∂h_k‖ = ‖Jᵀ ∂L_t/∂h_t‖ <= ‖∂L_t/∂h_t‖ (γ‖W_hhᵀ‖)^(t-k), γ = 1 for tanh.
    k = data.draw(st.integers(0, t - 1))
    u = unroll(t, hidden_size=H, activation="tanh")
    values = {str(s): data.draw(st.floats(-2, 2, allow_nan=False)) for s in u.leaves}
    J = jacobian_product(u, t, k, norm=norm)
    Jt = np.array(sp.Matrix([[J.evaluate(values, digits=30)]]) if u.scalar else J.evaluate(values, digits=30),
                  dtype=float)
    W_hh, W_hy = (np.array(u.mat(n).xreplace({s: values[str(s)] for s in u.mat(n)}), dtype=float)
                  for n in ("W_hh", "W_hy"))
    o = W_hy @ np.array(u.expand(u.mat("h", t)).xreplace({s: values[str(s)] for s in u.leaves}), dtype=float)
    o = o + np.array([values[str(s)] for s in u.mat("b_y")], dtype=float).reshape(-1, 1)
    dL_dh_t = W_hy.T @ (o - np.array([values[str(s)] for s in u.mat("y", t)], dtype=float).reshape(-1, 1))
    p = {"2": 2, "1": 1, "inf": np.inf}[norm]
    lhs = np.linalg.norm(Jt.T @ dL_dh_t, p)
    rhs = np.linalg.norm(dL_dh_t, p) * np.linalg.norm(W_hh.T, p) ** (t - k)
    assert lhs <= rhs * (1 + 1e-12) + 1e-300


def test_jacobian_prints_with_bound_and_as_json():
    J = jacobian_product(unroll(4, hidden_size=2), 3, 1)
    out = jacobian_text(J, bound=True)
    assert "diag(f'(a_3)) W_hh · diag(f'(a_2)) W_hh   (latest step on the left)" in out
    assert "‖∂h_3/∂h_1‖ <= (γ‖W_hh‖)^2 = ‖W_hh‖**2" in out
    data = jacobian_json(J, bound=True)
    assert sp.sympify(data["product"]) == J.product and data["bound"]["norm"] == "spectral"
    assert J._repr_latex_().startswith("$$") and "\\operatorname{diag}" in J._repr_latex_()


@pytest.mark.parametrize("t,k,match", [(2, 2, "k must satisfy 0 <= k < t = 2"), (3, -1, "k must satisfy"),
                                       (5, 0, "t must satisfy 1 <= t <= T = 4"), (0, 0, "t must satisfy")])
def test_jacobian_rejects_steps_out_of_order(t, k, match):
    with pytest.raises(ValueError, match=match):
        jacobian_product(unroll(4), t, k)
    with pytest.raises(ValueError, match="norm='fro' is not known"):
        jacobian_product(unroll(4), 2, 1, norm="fro")
