"""Small column-vector algebra on ImmutableMatrix entries, built with one Add per entry.

SymPy's Matrix arithmetic goes through its DomainMatrix machinery and re-flattens sums as
they grow (summing T matrices one by one is quadratic in T). These helpers build each entry
with a single ``Add``/``Mul``, which keeps the derivation linear in T.

Speed (issue 13, T = 1000 gated cells): ``_mul``/``_add`` return exactly what ``a * b`` and
``sp.Add(*terms)`` return (SymPy's canonical, sorted args), but build it directly when no rule
of ``Mul.flatten``/``Add.flatten`` can apply (distinct bases, no like terms, no bare numbers):
the common case here, about ten times faster than SymPy's general flatten. Anything else
takes SymPy's own path.
"""

from __future__ import annotations

from typing import Sequence

import sympy as sp
from functools import cmp_to_key

from sympy.core.basic import Basic
from sympy.core.parameters import global_parameters
from sympy.functions.elementary.exponential import ExpBase

try:    # SymPy internals the fast paths mirror (read off SymPy 1.14; tests/test_linalg_fast_paths.py)
    from sympy.core.basic import _cmp_name
    from sympy.polys.domains import EXRAW
    from sympy.polys.matrices import DomainMatrix
    from sympy.polys.matrices.sdm import SDM
    FAST = tuple(int(p) for p in sp.__version__.split(".")[:2]) == (1, 14)
except (ImportError, ValueError):
    FAST = False
"""The direct constructors are used only on the SymPy release they were checked against; on
any other, every helper below takes SymPy's own path (the same results, slower)."""

Matrix = sp.ImmutableMatrix


def _new(rows: int, cols: int, entries: list) -> Matrix:
    """The ImmutableMatrix ``Matrix._new(rows, cols, entries)`` builds, about 3x faster.

    The entries are SymPy expressions already, so the generic input handling (sympify and copy
    of each entry, the domain search) is skipped: the same EXRAW rep and args as SymPy's path
    (zero entries left out of the sparse rep, as there). All-rational matrices (ZZ/QQ) and
    anything unusual take SymPy's own path.
    """
    if not FAST:
        return Matrix._new(rows, cols, entries)
    flat, dod, rational = list(entries), {}, True
    for n, e in enumerate(flat):
        if not isinstance(e, sp.Expr):
            return Matrix._new(rows, cols, entries)
        if e.is_Number:
            if e == 0:
                continue
            rational = rational and e.is_Rational
        else:
            rational = False
        i, j = divmod(n, cols)
        dod.setdefault(i, {})[j] = e
    if rational:
        return Matrix._new(rows, cols, flat, copy=False)
    obj = Basic.__new__(Matrix, sp.Integer(rows), sp.Integer(cols), sp.Tuple(*flat, sympify=False))
    obj._rows, obj._cols = rows, cols
    obj._rep = DomainMatrix.from_rep(_sdm(dod, rows, cols))
    return obj


def _sdm(dod: dict, rows: int, cols: int) -> SDM:
    """``SDM(dod, (rows, cols), EXRAW)`` without re-checking the indices (built in range above)."""
    rep = dict.__new__(SDM)
    dict.__init__(rep, dod)
    rep.shape = rep.rows, rep.cols = rows, cols
    rep.domain = EXRAW
    return rep


_CLASS_ORDER: dict = {}


def _compare(a, b) -> int:
    """``Basic.compare(a, b)``, SymPy's canonical order of args, step for step; only the class
    order (``_cmp_name``, a scan of SymPy's class list) is remembered per pair of classes."""
    if a is b:
        return 0
    ta, tb = type(a), type(b)
    if ta is not tb:
        c = _CLASS_ORDER.get((ta, tb))
        if c is None:
            c = _CLASS_ORDER[(ta, tb)] = _cmp_name(ta, tb)
        if c:
            return c
    st, ot = a._hashable_content(), b._hashable_content()
    c = (len(st) > len(ot)) - (len(st) < len(ot))
    if c:
        return c
    for x, y in zip(st, ot):
        if isinstance(x, Basic):
            c = _compare(x, y) if isinstance(y, Basic) else x.compare(y)
        elif isinstance(x, frozenset):
            c = Basic(*x).compare(Basic(*y))
        else:
            c = (x > y) - (x < y)
        if c:
            return c
    return 0


_args_sortkey = cmp_to_key(_compare)


def _factors(e, out: list) -> bool:
    """Append e's factors (a Mul's args) to ``out``; False if Mul.flatten could rewrite them."""
    for f in (e.args if e.is_Mul else (e,)):
        if f.is_Number:
            if not f.is_Rational or f is sp.S.Zero or f is sp.S.One or out and out[0].is_Number:
                return False          # a float, oo, 0, 1, or a second coefficient to combine
            out.insert(0, f)
        elif _base(f) or (f.is_Pow and f.exp.is_Rational and f.exp not in (0, 1) and _base(f.base)):
            out.append(f)
        else:
            return False
    return True


def _base(f) -> bool:
    """A factor Mul.flatten keeps as it is: a symbol, a sum, or a function other than exp."""
    return (isinstance(f, sp.Symbol) or f.is_Add
            or (isinstance(f, sp.Function) and not isinstance(f, (ExpBase, sp.Piecewise))))


