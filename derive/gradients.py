"""derive_bptt(unrolled): the δ recursion and every gradient, compact and expanded.

Compact forms are written over the graph's node symbols (a_t, h_t, o_t) and the δ symbols,
each δ_t a symbol with its own defining equation, so the derivation is linear in T; the
expanded form substitutes every definition and is in parameters, h0, inputs and targets
only. The recursion is the article's (docs/derivation.md (2)-(8)), as a plain loop::

    δ_T = ∂L_T/∂h_T                                                   (2)
    δ_t = ∂L_t/∂h_t + (∂h_{t+1}/∂h_t)ᵀ δ_{t+1},  ∂h_{t+1}/∂h_t = diag(f'(a_{t+1})) W_hh   (3)
    ∂L/∂W_hh = Σ_t (f'(a_t) ⊙ δ_t) h_{t-1}ᵀ,  ∂L/∂W_xh = Σ_t (f'(a_t) ⊙ δ_t) x_tᵀ,  ...

With ``truncation=Truncation(k1, k2)`` the recursion runs once per update point τ over its
window s = max(1, τ - k2 + 1) .. τ, for the losses τ_prev < t <= τ (numeric/truncation.py,
docs/derivation.md (10)); the δ symbols are then ``delta{s}_tau{τ}``. ``Gradient.dropped``
holds the Jacobian-product terms the truncation leaves out (derive/truncated.py).

    >>> d = derive_bptt(unroll(2))
    >>> d.gradients["W_hh"].compact
    delta1*h0*(1 - h1**2) + delta2*h1*(1 - h2**2)
    >>> d.evaluate({"W_xh": 1, "W_hh": 0, "W_hy": 1, "b_h": 0, "b_y": 0, "h0": 0,
    ...             "x": [0, 0], "y": [1, 1]})["b_y"]
    -2
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import sympy as sp

from numeric.truncation import Truncation, update_points

from .graph import Matrix, Unrolled, deriv_entries, loss_grad
from .linalg import add, hadamard, matT_vec, outer, scale
from .evaluate import evaluate
from .matrix_form import matrix_gradient
from .printing.derivation import derivation_latex, derivation_text
from .symbols import GRADIENT_NAMES, symbol_matrix
from .truncated import dropped, path_terms



@dataclass(frozen=True)
class Window:
    """One update point: losses tau_prev < t <= tau reach back to step ``start`` (1-based)."""

    tau_prev: int
    tau: int
    start: int
    losses: tuple[int, ...]


@dataclass(frozen=True)
class DeltaEquation:
    """δ_t = ∂L/∂h_t (or, truncated, δ of the window of update point ``tau``) and its definition."""

    t: int
    tau: int | None
    symbol: Any
    compact: Any


@dataclass(frozen=True)
class Contribution:
    """One step's term in a gradient sum (``tau``: the update point whose window it is in)."""

    t: int
    tau: int | None
    value: Any


@dataclass(frozen=True)
class Gradient:
    """∂L/∂<name>: the compact sum, its per-step contributions, matrix notation, dropped terms.

    compact: expression (scalar case) or Matrix of the parameter's shape, over node symbols.
    matrix: the compact form in matrix notation (MatrixSymbols), vector sizes only, else None.
    dropped: with truncation, full minus truncated (Jacobian-product terms), else None.
    """

    name: str
    compact: Any
    contributions: tuple[Contribution, ...]
    matrix: Any
    derivation: "Derivation"

    @property
    def expanded(self) -> Any:
        """The gradient in parameters, h0, inputs and targets only (computed on first use)."""
        return self.derivation.expanded(self.name)

    @property
    def dropped(self) -> Any:
        return None if self.derivation.truncation is None else self.derivation.dropped(self.name)


def windows(unrolled: Unrolled, truncation: Truncation | None) -> list[Window]:
    """The update-point windows that carry a loss (one window, 1..T, for full BPTT)."""
    out = []
    for tau_prev, tau, start in update_points(unrolled.T, truncation):
        losses = tuple(t for t in unrolled.loss_steps if tau_prev < t <= tau)
        if losses:
            out.append(Window(tau_prev, tau, start, losses))
    return out


