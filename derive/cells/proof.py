"""prove(cell, ...): a cell's derived gradients equal ``sympy.diff`` of its expanded loss.

The two routes share only the graph's definitions: ``naive_gradients`` differentiates the fully
expanded loss with ``sympy.diff`` (no δ, no VJP table), ``CellDerivation`` applies the VJP
table. They are compared either exactly (``method="exact"``: the difference is identically 0,
function applications atomized; derive/verify/proof.py ``is_identically_zero``) or at random
exact rational points with mpmath at ``digits`` (``method="points"``). For truncation the naive
route differentiates each window's losses with the states entering the window held constant
(docs/truncation.md). Works for a user's cell as for the built-ins::

    >>> prove("lstm", T=2, loss="sse").ok
    True
"""

from __future__ import annotations

import random

import mpmath
import sympy as sp

from ..verify.proof import ProofResult, is_identically_zero, mp_eval, random_point
from .derivation import CellDerivation, derive_cell
from .graph import CellGraph, Matrix, unroll_cell

METHODS = ("exact", "points")


def naive_gradients(g: CellGraph, names=None) -> dict[str, Matrix]:
    """{name: ∂L/∂<name>} by ``sympy.diff`` of the expanded loss, entry by entry."""
    return {n: _diff(g.expanded_loss(), g.mat(n), g.leaves) for n in names or g.cell.gradient_names}


def _diff(loss: sp.Expr, wrt: Matrix, leaves) -> Matrix:
    """``sympy.diff`` entry by entry, taken over real copies of the leaves and mapped back.

    Only to keep SymPy fast: with plain symbols, ``tanh(u).is_real`` (asked inside ``diff``)
    expands im(u) of a nested u, which for a GRU at T = 2 does not finish; real symbols answer
    at once. The result is the same expression in the contract's (assumption-free) names.
    """
    real = {s: sp.Symbol(s.name, real=True) for s in leaves}
    back = {v: k for k, v in real.items()}
    L = loss.xreplace(real)
    return wrt.applyfunc(lambda s: sp.diff(L, real.get(s, s)).xreplace(back))


def naive_truncated_gradients(d: CellDerivation, names=None) -> dict[str, Matrix]:
    """The truncated gradients by ``sympy.diff``, window by window, entering states held constant."""
    g, names = d.graph, list(names or d.gradient_names)
    out: dict[str, list] = {n: [] for n in names}
    for w in d.windows:
        exp: dict = {}
        back: dict = {}
        for s in g.cell.states:
            entering = g.mat(s, w.start - 1)
            if w.start > 1:
                consts = [sp.Dummy(f"{s}_in{i}", real=True) for i in range(len(entering))]  # real: see _diff
                exp.update(zip(entering, consts))
                back.update(zip(consts, entering.xreplace(g.expansion)))
        for sym, rhs in _window_definitions(g, w.start, w.tau):
            exp[sym] = rhs.xreplace(exp)
        loss = sp.Add(*[exp[g.L[t]] for t in w.losses])
        for n in names:
            if n[:-1] in g.cell.states and n.endswith("0") and w.start > 1:
                continue
            out[n].append(_diff(loss, g.mat(n), g.leaves).xreplace(back))
    return {n: Matrix(sum(p[1:], p[0])) if p else Matrix(sp.zeros(*d.shape(n))) for n, p in out.items()}


def _window_definitions(g: CellGraph, start: int, tau: int):
    nodes = set()
    for t in range(start, tau + 1):
        nodes.update(g.step_symbols(t))
        if t in g.L:
            if g.cell.readout:
                nodes.update(g.mat("o", t))
            nodes.add(g.L[t])
    return [(s, rhs) for s, rhs in g.definitions.items() if s in nodes]


def _naive(d: CellDerivation, names):
    return naive_gradients(d.graph, names) if d.truncation is None else naive_truncated_gradients(d, names)


def prove_exact(d: CellDerivation, names=None) -> ProofResult:
    """The difference of the two routes is identically 0 entry by entry (not for relu)."""
    names = list(names or d.gradient_names)
    if _uses_relu(d):
        raise ValueError("method='exact' does not support relu (its Piecewise derivative); use method='points'.")
    naive = _naive(d, names)
    proven = {n: all(is_identically_zero(sp.expand(a - b) if a.is_polynomial() else a - b)
                     for a, b in zip(d.expanded_matrix(n), naive[n])) for n in names}
    return ProofResult("identical", proven, {n: 0.0 if ok else float("nan") for n, ok in proven.items()})


def prove_points(d: CellDerivation, *, points: int = 3, digits: int = 40, seed: int = 0,
                 names=None) -> ProofResult:
    """Both routes agree to ``digits`` significant digits at ``points`` random rational points."""
    g, rng, names = d.graph, random.Random(seed), list(names or d.gradient_names)
    naive, worst = _naive(d, names), {n: 0.0 for n in names}
    for _ in range(points):
        point = random_point(g, rng)
        with mpmath.workdps(digits + 20):
            vals = {s: mp_eval(s, point) for s in g.leaves}
            memo: dict = {}
            for defs in (g.definitions, d.adjoint_definitions()):
                for sym, rhs in defs.items():
                    vals[sym] = mp_eval(rhs, vals, memo)
            nmemo: dict = {}
            for n in names:
                for a, b in zip(d.compact_matrix(n), naive[n]):
                    x, y = mp_eval(a, vals), mp_eval(b, point, nmemo)
                    # relative, with a floor of 1: an exactly-zero gradient (a one-hot y_t = 1 with
                    # V = 1) comes out as two cancellation residues of size 10^-(digits + 20)
                    worst[n] = max(worst[n], float(abs(x - y) / max(abs(x), abs(y), 1)))
    proven = {n: worst[n] <= 10.0 ** -digits for n in names}
    return ProofResult(f"{points} rational points, {digits} digits", proven, worst)


def _uses_relu(d: CellDerivation) -> bool:
    return any(isinstance(p, sp.Piecewise) for e in d.graph.definitions.values() for p in e.atoms(sp.Piecewise))


def prove(cell, *, T: int = 2, method: str = "points", truncation=None, points: int = 3,
          digits: int = 40, seed: int = 0, **graph_options) -> ProofResult:
    """Prove a cell's derivation against ``sympy.diff`` (see the module docstring).

    Args:
      cell: a Cell, a registry name or ``path/to/file.py:NAME``.
      T: steps (the expanded loss grows fast: T <= 3 for gated cells).
      method: "exact" (identically zero; not for relu) or "points" (random rationals, mpmath).
      truncation: None or Truncation(k1, k2) as ``derive_cell``.
      graph_options: hidden_size, input_size, output_size, activation, loss, loss_at, weighted.
    Returns:
      ProofResult; ``.ok`` is True when every gradient (parameters and initial states) agrees.
    """
    from numeric.validate import check_choice
    method = check_choice("method", method, METHODS)
    d = derive_cell(unroll_cell(cell, T, **graph_options), truncation=truncation)
    if method == "exact":
        return prove_exact(d)
    return prove_points(d, points=points, digits=digits, seed=seed)