def _mul(a: sp.Expr, b: sp.Expr) -> sp.Expr:
    """``a * b``, built directly when its factors have distinct bases (see the module doc)."""
    fs: list = []
    if (FAST and global_parameters.evaluate and global_parameters.distribute and a.is_commutative
            and b.is_commutative and _factors(a, fs) and _factors(b, fs)):
        rest = fs[1:] if fs[0].is_Number else fs
        bases = {f.base if f.is_Pow else f for f in rest}
        if len(bases) == len(rest) and len(rest) >= 2:
            rest.sort(key=_args_sortkey)
            return sp.Mul._from_args(fs[:1] + rest if fs[0].is_Number else rest, True)
    return a * b


def _add(terms: list) -> sp.Expr:
    """``sp.Add(*terms)``, built directly when no two terms are alike (see the module doc)."""
    if FAST and global_parameters.evaluate and len(terms) > 1:
        flat, keys = [], set()
        for t in terms:
            for u in (t.args if t.is_Add else (t,)):
                if u.is_Mul:
                    fs: list = []
                    if not (u.is_commutative and _factors(u, fs)) or len(fs) < 2:
                        return sp.Add(*terms)
                    keys.add(u.args[1:] if u.args[0].is_Number else u.args)
                elif u.is_commutative and (isinstance(u, sp.Symbol) or isinstance(u, sp.Function)
                                           or (u.is_Pow and not u.base.is_number)):
                    keys.add((u,))
                else:
                    return sp.Add(*terms)   # a number, a nested sum, anything else
                flat.append(u)
        if len(keys) == len(flat):
            flat.sort(key=_args_sortkey)
            return sp.Add._from_args(flat, True)
    return sp.Add(*terms)


_PLAIN = sp.Symbol("x")._assumptions0


def plain_symbols(values) -> bool:
    """Symbols with no assumptions (the graph's entry symbols), in an evaluating context: the
    values ``instantiate`` may map placeholders to."""
    return global_parameters.evaluate and all(type(v) is sp.Symbol and v._assumptions0 == _PLAIN
                                              for v in values)


def instantiate(template: sp.Expr, reps: dict) -> sp.Expr:
    """``template.xreplace(reps)`` as SymPy evaluates it, for an evaluated (canonical) template
    and ``reps`` taking its placeholder symbols one-to-one to plain symbols not in it.

    Why it is the same: such a renaming changes no decision of Add/Mul.flatten (no two terms
    or bases become equal, no assumption changes) but the order of args, which is sorted again;
    the other nodes (powers, functions) are built by their own evaluating constructors.
    """
    if not FAST:
        return template.xreplace(reps)
    if not template.args:
        return reps.get(template, template)
    args = [instantiate(a, reps) for a in template.args]
    if template.is_Add or template.is_Mul:
        lead = [a for a in args[:1] if a.is_Number]       # the coefficient, in slot 0
        rest = args[len(lead):]
        rest.sort(key=_args_sortkey)
        return type(template)._from_args(lead + rest, template.is_commutative)
    return template.func(*args)


def _flat(M: Matrix):
    """The row-major entries of M (an ImmutableMatrix's args hold them)."""
    return M.args[2] if type(M) is Matrix else list(M)


def add(ms: Sequence[Matrix], shape: tuple[int, int]) -> Matrix:
    """Σ of matrices of one shape (zeros of ``shape`` for an empty list)."""
    rows, cols = shape
    if not ms:
        return _new(rows, cols, [sp.S.Zero] * (rows * cols))
    if len(ms) == 1:
        return ms[0]
    flats = [_flat(m) for m in ms]
    return _new(rows, cols, [_add([m[k] for m in flats]) for k in range(rows * cols)])


def matT_vec(M: Matrix, v: Matrix) -> Matrix:
    """Mᵀ v for M (r, c) and v (r, 1): a (c, 1) column."""
    (r, c), Mf, vf = M.shape, _flat(M), _flat(v)
    return _new(c, 1, [_add([_mul(Mf[j * c + i], vf[j]) for j in range(r)]) for i in range(c)])


def mat_vec(M: Matrix, v: Matrix) -> Matrix:
    """M v for M (r, c) and v (c, 1): an (r, 1) column."""
    (r, c), Mf, vf = M.shape, _flat(M), _flat(v)
    return _new(r, 1, [_add([_mul(Mf[i * c + j], vf[j]) for j in range(c)]) for i in range(r)])


def hadamard(u: Matrix, v: Matrix) -> Matrix:
    """u ⊙ v, entry by entry."""
    return _new(u.shape[0], u.shape[1], [_mul(a, b) for a, b in zip(_flat(u), _flat(v))])


def outer(u: Matrix, v: Matrix) -> Matrix:
    """u vᵀ for columns u (r, 1) and v (c, 1): (r, c)."""
    return _new(len(u), len(v), [_mul(a, b) for a in _flat(u) for b in _flat(v)])


def scale(m: Matrix, c: sp.Expr) -> Matrix:
    """c m (c a scalar expression)."""
    return m if c == 1 else _new(m.shape[0], m.shape[1], [_mul(c, a) for a in _flat(m)])
