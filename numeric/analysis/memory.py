"""Memory of one BPTT pass: the article's accounting, this engine's own model, and a measurement.

The article ("Memory Requirements") stores, for every step, the hidden state h_t and the
pre-activation a_t (T·B·H values each), plus the inputs (T·B·D), and needs the parameters,
their gradients, optimizer state and one gradient signal dh_next (B·H). Its headline figures
are those of h and a together: T = 1000, H = 512 gives 1 024 000 values, 8.19 MB in float64
("about 8 MB"); T = 1000, H = 1024, B = 64 gives 131 072 000 values, 1.05 GB in float64
("over 500 MB"). Its "about 2 million floating-point numbers" is a slip: T·H = 512 000.

This engine (``numeric.bptt``) stores h only — f'(a_t) is recomputed from h_t — in a
(T + 1, B, H) buffer, one (T, B, H) buffer of step gradients (∂L/∂h_t, overwritten by
∂L/∂a_t) and the (T, B, V) logits buffer that becomes ∂L/∂o_t (then the result ∂L/∂x_t).
The engine's design bounds its peak by (2.25·T·B·H + 1.25·T·B·V)·itemsize + parameters +
gradients + one step's temporaries. With truncation the streaming ``tbptt_segments`` holds
only window-sized buffers (k2 steps), independent of T.
"""

from __future__ import annotations

import tracemalloc
from dataclasses import dataclass

import numpy as np

from ..truncation import Truncation
from ..validate import check_choice, check_float_dtype, check_positive_int

ARTICLE_QUOTES = {(1000, 1, 512): "about 8 MB", (1000, 64, 1024): "over 500 MB"}
"""(T, B, H) -> what the article says its activation storage needs."""

TABLE_CONFIGS = ((100, 1, 128), (1000, 1, 256), (1000, 1, 512), (1000, 1, 1024), (1000, 64, 512),
                 (1000, 64, 1024), (10000, 1, 512), (10000, 64, 1024))
"""(T, B, H) rows of ``bptt memory --table``."""


@dataclass(frozen=True)
class MemoryItem:
    """One stored quantity: its name, the count as a formula, the count, and bytes."""

    name: str
    formula: str
    values: int
    nbytes: int


@dataclass(frozen=True)
class MemoryReport:
    """An accounting: its items, the headline (the activations) and the total, in bytes."""

    title: str
    items: tuple[MemoryItem, ...]
    headline: MemoryItem

    @property
    def total(self) -> int:
        return sum(i.nbytes for i in self.items)


@dataclass(frozen=True)
class Sizes:
    """Validated sizes: T, B, D, H, V, the dtype and the truncation (None: full BPTT)."""

    T: int
    B: int
    D: int
    H: int
    V: int
    dtype: np.dtype
    truncation: Truncation | None

    @property
    def itemsize(self) -> int:
        return self.dtype.itemsize

    @property
    def params(self) -> int:
        """H·D + H² + H + V·H + V: W_xh, W_hh, b_h, W_hy, b_y."""
        return self.H * self.D + self.H * self.H + self.H + self.V * self.H + self.V

    def window(self) -> tuple[int, int]:
        """(steps whose states are back-propagated, steps whose losses are) per update: (T, T) or (k2, k1)."""
        if self.truncation is None:
            return self.T, self.T
        return min(self.truncation.k2, self.T), min(self.truncation.k1, self.T)


def sizes(T: int, H: int, *, B: int = 1, D: int = 64, V: int = 64, dtype="float64",
          truncation=None) -> Sizes:
    """Check and bundle the sizes (each an integer >= 1; dtype float32 or float64)."""
    vals = {n: check_positive_int(n, v) for n, v in (("T", T), ("B", B), ("D", D), ("H", H), ("V", V))}
    trunc = None if truncation is None else Truncation.parse(truncation)
    return Sizes(**vals, dtype=check_float_dtype("dtype", dtype), truncation=trunc)


def check_sizes(s) -> Sizes:
    """The accountings take a ``Sizes`` from ``sizes(...)``; anything else is a TypeError."""
    if not isinstance(s, Sizes):
        raise TypeError(f"s must be numeric.analysis.memory.Sizes, made by sizes(T, H, ...); got {type(s).__name__}.")
    return s


def _item(s: Sizes, name: str, formula: str, values: int) -> MemoryItem:
    return MemoryItem(name, formula, int(values), int(values) * s.itemsize)


OPTIMIZER_STATE = {"adagrad": 1, "sgd": 0}
"""Arrays the size of the parameters each optimizer of ``numeric.charrnn.train`` keeps (Adagrad: the
sums of squared gradients; plain SGD: none). Its keys are ``numeric.charrnn.train.OPTIMIZERS``."""


