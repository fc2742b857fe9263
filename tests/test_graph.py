"""The unrolled graph: the symbol-name contract, node definitions, edges, expansion, printing."""

from __future__ import annotations

import re

import mpmath
import numpy as np
import pytest
import sympy as sp

from derive.graph import unroll
from derive.printing.graph import graph_json, graph_latex, graph_pretty
from derive.verify.proof import mp_eval
from numeric import Params, bptt

S = sp.Symbol


def test_scalar_symbols_use_the_contract_names():
    u = unroll(3)
    assert u.params == {n: S(n) for n in ("W_xh", "W_hh", "b_h", "W_hy", "b_y")}
    assert u.h0 == S("h0") and u.xs == [S("x1"), S("x2"), S("x3")] and u.ys == [S("y1"), S("y2"), S("y3")]
    assert (u.a[2], u.h[2], u.o[2], u.L[2]) == (S("a2"), S("h2"), S("o2"), S("L2"))


def test_vector_symbols_have_one_symbol_per_entry_with_zero_based_indices():
    u = unroll(2, hidden_size=2, input_size=3, output_size=2)
    assert u.params["W_hh"][0, 1] == S("W_hh_0_1") and u.params["W_xh"].shape == (2, 3)
    assert list(u.params["b_h"]) == [S("b_h_0"), S("b_h_1")] and u.params["W_hy"][1, 0] == S("W_hy_1_0")
    assert list(u.h0) == [S("h0_0"), S("h0_1")] and list(u.xs[0]) == [S("x1_0"), S("x1_1"), S("x1_2")]
    assert list(u.ys[1]) == [S("y2_0"), S("y2_1")] and u.h[2][1] == S("h2_1")


def test_nodes_are_defined_by_the_model_equations():
    u = unroll(2)
    d = u.definitions
    assert d[S("a2")] == S("W_xh") * S("x2") + S("W_hh") * S("h1") + S("b_h")
    assert d[S("h2")] == sp.tanh(S("a2"))
    assert d[S("o2")] == S("W_hy") * S("h2") + S("b_y")
    assert d[S("L2")] == (S("o2") - S("y2")) ** 2 / 2
    assert d[S("L")] == S("L1") + S("L2")


def test_vector_pre_activation_is_the_matrix_vector_product():
    u = unroll(1, hidden_size=2, input_size=2)
    a = u.mat("W_xh") * u.mat("x", 1) + u.mat("W_hh") * u.mat("h", 0) + u.mat("b_h")
    assert [u.definitions[s] for s in u.mat("a", 1)] == list(a)


def test_loss_at_last_keeps_only_the_last_loss_and_mse_divides_by_the_count():
    u = unroll(3, output_size=2, hidden_size=2, loss="mse", loss_at="last")
    assert list(u.L) == [3] and u.loss_steps == (3,) and list(u.o) == [3]
    assert u.loss_scale == sp.Rational(1, 2)
    assert S("y1_0") not in u.leaves
    assert unroll(3, loss="mse").loss_scale == sp.Rational(1, 3)


def test_weighted_graph_multiplies_each_step_loss_by_its_weight():
    u = unroll(2, weighted=True)
    assert u.definitions[S("L1")] == S("w1") * (S("o1") - S("y1")) ** 2 / 2


@pytest.mark.parametrize("activation,loss,H,V", [("tanh", "half_sse", 1, 1), ("sigmoid", "cross_entropy", 2, 3),
                                                 ("relu", "mse", 2, 2), ("identity", "sse", 3, 1)])
