"""SYMPY_NS: the namespace the shared rules table (numeric/rules.py) is evaluated with in SymPy.

A rule is written once, ``value(ns, a)``; with ``ns = numpy`` it runs on arrays, with
``ns = SYMPY_NS`` it builds SymPy expressions. Like SymPy's printer tables, the knowledge is
a dictionary: name in, SymPy function out.
"""

from __future__ import annotations

import sympy as sp


def _where(cond, a, b):
    # relu's derivative: f'(0) = 0, so the strict inequality sends the kink to the else branch.
    return sp.Piecewise((a, cond), (b, True))


def _maximum(a, b):
    return sp.Piecewise((a, a > b), (b, True))


def _logsumexp(o):
    return sp.log(sum(sp.exp(v) for v in _entries(o)))


def _softmax(o):
    entries = _entries(o)
    z = sum(sp.exp(v) for v in entries)
    return sp.Matrix([sp.exp(v) / z for v in entries]) if isinstance(o, sp.MatrixBase) else sp.exp(o) / z


def _entries(o):
    return list(o) if isinstance(o, sp.MatrixBase) else [o]


def _sum(x):
    return sum(_entries(x), sp.Integer(0))


def _dot(a, b):
    return sum((u * v for u, v in zip(_entries(a), _entries(b))), sp.Integer(0))


def _elementwise(fn):
    def apply(x):
        return x.applyfunc(fn) if isinstance(x, sp.MatrixBase) else fn(x)
    return apply


class _Namespace(dict):
    """Attribute access over a dict, so rules can write ``ns.tanh(a)``."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(f"SYMPY_NS has no {name!r}; add it to derive/namespace.py") from None


SYMPY_NS = _Namespace(
    tanh=_elementwise(sp.tanh),
    exp=_elementwise(sp.exp),
    log=_elementwise(sp.log),
    maximum=_maximum,
    where=_where,
    logsumexp=_logsumexp,
    softmax=_softmax,
    sum=_sum,
    dot=_dot,
)