def article_memory(s: Sizes, *, optimizer: str = "adagrad") -> MemoryReport:
    """The article's list. With truncation k (Truncation(k1, k2): k = k2) T becomes k.

    optimizer: one of ``OPTIMIZER_STATE`` ("adagrad", "sgd"); anything else is a ValueError.
    """
    state = OPTIMIZER_STATE[check_choice("optimizer", optimizer, OPTIMIZER_STATE)]
    n, _ = check_sizes(s).window()
    t = "T" if s.truncation is None else "k"
    h = _item(s, "hidden states h_t", f"{t}·B·H", n * s.B * s.H)
    a = _item(s, "pre-activations a_t", f"{t}·B·H", n * s.B * s.H)
    items = (h, a,
             _item(s, "inputs x_t", f"{t}·B·D", n * s.B * s.D),
             _item(s, "parameters", "HD+H²+H+VH+V", s.params),
             _item(s, "gradients", "= parameters", s.params),
             _item(s, f"optimizer state ({optimizer})", "= parameters" if state else "0", state * s.params),
             _item(s, "gradient signal dh_next", "B·H", s.B * s.H))
    head = MemoryItem("activations h and a", f"2·{t}·B·H", h.values + a.values, h.nbytes + a.nbytes)
    return MemoryReport("article: h and a stored for every step", items, head)


def engine_memory(s: Sizes) -> MemoryReport:
    """The engine's design: what ``numeric.bptt`` (full) or the streaming
    ``numeric.tbptt_segments`` (truncated) allocates. An estimate of the peak, within a few per
    cent of ``measure_peak`` at sizes where the buffers dominate; the measurement is the truth.

    Full: h_0..h_T (T+1, B, H); step gradients (T, B, H); the logits buffer (T, B, V), which
    becomes ∂L/∂o in place and is freed before the result ∂L/∂x (T, B, D) is allocated, so the
    two count as max(V, D); T·B loss reductions; the parameter gradients; one step's temporaries.
    Truncated: the same per window, one states buffer of k2 + 1 steps reused by every window.
    """
    B, H = check_sizes(s).B, s.H
    if s.truncation is None:
        T = s.T
        hs = _item(s, "hidden states h_0..h_T", "(T+1)·B·H", (T + 1) * B * H)
        items = (hs,
                 _item(s, "step gradients ∂L/∂h_t → ∂L/∂a_t", "T·B·H", T * B * H),
                 _item(s, "logits → ∂L/∂o_t, then ∂L/∂x_t", "T·B·max(V,D)", T * B * max(s.V, s.D)),
                 _item(s, "loss reductions (max, sum, L_t)", "5·T·B", 5 * T * B),
                 _item(s, "parameter gradients", "= parameters", s.params),
                 _item(s, "one step's temporaries, ∂L/∂h_0", "3·B·H", 3 * B * H))
        return MemoryReport("engine: numeric.bptt, h only", items, hs)
    k2, k1 = s.window()
    hs = _item(s, "window states h_τ-k2..h_τ", "(k2+1)·B·H", (k2 + 1) * B * H)
    items = (hs,
             _item(s, "window step gradients", "k2·B·H", k2 * B * H),
             _item(s, "window logits → ∂L/∂o_t", "k1·B·V", k1 * B * s.V),
             _item(s, "loss reductions", "5·k1·B", 5 * k1 * B),
             _item(s, "parameter gradients (per update)", "= parameters", s.params),
             _item(s, "one step's temporaries, h_τ", "3·B·H", 3 * B * H))
    return MemoryReport("engine: numeric.tbptt_segments, window-sized", items, hs)


def engine_bound(s: Sizes) -> int | None:
    """The design bound on full BPTT's peak, in bytes (None with truncation):
    (2.25·T·B·H + 1.25·T·B·V)·itemsize + parameters + gradients + one step's temporaries (3·B·H)."""
    if check_sizes(s).truncation is not None:
        return None
    T, B = s.T, s.B
    return int((2.25 * T * B * s.H + 1.25 * T * B * s.V) * s.itemsize) \
        + (2 * s.params + 3 * B * s.H) * s.itemsize