def test_expanded_loss_equals_the_engines_loss(activation, loss, H, V):
    rng = np.random.default_rng(7)
    T, D = 3, 2
    p = Params.init(D, H, V, scale=0.8, seed=3)
    xs, h0 = rng.standard_normal((T, D)), rng.standard_normal(H)
    targets = rng.integers(0, V, T) if loss == "cross_entropy" else rng.standard_normal((T, V))
    u = unroll(T, hidden_size=H, input_size=D, output_size=V, activation=activation, loss=loss)
    values = {}
    for name, arr in p:
        values.update(zip(u.mat(name), arr.reshape(u.mat(name).shape).ravel()))
    values.update(zip(u.mat("h0"), h0))
    for t in range(1, T + 1):
        values.update(zip(u.mat("x", t), xs[t - 1]))
        y = np.eye(V)[targets[t - 1]] if loss == "cross_entropy" else targets[t - 1]
        values.update(zip(u.mat("y", t), y))
    with mpmath.workdps(30):
        symbolic = float(mp_eval(u.expanded_loss(), {s: mpmath.mpf(float(v)) for s, v in values.items()}))
    engine = bptt(p, xs, targets, h0=h0, activation=activation, loss=loss).loss
    # float64 engine vs 30-digit evaluation of the same formula: round-off only.
    assert symbolic == pytest.approx(engine, rel=1e-12, abs=1e-14)


def _node(symbol_name: str) -> str:
    m = re.match(r"^(W_xh|W_hh|W_hy|b_h|b_y)(_\d+)*$", symbol_name)
    return m.group(1) if m else re.sub(r"_\d+$", "", symbol_name)


@pytest.mark.parametrize("H", [1, 2])
def test_edges_connect_every_node_to_exactly_its_parents(H):
    u = unroll(3, hidden_size=H, output_size=H, loss="cross_entropy" if H > 1 else "half_sse")
    parents: dict[str, set[str]] = {}
    for src, dst in u.edges:
        parents.setdefault(dst, set()).add(src)
    for sym, rhs in u.definitions.items():
        used = {_node(str(s)) for s in rhs.free_symbols}
        assert used == parents[_node(str(sym))], sym


def test_dot_source_is_well_formed_and_shows_the_unrolled_chain():
    u = unroll(4)
    for dot in (u.to_dot(), u.to_dot(show_params=True)):
        assert dot.startswith("digraph unrolled {") and dot.rstrip().endswith("}")
        assert dot.count("{") == dot.count("}")
        declared = set(re.findall(r"^\s+(\w+) \[label=", dot, flags=re.M))
        edges = re.findall(r"^\s+(\w+) -> (\w+)", dot, flags=re.M)
        assert edges and all(a in declared and b in declared for a, b in edges)
    dot = u.to_dot()
    assert 'h3 -> a4 [label="W_hh"];' in dot and 'x4 -> a4 [label="W_xh"];' in dot
    assert "rank=same; h0 a1 h1 a2 h2 a3 h3 a4 h4;" in dot
    assert "W_hh [label" in u.to_dot(show_params=True) and "W_hh [label" not in dot


def test_graph_prints_as_text_pretty_latex_and_json():
    u = unroll(2, activation="sigmoid")
    assert "a2 = W_hh*h1 + W_xh*x2 + b_h" in str(u) and "a2 <- x2, h1, W_xh, W_hh, b_h" in str(u)
    assert "f'(a) = h*(1 - h)" in str(u)
    assert "a_{2} &= W_{hh} h_{1} + W_{xh} x_{2} + b_{h}" in graph_latex(u)
    assert u._repr_latex_().startswith("$$\\begin{aligned}")
    assert "h₂" in graph_pretty(u)
    nodes = graph_json(u)["nodes"]
    assert all(sp.sympify(n["definition"]) == u.definitions[S(n["name"])] for n in nodes)


@pytest.mark.parametrize("kwargs,error,match", [
    (dict(T=0), ValueError, "T must be an integer >= 1; got 0"),
    (dict(T="3"), TypeError, "T must be an integer"),
    (dict(T=2, hidden_size=0), ValueError, "hidden_size must be an integer >= 1"),
    (dict(T=2, activation="tanhh"), ValueError, "activation='tanhh' is not known"),
    (dict(T=2, loss="l2"), ValueError, "loss='l2' is not known"),
    (dict(T=2, loss_at="first"), ValueError, "loss_at='first' is not known"),
    (dict(T=2, weighted="yes"), TypeError, "weighted must be True or False"),
])
def test_unroll_rejects_bad_arguments_naming_them(kwargs, error, match):
    T = kwargs.pop("T")
    with pytest.raises(error, match=match):
        unroll(T, **kwargs)
