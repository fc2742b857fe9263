"""derive/linalg.py's direct constructors return exactly what SymPy's own constructors return.

The T = 1000 cells derivation builds products, sums and matrices directly when none of SymPy's
rewriting rules can apply (issue 13's speed target). These properties hold that shortcut to
SymPy itself, structure and all (same types, same args in the same stored order), over
expressions drawn from the kinds the derivation builds (symbols with step indices, rationals,
tanh/sigmoid-like trees, powers, sums, products, unevaluated ones) and some it never builds
(floats, oo, I, exp, Piecewise), so that a SymPy release whose internals differ is caught here.
"""

from __future__ import annotations

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from derive import linalg
from derive.linalg import _add, _mul, _new, instantiate

SYMBOLS = sp.symbols("a b c h1 h2 h10 h9 delta_c2 W_hi_0_1 x1_0")
ATOMS = st.sampled_from([*SYMBOLS, sp.Integer(2), sp.Integer(-1), sp.Rational(1, 2), sp.S.Zero,
                         sp.S.One, sp.Float(1.5), sp.oo, sp.pi, sp.I, sp.E])


def _combine(children):
    pair = st.tuples(children, children)
    return st.one_of(
        pair.map(lambda ab: ab[0] + ab[1]),
        pair.map(lambda ab: ab[0] * ab[1]),
        st.tuples(children, st.sampled_from([2, -1, sp.Rational(1, 2), 3])).map(lambda ae: ae[0] ** ae[1]),
        children.map(sp.tanh), children.map(sp.exp), children.map(lambda a: 1 - a ** 2),
        children.map(lambda a: 1 / (1 + sp.exp(-a))),
        pair.map(lambda ab: sp.Mul(*ab, evaluate=False)),
        pair.map(lambda ab: sp.Add(*ab, evaluate=False)),
    )


EXPRS = st.recursive(ATOMS, _combine, max_leaves=6)


def tree(e):
    """The expression as nested (type, args) in stored order (srepr would re-sort sums)."""
    if not isinstance(e, sp.Basic) or not e.args:
        return (type(e).__name__, repr(e))
    return (type(e).__name__, tuple(tree(a) for a in e.args))


def same(got, want) -> bool:
    return tree(got) == tree(want) and got == want


# 300 draws per property in the ci profile: each is a few SymPy constructions (milliseconds).
@settings(max_examples=300, deadline=None)
@given(EXPRS, EXPRS)
def test_direct_product_is_sympys_product(a, b):
    try:
        want = a * b
    except Exception:      # SymPy itself refuses (e.g. oo * 0 combinations raising): nothing to compare
        return
    assert same(_mul(a, b), want)


@settings(max_examples=300, deadline=None)
@given(st.lists(EXPRS, min_size=1, max_size=5))
def test_direct_sum_is_sympys_sum(terms):
    try:
        want = sp.Add(*terms)
    except Exception:
        return
    assert same(_add(terms), want)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 3), st.integers(1, 3), st.data())
def test_direct_matrix_is_sympys_matrix(rows, cols, data):
    entries = data.draw(st.lists(EXPRS, min_size=rows * cols, max_size=rows * cols))
    got, want = _new(rows, cols, entries), sp.ImmutableMatrix._new(rows, cols, entries)
    assert same(got, want) and got.shape == want.shape and list(got) == list(want)
    assert got + got == want + want and got.T == want.T


PLACEHOLDERS = sp.symbols("p_0:4")
TEMPLATE_ATOMS = st.sampled_from([*PLACEHOLDERS, sp.Integer(2), sp.Integer(-1), sp.Rational(1, 3)])


def _evaluated(children):
    # instantiate's contract: an evaluated (canonical) template, as the derivation builds them
    pair = st.tuples(children, children)
    return st.one_of(pair.map(lambda ab: ab[0] + ab[1]), pair.map(lambda ab: ab[0] * ab[1]),
                     st.tuples(children, st.sampled_from([2, -1, sp.Rational(1, 2)])).map(lambda ae: ae[0] ** ae[1]),
                     children.map(sp.tanh), children.map(lambda a: 1 - a ** 2),
                     children.map(lambda a: 1 / (1 + sp.exp(-a))))


TEMPLATES = st.recursive(TEMPLATE_ATOMS, _evaluated, max_leaves=6)


@settings(max_examples=300, deadline=None)
@given(TEMPLATES, st.permutations(SYMBOLS))
def test_instantiated_template_is_the_evaluated_renaming(template, targets):
    reps = dict(zip(PLACEHOLDERS, targets))
    assert same(instantiate(template, reps), template.xreplace(reps))   # xreplace re-evaluates each node


def test_other_sympy_releases_take_sympys_own_path(monkeypatch):
    monkeypatch.setattr(linalg, "FAST", False)
    a, b = sp.symbols("a b")
    assert same(_mul(a, sp.tanh(b)), a * sp.tanh(b))
    assert same(_add([a, b]), a + b)
    assert same(_new(1, 2, [a, b]), sp.ImmutableMatrix([[a, b]]))
    assert same(instantiate(a + 2 * b, {a: b, b: a}), b + 2 * a)


def test_the_fast_paths_are_on_for_the_locked_sympy():
    # the lock file pins the release the shortcut was read off; if this fails after an upgrade,
    # re-run this file with FAST forced on before widening the gate in derive/linalg.py
    assert linalg.FAST == (tuple(int(p) for p in sp.__version__.split(".")[:2]) == (1, 14))
    if not linalg.FAST:
        pytest.fail(f"SymPy {sp.__version__}: the direct constructors are off (slower derivation); "
                    "check them against this release and widen the gate")
