"""The symbolic checks of ``bptt verify``: full − truncated = the dropped Jacobian-product terms.

Two derivations of the same unrolled graph, full and truncated (derive.gradients), give each
gradient as a sum over δ symbols; substituting the δ definitions writes both over the graph's
node symbols (h_t, o_t, inputs, parameters). The truncation's dropped terms
(derive.truncated: every (loss t, step s) Jacobian-product path outside its window) are
over the same symbols, so the identity

    ∇^full − ∇^trunc − Σ dropped terms = 0

is checked *exactly*: each entry must be identically zero (derive.verify.proof.is_identically_zero:
function applications made symbols, the rational function's numerator expanded). The
numeric companion evaluates the dropped terms at a problem's values and compares them with
the engine's full − truncated.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy as sp

from numeric.params import VECTOR_NAMES
from numeric.truncation import Truncation

from ..evaluate import evaluate
from ..route import cached_derivation
from ..gradients import GRADIENT_NAMES, Derivation
from .proof import is_identically_zero
from ..truncated import dropped_matrix


@dataclass(frozen=True)
class SymbolicCase:
    """Settings of one exact check (small: T <= 4, sizes <= 2)."""

    T: int
    H: int
    D: int
    V: int
    activation: str
    loss: str
    loss_at: str
    truncation: Truncation

    def summary(self) -> str:
        return (f"T={self.T} D={self.D} H={self.H} V={self.V} {self.activation}/{self.loss} "
                f"loss_at={self.loss_at} truncation={self.truncation}")

    def to_code(self) -> str:
        return ("from derive.graph import unroll\nfrom derive.gradients import derive_bptt\n"
                f"u = unroll({self.T}, hidden_size={self.H}, input_size={self.D}, output_size={self.V}, "
                f"activation={self.activation!r}, loss={self.loss!r}, loss_at={self.loss_at!r})\n"
                f"full = derive_bptt(u)\ntrunc = derive_bptt(u, truncation='{self.truncation.k1},"
                f"{self.truncation.k2}')\n# compare full.gradients[n].compact, trunc.gradients[n].compact, "
                "trunc.dropped(n)")


def _over_nodes(d: Derivation, name: str) -> sp.ImmutableMatrix:
    """The compact gradient with every δ replaced by its definition: node symbols only."""
    subs: dict = {}
    for sym, rhs in d.delta_definitions().items():     # latest step first: rhs uses earlier keys
        subs[sym] = rhs.xreplace(subs)
    return d.compact_matrix(name).xreplace(subs)


def dropped_residual(case: SymbolicCase) -> int:
    """How many gradient entries of full − truncated − dropped are not identically zero."""
    args = (case.T, case.H, case.D, case.V, case.activation, case.loss, case.loss_at, False)
    full, trunc = cached_derivation(*args, None), cached_derivation(*args, case.truncation)
    bad = 0
    for name in GRADIENT_NAMES:
        residual = _over_nodes(full, name) - _over_nodes(trunc, name) - dropped_matrix(trunc, name)
        bad += sum(not _is_zero(sp.sympify(e)) for e in residual)
    return bad


def _is_zero(e: sp.Expr) -> bool:
    """Exactly zero: ``expand`` first (fast, and enough when the surviving and dropped terms
    are written alike), else derive.verify.proof.is_identically_zero (over one denominator)."""
    return e == 0 or sp.expand(e) == 0 or is_identically_zero(e)


def dropped_values(problem) -> dict[str, np.ndarray]:
    """The dropped terms of an unbatched problem's truncation, evaluated (30 digits) to float64.

    Returns {W_xh, W_hh, b_h, W_hy, b_y, dh0: array} shaped as numeric.bptt's gradients.
    """
    p, d0 = problem, problem.dims
    if d0.B is not None:
        raise ValueError("dropped_values takes an unbatched problem (dims.B is None).")
    weighted = p.loss_weights is not None
    trunc = cached_derivation(d0.T, d0.H, d0.D, d0.V, p.activation, p.loss, p.loss_at, weighted,
                              p.truncation)
    f = lambda a: [sp.Float(float(v), 30) for v in np.ravel(a)]  # noqa: E731
    col = lambda a, n: np.reshape(f(a), (n, 1)).tolist()  # noqa: E731
    values = {n: np.reshape(f(a), trunc.shape(n)).tolist() for n, a in p.params}
    values["h0"] = col(np.zeros(d0.H) if p.h0 is None else p.h0, d0.H)
    values["x"] = [col(x, d0.D) for x in p.xs]
    values["targets"] = ([int(y) for y in p.targets] if p.loss == "cross_entropy"
                         else [col(y, d0.V) for y in p.targets])
    if weighted:
        values["w"] = f(p.loss_weights)
    ev = evaluate(trunc, values, digits=30)
    out = {}
    for name in GRADIENT_NAMES:
        m = dropped_matrix(trunc, name).xreplace(ev.values)
        arr = np.array(m.tolist(), dtype=np.float64)
        out["dh0" if name == "h0" else name] = arr.ravel() if name in VECTOR_NAMES else arr
    return out
