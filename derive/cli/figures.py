"""The article's figures as matplotlib Figures (headless: Agg, no pyplot, no global state).

Each ``*_figure`` function returns a ``matplotlib.figure.Figure`` with labelled axes and a
legend or colour bar; ``save_png`` writes it at exactly width × dpi by height × dpi pixels.
matplotlib is imported inside the functions so ``bptt --help`` stays fast.
"""

from __future__ import annotations

import math
import textwrap
from pathlib import Path
from typing import Sequence

import numpy as np

DEFAULT_FACTORS = (0.5, 0.9, 1.0, 1.1)


def _figure(size: tuple[float, float]):
    from matplotlib.figure import Figure

    return Figure(figsize=size, dpi=100, layout="constrained")


def save_png(fig, path: str | Path, *, dpi: int = 100) -> Path:
    """Write ``fig`` as a PNG of figsize × dpi pixels (no tight bbox, so the size is exact)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    path = Path(path)
    if not path.parent.exists():
        raise FileNotFoundError(f"cannot write {str(path)!r}: directory {str(path.parent)!r} does not exist.")
    if path.is_dir():
        raise ValueError(f"cannot write {str(path)!r}: it is a directory; give a file name.")
    if path.suffix.lower() != ".png":
        raise ValueError(f"cannot write {str(path)!r}: figures are PNG images; give a name ending in .png.")
    FigureCanvasAgg(fig)
    fig.savefig(path, format="png", dpi=dpi)
    return path


# tanh is ±1 to double precision beyond |z| = 19.1; wider ranges only flatten the picture (and
# beyond ~1e15 matplotlib cannot place its ticks)
MAX_ZMAX = 1000.0
MAX_DECAY_STEPS = 100_000      # more points than any figure has pixels
Y_CAP = 1e100                  # growing curves are drawn up to here (matplotlib's log ticks overflow near 1e300)


def tanh_figure(*, zmax: float = 4.0, threshold: float = 1.0, size=(8.0, 5.0)):
    """tanh(z) and tanh'(z) = 1 − tanh²(z); |z| < threshold shaded green, beyond it red."""
    if not (math.isfinite(zmax) and 0 < zmax <= MAX_ZMAX):
        raise ValueError(f"zmax must be a number in (0, {MAX_ZMAX:g}] (tanh is ±1 to double precision "
                         f"beyond |z| = 19.1); got {zmax}.")
    if not (math.isfinite(threshold) and 0 < threshold < zmax):
        raise ValueError(f"need 0 < threshold < zmax; got threshold={threshold}, zmax={zmax}.")
    z = np.linspace(-zmax, zmax, 801)
    h = np.tanh(z)
    fig = _figure(size)
    ax = fig.add_subplot()
    d_edge = 1 - math.tanh(threshold) ** 2
    ax.axvspan(-threshold, threshold, color="tab:green", alpha=0.15,
               label=f"|z| < {threshold:g}: tanh′ > {d_edge:.2f}, gradient passes")
    ax.axvspan(-zmax, -threshold, color="tab:red", alpha=0.12, label=f"|z| > {threshold:g}: saturation, tanh′ → 0")
    ax.axvspan(threshold, zmax, color="tab:red", alpha=0.12)
    ax.plot(z, h, color="tab:blue", lw=2, label="tanh(z)")
    ax.plot(z, 1 - h**2, color="tab:orange", lw=2, label="tanh′(z) = 1 − tanh²(z)")
    ax.axhline(0, color="0.5", lw=0.6)
    ax.set_xlim(-zmax, zmax)
    ax.set_ylim(-1.1, 1.1)
    ax.set_xlabel("pre-activation z = a_t")
    ax.set_ylabel("value")
    ax.set_title("tanh and its derivative: saturation shrinks the gradient")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=9)
    return fig


