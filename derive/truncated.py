"""Which terms of a gradient survive a Truncation(k1, k2), and which are dropped.

Unrolling the δ recursion writes every gradient as a sum over paths (docs/derivation.md (9)):
loss L_t reaches the parameter use at step s <= t through the Jacobian product

    ∂L_t/∂a_s = f'(a_s) ⊙ (∂h_t/∂h_s)ᵀ ∂L_t/∂h_t,   ∂h_t/∂h_s = Π_{r=t..s+1} diag(f'(a_r)) W_hh

and contributes e.g. (∂L_t/∂a_s) h_{s-1}ᵀ to ∂L/∂W_hh. Under the truncation definition
(numeric/truncation.py) the term (t, s) survives iff s >= start of the window of the update
point τ with τ_prev < t <= τ; the h0 term (t, s = 0) survives iff that window starts at 1.
W_hy and b_y have one term per loss, (t, t), which always survives. Full BPTT is the case
where every term survives, and full − truncated = Σ dropped terms, exactly.

The terms are written over node symbols with the Jacobian product multiplied out step by
step, so their number is O(T²) and their size O(T³): meant for small T.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from numeric.params import OUTPUT_PARAMS

from .graph import Matrix
from .linalg import add, hadamard, matT_vec, outer

_HIDDEN_USE = {"W_hh": lambda u, s: u.mat("h", s - 1), "W_xh": lambda u, s: u.mat("x", s),
               "b_h": lambda u, s: None}


@dataclass(frozen=True)
class PathTerm:
    """The part of ∂L/∂<param> that flows from loss L_t to the parameter use at step s.

    s = 0 denotes h0 (reached through step 1). value: scalar or Matrix over node symbols.
    """

    t: int
    s: int
    surviving: bool
    value: Any


def window_start(derivation, t: int) -> int:
    """The first step δ reaches for loss L_t (1 for full BPTT)."""
    for w in derivation.windows:
        if w.tau_prev < t <= w.tau:
            return w.start
    raise ValueError(f"step {t} carries no loss (loss steps: {derivation.unrolled.loss_steps}).")


def _terms_matrix(derivation, name: str) -> list[tuple[int, int, bool, Matrix]]:
    u = derivation.unrolled
    W_hh = u.mat("W_hh")
    out = []
    for t in u.loss_steps:
        start = window_start(derivation, t)
        if name in OUTPUT_PARAMS:
            g = derivation._g[t]
            out.append((t, t, True, outer(g, u.mat("h", t)) if name == "W_hy" else g))
            continue
        v = derivation._direct[t]                       # (∂h_t/∂h_s)ᵀ ∂L_t/∂h_t at s = t
        for s in range(t, 0, -1):
            e = hadamard(derivation._fp[s], v)          # ∂L_t/∂a_s
            if name == "h0":
                if s == 1:
                    out.append((t, 0, start == 1, matT_vec(W_hh, e)))
            else:
                use = _HIDDEN_USE[name](u, s)
                out.append((t, s, s >= start, e if use is None else outer(e, use)))
            v = matT_vec(W_hh, e)
    return out


def path_terms(derivation, name: str) -> list[PathTerm]:
    """Every path term of ∂L/∂<name>, loss by loss, latest step first."""
    pub = derivation.unrolled.public
    return [PathTerm(t, s, ok, pub(v)) for t, s, ok, v in _terms_matrix(derivation, name)]


def dropped_matrix(derivation, name: str) -> Matrix:
    """Σ of the dropped terms of ∂L/∂<name> as a Matrix (zero for full BPTT)."""
    if derivation.truncation is None:
        return add([], derivation.shape(name))
    return add([v for _, _, ok, v in _terms_matrix(derivation, name) if not ok], derivation.shape(name))


def dropped(derivation, name: str) -> Any:
    """Full minus truncated ∂L/∂<name> (public form: scalar or Matrix)."""
    cache = derivation.__dict__.setdefault("_dropped", {})
    if name not in cache:
        cache[name] = derivation.unrolled.public(dropped_matrix(derivation, name))
    return cache[name]