class Derivation:
    """The BPTT derivation for one Unrolled graph; build it with ``derive_bptt``.

    Attributes:
      unrolled: the graph; truncation: None or Truncation(k1, k2); windows: list of Window.
      deltas: [DeltaEquation], latest step first within each window.
      gradients: {"W_hh", "W_xh", "W_hy", "b_h", "b_y", "h0": Gradient}.
      fprime: {t: f'(a_t) written from h_t}; dloss_do: {t: ∂L_t/∂o_t} (w_t and mse scale included).
    """

    def __init__(self, unrolled: Unrolled, truncation: Truncation | None) -> None:
        u = self.unrolled = unrolled
        self.truncation = truncation
        self.windows = windows(u, truncation)
        W_hh, W_hy = u.mat("W_hh"), u.mat("W_hy")
        self._fp = {t: deriv_entries(u.activation, u.mat("h", t)) for t in range(1, u.T + 1)}
        self._g = {t: scale(loss_grad(u.loss, u.mat("o", t), u.mat("y", t)), u.step_weight(t))
                   for t in u.loss_steps}
        self._direct = {t: matT_vec(W_hy, g) for t, g in self._g.items()}   # ∂L_t/∂h_t
        self._delta: list[tuple[int, int | None, Matrix, Matrix]] = []
        contrib: dict[str, list[tuple[int, int | None, Matrix]]] = {n: [] for n in GRADIENT_NAMES}
        self._dx: list[tuple[int, int | None, Matrix]] = []
        for w in self.windows:
            label = None if truncation is None else w.tau
            nxt = None
            for s in range(w.tau, w.start - 1, -1):
                base = f"delta{s}" if label is None else f"delta{s}_tau{label}"
                sym = symbol_matrix(base, u.hidden_size, 1, u.scalar)
                parts = [self._direct[s]] if s in w.losses else []
                if nxt is not None:                                        # eq. (3)
                    parts.append(matT_vec(W_hh, hadamard(self._fp[s + 1], nxt)))
                self._delta.append((s, label, sym, add(parts, (u.hidden_size, 1))))
                da = hadamard(self._fp[s], sym)                            # ∂L/∂a_s, eq. (5)
                contrib["W_hh"].append((s, label, outer(da, u.mat("h", s - 1))))
                contrib["W_xh"].append((s, label, outer(da, u.mat("x", s))))
                contrib["b_h"].append((s, label, da))
                self._dx.append((s, label, matT_vec(u.mat("W_xh"), da)))
                if s == 1:
                    contrib["h0"].append((0, label, matT_vec(W_hh, da)))
                nxt = sym
        for t, g in self._g.items():
            contrib["W_hy"].append((t, None, outer(g, u.mat("h", t))))
            contrib["b_y"].append((t, None, g))
        self._contrib = {n: sorted(c, key=lambda c: (c[0], c[1] or 0)) for n, c in contrib.items()}
        self._delta.sort(key=lambda d: (d[1] or 0, -d[0]))

    # ---- public views ---------------------------------------------------------------------------
    def shape(self, name: str) -> tuple[int, int]:
        """The (rows, cols) of a gradient: that of its parameter (h0: (H, 1))."""
        return self.unrolled.mat(name).shape

    def compact_matrix(self, name: str) -> Matrix:
        """The compact gradient as a Matrix in every case (the scalar case is 1x1)."""
        return add([c[2] for c in self._contrib[name]], self.shape(name))

    @cached_property
    def gradients(self) -> dict[str, Gradient]:
        pub = self.unrolled.public
        return {n: Gradient(n, pub(self.compact_matrix(n)),
                            tuple(Contribution(t, tau, pub(v)) for t, tau, v in self._contrib[n]),
                            None if self.unrolled.scalar else matrix_gradient(self, n), self)
                for n in GRADIENT_NAMES}

    @cached_property
    def deltas(self) -> list[DeltaEquation]:
        pub = self.unrolled.public
        return [DeltaEquation(t, tau, pub(sym), pub(rhs)) for t, tau, sym, rhs in self._delta]

    @property
    def fprime(self) -> dict[int, Any]:
        return {t: self.unrolled.public(v) for t, v in self._fp.items()}

    @property
    def dloss_do(self) -> dict[int, Any]:
        return {t: self.unrolled.public(v) for t, v in self._g.items()}

    def delta_definitions(self) -> dict[sp.Symbol, sp.Expr]:
        """{δ entry symbol: compact right-hand side}, in evaluation order (latest step first)."""
        out: dict[sp.Symbol, sp.Expr] = {}
        for _, _, sym, rhs in self._delta:
            out.update(zip(sym, rhs))
        return out

    # ---- expanded forms -----------------------------------------------------------------------------
    @cached_property
    def expansion(self) -> dict[sp.Symbol, sp.Expr]:
        """Node and δ symbols -> expressions in parameters, h0, inputs and targets only."""
        out = dict(self.unrolled.expansion)
        for sym, rhs in self.delta_definitions().items():
            out[sym] = rhs.xreplace(out)
        return out

    def expanded_matrix(self, name: str) -> Matrix:
        return self.compact_matrix(name).xreplace(self.expansion)

    def expanded(self, name: str) -> Any:
        """∂L/∂<name> in parameters, h0, inputs and targets only (a substitution, no diff)."""
        return self.unrolled.public(self.expanded_matrix(self._check(name)))

    def expanded_cse(self, names=GRADIENT_NAMES) -> tuple[list[tuple[sp.Symbol, sp.Expr]], dict[str, Any]]:
        """``sympy.cse`` of the expanded gradients: (replacements c0, c1, ...; {name: reduced})."""
        names = [self._check(n) for n in names]
        exprs = [self.expanded_matrix(n) for n in names]
        reps, reduced = sp.cse(exprs, symbols=sp.numbered_symbols("c"), order="none")
        return reps, {n: self.unrolled.public(Matrix(r)) for n, r in zip(names, reduced)}

    # ---- truncation -----------------------------------------------------------------------------------
    def dropped(self, name: str) -> Any:
        """Full minus truncated ∂L/∂<name>: the Jacobian-product terms the truncation drops."""
        return dropped(self, self._check(name))

    def path_terms(self, name: str):
        """Every (loss t, step s) path term of ∂L/∂<name>, marked surviving or dropped."""
        return path_terms(self, self._check(name))

    # ---- numbers ---------------------------------------------------------------------------------------
    def evaluate(self, values: dict, *, digits: int | None = None):
        """Every gradient, δ and node at given leaf values; see derive.evaluate.evaluate."""
        return evaluate(self, values, digits=digits)

    def _check(self, name: str) -> str:
        if name not in GRADIENT_NAMES:
            raise ValueError(f"wrt={name!r} is not known; choose one of {list(GRADIENT_NAMES)} or 'all'.")
        return name

    # ---- printing ----------------------------------------------------------------------------------------
    def __str__(self) -> str:
        return derivation_text(self)

    def _repr_latex_(self) -> str:
        return "$$" + derivation_latex(self) + "$$"

    def __repr__(self) -> str:
        return f"Derivation({self.unrolled!r}, truncation={self.truncation})"


def derive_bptt(unrolled: Unrolled, *, truncation: Truncation | int | str | None = None) -> Derivation:
    """Derive every BPTT gradient of ``unrolled`` by the δ recursion.

    Args:
      unrolled: from ``derive.graph.unroll``.
      truncation: None (full BPTT), an int k (k1 = k2 = k), "k1,k2", or Truncation(k1, k2);
        the definition of numeric/truncation.py, word for word.
    Returns:
      Derivation; ``.gradients[name].compact`` is ready at once, ``.expanded(name)`` and the
      dropped terms are computed on first use.
    """
    if not isinstance(unrolled, Unrolled):
        raise TypeError(f"unrolled must be the result of derive.graph.unroll(...); got {type(unrolled).__name__}.")
    trunc = None if truncation is None else Truncation.parse(truncation)
    return Derivation(unrolled, trunc)