def decay_figure(factors: Sequence[float] = DEFAULT_FACTORS, *, steps: int = 50, level: float = 0.01,
                 size=(8.0, 5.0)):
    """factor**n for n = 0..steps on a log scale, the ``level`` line and each crossing marked."""
    from numeric.analysis.jacobians import decay_crossing

    if not factors:
        raise ValueError("factors must list at least one decay factor; got none.")
    if isinstance(steps, bool) or not isinstance(steps, int) or not 1 <= steps <= MAX_DECAY_STEPS:
        raise ValueError(f"steps must be an integer from 1 to {MAX_DECAY_STEPS}; got {steps!r}.")
    if not (isinstance(level, (int, float)) and 0 < level < 1):
        raise ValueError(f"level must be a number in (0, 1), e.g. 0.01 for 1 %; got {level!r}.")
    n = np.arange(steps + 1)
    fig = _figure(size)
    ax = fig.add_subplot()
    ymin = 1e-6
    for f in factors:
        cross = decay_crossing(f, level)
        y = _powers(float(f), n)
        if cross is None:
            label = f"factor {f:g}: " + ("stays at 1" if f == 1 else f"grows, ×{_power_text(f, steps)} at step {steps}")
        else:
            label = f"factor {f:g}: below {level:.0%} from step {cross[1]}"
        (line,) = ax.semilogy(n, np.maximum(y, 1e-300), lw=2, marker="o", ms=2.5, label=label)
        if cross is not None and cross[0] <= steps:
            ax.plot([cross[0]], [level], marker="X", ms=10, color=line.get_color(), mec="black", zorder=5)
            ax.annotate(f"n = {cross[0]:.2f}\n{f:g}^{cross[1]} = {y[cross[1]]:.2g}", (cross[0], level),
                        textcoords="offset points", fontsize=8, color=line.get_color(),
                        **(dict(xytext=(6, 6)) if cross[0] < 0.7 * steps else dict(xytext=(-8, -24), ha="right")))
            ax.plot([cross[1]], [y[cross[1]]], marker="o", ms=6, mfc="none", color=line.get_color())
    ax.axhline(level, color="black", ls="--", lw=1, label=f"{level:.0%} of the original gradient")
    top = min(Y_CAP, max(2.0, max(_powers(float(f), np.array([steps]))[0] for f in factors) * 3))
    ax.set_ylim(ymin, top)
    ax.set_xlim(0, steps)
    ax.set_xlabel("time steps back n")
    ax.set_ylabel("relative gradient magnitude factorⁿ (log scale)")
    ax.set_title("Gradient decay through time (× marks where each curve crosses the line)")
    ax.grid(alpha=0.3, which="both")
    ax.legend(loc="lower left", fontsize=9)
    return fig


def _powers(f: float, n: np.ndarray) -> np.ndarray:
    """f**n, capped at Y_CAP (2**2000 overflows a float; it is drawn at the top of the axes)."""
    if f <= 1:
        return f ** n
    return np.exp(np.minimum(n * math.log(f), math.log(Y_CAP)))


def _power_text(f: float, n: int) -> str:
    """f**n to 3 digits, also beyond the float range (2**2000 = 1.15e+602)."""
    log10 = n * math.log10(f)
    if log10 < 300:
        return f"{f ** n:.3g}"
    exponent, fraction = divmod(log10, 1)
    return f"{10 ** fraction:.3g}e+{int(exponent)}"


def heatmap_figure(G: np.ndarray, *, title: str = "", size=(7.0, 6.0)):
    """‖∂L_t/∂h_k‖ (T, T): rows t (losses), columns k (states), lower triangle, log colours."""
    from matplotlib.colors import LogNorm

    G = np.asarray(G, dtype=np.float64)
    if G.ndim != 2 or G.shape[0] != G.shape[1] or G.shape[0] < 1:
        raise ValueError(f"G must be a square (T, T) matrix; got shape {G.shape}.")
    T = G.shape[0]
    lower = np.tril(np.ones((T, T), dtype=bool))
    pos = G[lower & (G > 0)]
    if pos.size == 0:
        raise ValueError("G has no positive entry on or below the diagonal; nothing to show on a log scale.")
    vmax = float(pos.max())
    vmin = max(float(pos.min()), vmax * 1e-16)
    M = np.ma.masked_where(~lower | (G <= 0), np.clip(G, vmin, None))
    fig = _figure(size)
    ax = fig.add_subplot()
    im = ax.imshow(M, norm=LogNorm(vmin=vmin, vmax=vmax), cmap="magma", interpolation="nearest",
                   extent=(0.5, T + 0.5, T + 0.5, 0.5))
    cb = fig.colorbar(im, ax=ax)
    cb.set_label("‖∂L_t/∂h_k‖₂ (log scale)")
    ax.set_xlabel("hidden state h_k (column k)")
    ax.set_ylabel("loss L_t (row t)")
    ax.set_title(title or "How much each loss reaches each hidden state")
    ax.set_facecolor("0.85")                        # the upper triangle (k > t) is exactly 0
    return fig


