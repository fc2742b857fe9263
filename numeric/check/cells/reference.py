"""The engine's answer for a case: numeric.cells.bptt (column, torch) or the generated engine's
layer backward (row: the upstream dh given at every step), in the engine's terms.

Returns {"loss" (column), every cell parameter's gradient, "<state>0": ∂L/∂s_0 (B, dim),
"dxs" (T, B, D), "hs" (T, B, H) the output state over time}.
"""

from __future__ import annotations

import numpy as np

from ...cells import bptt
from ...finite import quiet
from .cases import CellCase
from .spec import CellSpec


def engine(case: CellCase, spec: CellSpec, params: dict | None = None, xs=None, state0=None, dhs=None) -> dict:
    """The reference, optionally with other inputs (the magnitude estimate perturbs them)."""
    P = case.params if params is None else params
    xs = case.xs if xs is None else xs
    s0 = case.state0 if state0 is None else state0
    m = spec.module
    if not spec.row:
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = bptt(m, P, xs[:, 0], case.targets, {s: v[0] for s, v in s0.items()}, loss=spec.loss,
                     loss_at=case.loss_at)
        return {"loss": r.loss, **r.grads, **{f"{s}0": v[None] for s, v in r.dstate0.items()},
                "dxs": r.dxs[:, None]}
    dhs = case.dhs if dhs is None else dhs
    T, B, D = xs.shape
    H = dhs.shape[2]
    dims = {"H": H, "D": D, "V": P["W_hy"].shape[0]}
    with np.errstate(**quiet):
        S = m.stack(P, dims)
        tape = m.forward(P, S, np.ascontiguousarray(xs), {s: v.copy() for s, v in s0.items()}, dims, None)
        hs = np.array(m.outputs(tape))
        g, d, dx = m.backward(P, S, tape, dhs.copy(), 1, T)
    return {**{n: np.array(v) for n, v in g.items()}, **{f"{s}0": np.array(v) for s, v in d.items()},
            "dxs": np.array(dx), "hs": hs}
