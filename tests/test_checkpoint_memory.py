"""Checkpointed BPTT's memory (issue 16): the tracemalloc peak of one call stays under the
design bound, and apart from the T-sized ∂L/∂x it does not grow with T at fixed slots."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

import numeric
from numeric.checkpoint import Checkpointing
from numeric.checkpoint.engine import peak_bound
from numeric.params import Params

B, D, H, V = 4, 8, 64, 8


def measured_peak(T: int, ck: Checkpointing, dtype=np.float64) -> tuple[int, int]:
    """(peak bytes allocated by one call, the bytes of its ∂L/∂x result); inputs made before."""
    params = Params.init(D, H, V, scale=0.3 / 8, seed=0, dtype=dtype)
    rng = np.random.default_rng(0)
    xs = rng.standard_normal((T, B, D)).astype(dtype)
    ys = rng.integers(0, V, (T, B))
    numeric.bptt(params, xs[:3], ys[:3], checkpoint=ck)      # first-call caches, untraced
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        result = numeric.bptt(params, xs, ys, checkpoint=ck)
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    return peak, result.dxs.nbytes


@pytest.mark.parametrize("ck", [Checkpointing(slots=8), Checkpointing(slots=1), Checkpointing(policy="sqrt"),
                                Checkpointing(policy="every", every=7)], ids=str)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_checkpointed_peak_is_within_the_design_bound(ck, dtype):
    for T in (60, 900):
        peak, _ = measured_peak(T, ck, dtype)
        bound = peak_bound(ck.schedule(T), B=B, D=D, H=H, V=V, itemsize=np.dtype(dtype).itemsize)
        assert peak <= bound, (T, peak, bound)


def test_checkpointed_peak_does_not_grow_with_T_at_fixed_slots():
    ck = Checkpointing(slots=8)
    rest = {T: measured_peak(T, ck)[0] - T * B * D * 8 for T in (200, 800, 3200)}   # ∂L/∂x aside
    # every buffer is sized by the slots (8) and the chunk, none by T: 16 times the length may
    # add only Python objects (the plan's task stack grows with its depth, s + r: ~100 bytes)
    assert rest[3200] <= rest[200] * 1.02 + 2_000, rest
    full = {T: measured_peak(T, Checkpointing(slots=T))[0] - T * B * D * 8 for T in (200, 800)}
    assert full[800] > 3 * full[200], full          # storing every state does grow (the contrast)