def memory_figure(*, dtype: str = "float64", D: int = 64, V: int = 64, size=(13.0, 6.5)):
    """Bytes against T, H and B: the article's h + a, and what numeric.bptt allocates."""
    from numeric.analysis.memory import ARTICLE_QUOTES, article_memory, engine_memory, format_bytes, sizes

    def curve(key, values, **fixed):
        a = [article_memory(sizes(**{**fixed, key: v}, D=D, V=V, dtype=dtype)).headline.nbytes for v in values]
        e = [engine_memory(sizes(**{**fixed, key: v}, D=D, V=V, dtype=dtype)).total for v in values]
        return np.array(a), np.array(e)

    fig = _figure(size)
    axes = fig.subplots(1, 3)
    panels = (("T", np.unique(np.logspace(1, 4, 25).astype(int)), "sequence length T",
               [dict(H=h, B=1) for h in (256, 512, 1024)]),
              ("H", np.unique(np.logspace(5, 11, 25, base=2).astype(int)), "hidden size H",
               [dict(T=1000, B=b) for b in (1, 64)]),
              ("B", np.unique(np.logspace(0, 7, 22, base=2).astype(int)), "batch size B",
               [dict(T=1000, H=h) for h in (512, 1024)]))
    for ax, (key, xs, xlabel, fixeds) in zip(axes, panels):
        lowest = math.inf
        for fixed in fixeds:
            a, e = curve(key, xs, **fixed)
            lowest = min(lowest, float(a.min()))
            (line,) = ax.loglog(xs, a, lw=2.5, label=", ".join(f"{k}={v}" for k, v in fixed.items()))
            ax.loglog(xs, e, lw=1.5, ls="--", color=line.get_color())
        for (T, B, H), quote in ARTICLE_QUOTES.items():
            point = {"T": T, "B": B, "H": H}
            if any(all(point[k] == v for k, v in f.items()) for f in fixeds):
                y = article_memory(sizes(T, H, B=B, D=D, V=V, dtype=dtype)).headline.nbytes
                ax.plot([point[key]], [y], marker="*", ms=16, ls="none", color="gold", mec="black", zorder=5,
                        label=f"article: '{quote}'")
        ax.set_xlabel(xlabel, fontsize=LABEL_PT)
        ax.set_ylabel(f"memory ({dtype})", fontsize=LABEL_PT)
        ax.set_ylim(bottom=lowest / 4)
        byte_axis(ax.yaxis)
        ax.tick_params(labelsize=TICK_PT)
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=LEGEND_PT, loc="upper center", bbox_to_anchor=(0.5, -0.14), frameon=False)
    from matplotlib.lines import Line2D

    key = [Line2D([], [], color="0.2", lw=2.5, label="article: h and a stored for every step"),
           Line2D([], [], color="0.2", lw=1.5, ls="--", label="engine: everything numeric.bptt allocates"),
           Line2D([], [], color="gold", mec="black", marker="*", ms=16, ls="none",
                  label="the article's quoted figures")]
    fig.legend(handles=key, loc="outside lower center", ncols=3, fontsize=LEGEND_PT, frameon=False)
    fig.suptitle(f"Memory of one full-BPTT pass (D = {D}, V = {V}, {dtype})", fontsize=TITLE_PT)
    return fig


# font sizes (points) of the multi-panel figures: readable when the PNG fills a slide
TITLE_PT, LABEL_PT, TICK_PT, LEGEND_PT = 15, 13, 11, 11
BYTE_UNITS = ((1e12, "TB"), (1e9, "GB"), (1e6, "MB"), (1e3, "kB"), (1.0, "B"))


def format_byte_tick(value: float, _pos=None) -> str:
    """A tick value in bytes as 100 kB, 1 MB, 2.5 GB (decimal units, as format_bytes)."""
    if not value > 0:
        return ""
    scale, unit = next(((f, u) for f, u in BYTE_UNITS if value >= f), BYTE_UNITS[-1])
    return f"{value / scale:.3g} {unit}"


