"""What a Truncation(k1, k2) keeps and drops, for any cell (``bptt derive --cell C --truncation``).

The windows are the engine's (numeric/truncation.py, docs/truncation.md): at each update point τ
the losses τ_prev < t <= τ are back-propagated through steps max(1, τ − k2 + 1) .. τ. Loss L_t
reaches the parameter uses at steps start..t (surviving) and not those before (dropped); an
initial state s_0 only when the window starts at 1. ``dropped(d)`` gives full − truncated
∂L/∂name written over the graph's nodes (every δ substituted by its definition, then expanded,
so the difference cancels exactly): meant for small T, like the elman printer's.
"""

from __future__ import annotations

import sympy as sp

from ...truncated import window_start


def window_lines(d) -> list[str]:
    tr = d.truncation
    lines = [f"Truncation(k1={tr.k1}, k2={tr.k2}) (docs/derivation.md (10)): at each update point τ the "
             "losses τ_prev < t <= τ are back-propagated through steps max(1, τ-k2+1) .. τ:"]
    lines += [f"  τ = {w.tau}: losses {', '.join(f'L{t}' for t in w.losses)}; δ reaches steps {w.start}..{w.tau}"
              for w in d.windows]
    return lines


def paths(d, name: str) -> tuple[str, str]:
    """("L1 -> s1; L2 -> s1,s2", dropped likewise or "none") for ∂L/∂name (s_k: the uses at step k)."""
    g, keep, drop = d.graph, [], []
    initial = name[:-1] if name.endswith("0") and name[:-1] in g.cell.states else None
    readout = g.cell.readout and name in ("W_hy", "b_y")
    for t in g.loss_steps:
        start = window_start(d, t)
        if initial is not None:
            (keep if start == 1 else drop).append(f"L{t} -> {name}")
            continue
        steps = [t] if readout else list(range(1, t + 1))
        kept = [s for s in steps if readout or s >= start]
        lost = [s for s in steps if s not in kept]
        keep.append(f"L{t} -> " + ",".join(f"s{s}" for s in kept))
        if lost:
            drop.append(f"L{t} -> " + ",".join(f"s{s}" for s in lost))
    return "; ".join(keep), "; ".join(drop) or "none"


class Dropped:
    """The part of every gradient a truncation drops, compact (linear in T).

    A window whose δ stops at step start > 1 drops the adjoints it would pass to the states at
    start − 1 (``seeds``); carried back to step 1 by the same reverse sweep they give new
    adjoints ``Delta…`` (``adjoints``, symbols ``Delta_c2_tau4``, ``Delta2_tau4`` for h) and the
    dropped contributions ``terms[name]``: Σ terms = full − truncated ∂L/∂name exactly (a test
    compares it with ``derive_cell`` without truncation).
    """

    def __init__(self, d) -> None:
        from ...gradients import Window
        from ..derivation import Reverse, adjoint_name
        from ..graph import symbols_of
        from ..vjp import ENTRIES

        self.d, g = d, d.graph
        self.seeds: dict[int, dict[str, list]] = {}
        self.adjoints: list = []
        self.terms: dict[str, list] = {n: [] for n in d.gradient_names}
        dropped_into = self.seeds

        class Capture(Reverse):
            def _emit(self, s, w, label, acc, grads):
                emit = super()._emit(s, w, label, acc, grads)

                def capture(r, value):
                    if r.kind == "prev" and s == w.start > 1:
                        dropped_into.setdefault(w.tau, {}).setdefault(r.name, []).append(value)
                    emit(r, value)
                return capture

        def sym(prefix):
            def make(target, t, tau):
                name = adjoint_name(target, t, tau)
                return symbols_of(prefix + name.removeprefix("delta"), g.mat(target, t).shape[0], None, g.scalar)
            return make

        cap = Capture(d.cell, ENTRIES, g.activation, d._value, sym("delta"), d._loss_seed, None)
        for w in d.windows:
            cap.window(w, w.tau, [], {n: [] for n in d.gradient_names})
        seeds = self.seeds

        class Carry(Reverse):
            def _seed_loss(self, t, acc, grads, label, w):
                for state, parts in seeds[label].items():
                    acc.setdefault((state, w.tau), []).extend(parts)

        carry = Carry(d.cell, ENTRIES, g.activation, d._value, sym("Delta"), d._loss_seed, None)
        for tau, _ in seeds.items():
            start = next(w.start for w in d.windows if w.tau == tau)
            carry.window(Window(start - 1, start - 1, 1, (start - 1,)), tau, self.adjoints, self.terms)

    def total(self, name: str):
        """Σ of the dropped terms of ∂L/∂name (scalar or Matrix, as ``d.gradients``)."""
        from ...linalg import add
        return self.d.graph.public(add([c.value for c in self.terms[name]], self.d.shape(name)))


def dropped(d) -> Dropped:
    """The (cached) dropped part of a truncated CellDerivation."""
    if "_dropped_part" not in d.__dict__:
        d.__dict__["_dropped_part"] = Dropped(d)
    return d.__dict__["_dropped_part"]
