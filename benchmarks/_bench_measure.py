"""Measurement helpers of benchmarks/bench_engine.py: problems, timing, GEMM peak, memory.

Imported only after bench_engine has pinned the thread counts (NumPy reads them on import).
"""

from __future__ import annotations

import time
import tracemalloc
from statistics import median

import numpy as np

from numeric import Params, Truncation, tbptt_segments


def flops(T: int, B: int, D: int, H: int, V: int) -> float:
    """Forward + backward flops of one call: 6·T·B·(D·H + H² + H·V)."""
    return 6.0 * T * B * (D * H + H * H + H * V)


def problem(cfg, dtype, seed: int = 0):
    """Params, xs (T, B, D) ~ N(0, 1), class targets (T, B), h0 (B, H) ~ N(0, 0.1²).

    Weights have PyTorch's nn.RNN spread (std 1/sqrt(3H), spectral radius of W_hh about
    0.6), so gradients neither explode to inf in float32 over 1000 steps nor vanish at once.
    """
    T, B, D, H, V = cfg
    rng = np.random.default_rng(seed)
    params = Params.init(D, H, V, scale=(3 * H) ** -0.5, seed=seed, dtype=dtype)
    xs = rng.standard_normal((T, B, D)).astype(dtype)
    targets = rng.integers(0, V, size=(T, B))
    h0 = (0.1 * rng.standard_normal((B, H))).astype(dtype)
    return params, xs, targets, h0


def time_interleaved(fns: dict, target_s: float, min_reps: int, max_reps: int, rounds: int = 5):
    """Median seconds per call of each fn, measured in alternating blocks (same conditions).

    Each block starts with a short pause and one untimed call, so that no library is timed
    while another one's worker threads are still spinning (OpenMP, Eigen and OpenBLAS threads
    busy-wait for a while after their last call before they sleep).
    """
    reps = {}
    for name, fn in fns.items():
        fn()                                               # warm-up (caches, allocator, JIT)
        t0 = time.perf_counter()
        fn()
        reps[name] = max(min_reps, min(max_reps, int(target_s / max(time.perf_counter() - t0, 1e-9))))
    times = {name: [] for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            time.sleep(0.02)
            fn()
            for _ in range(-(-reps[name] // rounds)):
                t0 = time.perf_counter()
                fn()
                times[name].append(time.perf_counter() - t0)
    return {name: median(ts) for name, ts in times.items()}, {n: len(t) for n, t in times.items()}


def gemm_gflops(dtype, n: int = 1024, reps: int = 20) -> float:
    """Median GFLOP/s of an n x n matmul (2 n^3 flops) with a preallocated output."""
    rng = np.random.default_rng(1)
    a, b = (rng.standard_normal((n, n)).astype(dtype) for _ in range(2))
    c = np.empty_like(a)
    for _ in range(3):
        np.matmul(a, b, out=c)
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        np.matmul(a, b, out=c)
        ts.append(time.perf_counter() - t0)
    return 2.0 * n**3 / median(ts) / 1e9


def rel_err(engine_res, other: dict) -> float:
    """Largest norm-wise relative difference over the loss and every gradient."""
    mine = {"loss": np.asarray(engine_res.loss), "dh0": engine_res.dh0, "dxs": engine_res.dxs,
            **engine_res.grads.as_dict()}
    worst = 0.0
    for k, a in mine.items():
        b = np.asarray(other[k], dtype=np.float64)
        a = np.asarray(a, dtype=np.float64)
        worst = max(worst, float(np.linalg.norm(a - b) / max(np.linalg.norm(a), 1e-30)))
    return worst


def peak_bytes(fn) -> int:
    """tracemalloc peak of fn() above what was allocated before it (inputs excluded)."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        res = fn()
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    del res
    return peak


def memory_bounds(cfg, itemsize: int, k1: int, k2: int) -> tuple[int, int]:
    """Issue 2's bounds, in bytes, for one full call and one streamed Truncation(k1, k2) pass.

    Full: (2.25·T·B·H + 1.25·T·B·V)·itemsize + parameters + gradients + one step's
    temporaries (3·B·H values), as in numeric.analysis.memory.engine_bound: room for the hidden
    states, one buffer of step gradients and the logits / ∂L/∂o buffer, nothing T-sized more.
    The T·B·D result ∂L/∂x is not given room of its own: the engine allocates it only after
    the logits are freed. Truncated: the same with the window (k2 steps, k1 losses) for T.
    """
    T, B, D, H, V = cfg
    fixed = (2 * (D * H + H * H + H + V * H + V) + 3 * B * H) * itemsize
    full = int((2.25 * T * B * H + 1.25 * T * B * V) * itemsize) + fixed
    window = int((2.25 * k2 * B * H + 1.25 * k1 * B * V) * itemsize) + fixed
    return full, window


def stream_segments(params, xs, targets, h0, k: int) -> None:
    """A training loop's use of truncation: each Truncation(k, k) segment dropped before the next."""
    for seg in tbptt_segments(params, xs, targets, Truncation(k, k), h0=h0):
        del seg