def byte_axis(axis) -> None:
    """Label a log-scale byte axis in kB / MB / GB at each power of ten (minor ticks unlabelled)."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    axis.set_major_locator(LogLocator(base=10))
    axis.set_major_formatter(FuncFormatter(format_byte_tick))
    axis.set_minor_formatter(NullFormatter())


def loss_figure(loss: np.ndarray, smooth: np.ndarray, *, vocab_size: int | None = None, title: str = "",
                steps_per_pass: int | None = None, size=(8.0, 5.0)):
    """Training loss per character: every step (thin) and smoothed (thick), log scale.

    A caption under the axes explains the periodic spikes: each pass over the text starts again
    from h_0 = 0 (every ``steps_per_pass`` updates, when known).
    """
    loss, smooth = np.asarray(loss, dtype=np.float64), np.asarray(smooth, dtype=np.float64)
    if loss.ndim != 1 or loss.size == 0 or smooth.shape != loss.shape:
        raise ValueError(f"loss and smooth must be equal-length 1-D arrays; got {loss.shape} and {smooth.shape}.")
    steps = np.arange(1, loss.size + 1)
    fig = _figure(size)
    ax = fig.add_subplot()
    ax.semilogy(steps, loss, lw=0.7, alpha=0.5, color="tab:blue", label="loss of each step")
    ax.semilogy(steps, smooth, lw=2, color="tab:blue", label="smoothed (moving average, factor 0.95)")
    if vocab_size:
        ax.axhline(math.log(vocab_size), color="tab:red", ls="--", lw=1,
                   label=f"ln V = {math.log(vocab_size):.3f}: uniform guess over {vocab_size} characters")
    ax.set_xlabel("training step (parameter update)")
    ax.set_ylabel("cross-entropy per character (nats, log scale)")
    ax.set_title(title or "Training loss")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=9)
    every = f"every {steps_per_pass} steps" if steps_per_pass else "once per pass"
    caption = (f"The periodic spikes ({every}) are the passes over the text: each pass starts again "
               "from h₀ = 0, so its first characters are predicted without context.")
    # a figure-level label below the axes (constrained layout makes room for it), wrapped to the
    # width: ~13 characters per inch at 9 pt
    fig.supxlabel(textwrap.fill(caption, max(20, int(size[0] * 13))), fontsize=9, color="0.3")
    return fig


def memory_tradeoff_figure(*, T: int = 1000, ratio: float = 2.0, size=(9.0, 6.0)):
    """Stored states against predicted time for s = 1 … T: revolve, every k, sqrt, truncation."""
    from numeric.checkpoint.tradeoff import tradeoff

    pts = tradeoff(T, ratio=ratio)
    fig = _figure(size)
    ax = fig.add_subplot()
    for policy, style in (("revolve", dict(lw=2, label="revolve, s = 1 … T slots (optimal)")),
                          ("every", dict(ls="none", marker=".", ms=3, label="every k steps, k = 1 … T"))):
        sel = [p for p in pts if p.policy == policy and p.time_factor <= 4]
        ax.semilogy([p.time_factor for p in sel], [p.stored for p in sel], **style)
    sq = next(p for p in pts if p.policy == "sqrt")
    ax.semilogy([sq.time_factor], [sq.stored], marker="o", ls="none", color="black",
                label=f"sqrt: segments of ⌈√T⌉ = {sq.parameter} ({sq.stored} states)")
    ax.semilogy([1.0, 1.0], [2, T + 1], lw=4, alpha=0.35, color="tab:red",
                label="truncation k = 1 … T: k + 1 states, no extra time, inexact gradient")
    if T >= 50:
        p50 = next(p for p in pts if p.policy == "revolve" and p.parameter == 50)
        ax.semilogy([p50.time_factor], [p50.stored], marker="*", ms=14, ls="none", color="gold", mec="black",
                    label=f"s = 50: {p50.forward_steps} forward steps, {p50.time_factor:.2f}×, "
                          f"{1 - p50.stored / (T + 1):.0%} of the states saved")
    ax.semilogy([4 / 3], [0.05 * (T + 1)], marker="D", ms=8, ls="none", color="tab:green",
                label="Gruslys et al. 2016 at T = 1000: 95 % saved for ~1/3 more time")
    ax.axhline(T + 1, color="0.5", lw=0.8)
    ax.text(1.0, (T + 1) * 1.1, f"full BPTT: {T + 1} states", fontsize=8, color="0.3")
    ax.set_xlabel(f"predicted time ÷ full BPTT's (a backward step = {ratio:g} forward steps)")
    ax.set_ylabel("hidden states stored at the peak")
    ax.set_title(f"Checkpointing: memory against time, T = {T}")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8, loc="upper right")
    return fig