def measure_peak(s: Sizes, *, seed: int = 0, checkpoint=None) -> int:
    """Peak bytes allocated while the engine runs on random data of these sizes (tracemalloc).

    Parameters, inputs and targets are allocated before tracing starts and are excluded. Full
    BPTT runs ``numeric.bptt``; with truncation the streaming ``numeric.tbptt_segments`` (whose
    memory is window-bounded; ``bptt(..., truncation=k)`` also returns the T-sized ∂L/∂x).
    ``checkpoint``: a numeric.Checkpointing for full BPTT with checkpointing (docs/checkpointing.md).
    """
    from ..bptt import bptt, tbptt_segments
    from ..params import Params

    warm = Params.init(1, 1, 2, dtype=s.dtype)     # first-call allocations (caches) happen untraced
    for _ in tbptt_segments(warm, np.zeros((2, 1, 1), s.dtype), np.zeros((2, 1), np.intp), 1):
        pass
    bptt(warm, np.zeros((2, 1, 1), s.dtype), np.zeros((2, 1), np.intp), checkpoint=checkpoint)
    params, xs, ys = _problem(s, seed)
    tracing = tracemalloc.is_tracing()
    if not tracing:
        tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    try:
        if s.truncation is None:
            result = bptt(params, xs, ys, checkpoint=checkpoint)
            del result
        else:
            for seg in tbptt_segments(params, xs, ys, s.truncation):
                del seg
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        if not tracing:
            tracemalloc.stop()
    return int(peak)


def format_bytes(n: float | None) -> str:
    """Decimal (SI) units with three significant digits: 8192000 -> '8.19 MB'."""
    if n is None:
        return "n/a"
    if isinstance(n, bool) or not isinstance(n, (int, float, np.integer, np.floating)) or not np.isfinite(n):
        raise TypeError(f"n must be a finite number of bytes or None; got {n!r}.")
    for unit, scale in (("PB", 1e15), ("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if abs(n) >= scale:
            v = n / scale
            return f"{v:.3g} {unit}" if v < 100 else f"{v:.0f} {unit}"
    return f"{int(n)} B"


@dataclass(frozen=True)
class CheckpointReport:
    """Checkpointed BPTT at these sizes: the plan's stored states (of T + 1), the design bound on
    the peak (numeric.checkpoint.engine.peak_bound), forward steps and cell evaluations."""

    checkpoint: object
    stored: int
    states: int
    peak_bytes: int
    forward_steps: int
    cell_evaluations: int

    def time_factor(self, ratio: float = 2.0) -> float:
        """Predicted time ÷ full BPTT's when a backward step costs ``ratio`` forward steps."""
        T = self.states - 1
        return (self.cell_evaluations + ratio * T) / ((1.0 + ratio) * T)


def checkpoint_memory(s: Sizes, checkpoint) -> CheckpointReport:
    """What ``numeric.bptt(..., checkpoint=checkpoint)`` stores and allocates at full BPTT."""
    from ..checkpoint.engine import peak_bound
    from ..checkpoint.schedule import Checkpointing

    if check_sizes(s).truncation is not None:
        raise ValueError("s must be full BPTT (truncation=None) for checkpoint_memory; got "
                         f"{s.truncation}.")
    if not isinstance(checkpoint, Checkpointing):
        raise TypeError(f"checkpoint must be numeric.Checkpointing(...); got {type(checkpoint).__name__}.")
    plan = checkpoint.schedule(s.T)
    bound = peak_bound(plan, B=s.B, D=s.D, H=s.H, V=s.V, itemsize=s.itemsize)
    return CheckpointReport(checkpoint, plan.peak_stored, s.T + 1, bound, plan.forward_steps,
                            plan.cell_evaluations)


def _problem(s: Sizes, seed: int):
    from ..params import Params

    rng = np.random.default_rng(seed)
    # ‖W_hh‖₂ ≈ 2·scale·√H = 0.6: contracting, so the values stay finite over any T
    params = Params.init(s.D, s.H, s.V, scale=0.3 / np.sqrt(max(s.H, s.D)), seed=seed, dtype=s.dtype)
    return params, rng.standard_normal((s.T, s.B, s.D)).astype(s.dtype), rng.integers(0, s.V, (s.T, s.B))


def measure_ratio(s: Sizes, *, seed: int = 0, repeats: int = 3) -> float:
    """The backward/forward cost ratio on this machine: (full BPTT - forward) / forward, the
    best of ``repeats`` timings of each (forward: the engine's own state recursion)."""
    import time

    from ..bptt import bptt
    from ..forward import run_states

    params, xs, ys = _problem(check_sizes(s), seed)
    hs, h0 = np.empty((s.T, s.B, s.H), s.dtype), np.zeros((s.B, s.H), s.dtype)

    def best(fn) -> float:
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        return min(times)
    forward = best(lambda: run_states(params, xs, h0, hs, "tanh"))
    full = best(lambda: bptt(params, xs, ys))
    return max(full - forward, 0.0) / forward
