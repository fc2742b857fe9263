"""The per-cell gradient-decay figure of ``bptt plot decay --cell elman,lstm,gru`` (headless).

Beside derive/cli/figures.py (which holds the article's single-panel figures) so that neither
module outgrows its size limit; the same conventions: a ``matplotlib.figure.Figure``, labelled
axes, a legend, matplotlib imported inside the function.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np


def _label(d) -> str:
    bias = d.settings.get("gate_bias", 0.0)
    text = "common init" if not bias else f"gate bias {bias:+g}"
    if d.keep_gate is not None:
        text += f" (mean {d.keep_gate[0]} = {d.keep_gate[1]:.2f})"
    factor = d.decay_factor
    return text + (f": ×{factor:.2f}/step" if factor > 0 else ": 0 at k = 0")


def cell_decay_figure(decays: Mapping[str, Sequence], *, level: float = 0.01, size=(13.0, 4.8)):
    """One panel per cell (side by side, shared log y axis): the median over the sequences of
    ‖∂L_T/∂s_k‖₂ / ‖∂L_T/∂s_T‖₂ against T − k with its 10–90 % band, one curve per CellDecay.

    decays: {cell: [CellDecay, ...]} (numeric.cells.decay), in panel order; all of one T.
    """
    from numeric.cells.decay import BAND

    from .figures import _figure

    if not decays or not all(decays.values()):
        raise ValueError("decays must map at least one cell to at least one CellDecay; got none.")
    fig = _figure(size)
    axes = fig.subplots(1, len(decays), sharey=True, squeeze=False)[0]
    floor = 1e-300
    lows = []
    for ax, (cell, curves) in zip(axes, decays.items()):
        for d in curves:
            n = np.arange(d.T + 1)
            lo, hi = d.band
            (line,) = ax.semilogy(n, np.maximum(d.median, floor), lw=2, label=_label(d))
            ax.fill_between(n, np.maximum(lo, floor), np.maximum(hi, floor), color=line.get_color(), alpha=0.18, lw=0)
            pos = d.median[d.median > 0]
            lows.append(float(pos.min()) if pos.size else 1.0)
        ax.axhline(level, color="black", ls="--", lw=1, label=f"{level:.0%}")
        first = curves[0]
        states = ", ".join(first.state_norms)
        ax.set_title(f"{cell}: s = ({states})" if len(first.state_norms) > 1 else f"{cell}: s = {states}")
        ax.set_xlabel("steps back T − k")
        ax.set_xlim(0, first.T)
        ax.grid(alpha=0.3, which="both")
        ax.legend(loc="lower left", fontsize=8)
    axes[0].set_ylabel("‖∂L_T/∂s_k‖₂ / ‖∂L_T/∂s_T‖₂ (log scale)")
    axes[0].set_ylim(max(min(lows + [level]) / 3, 1e-30), 3.0)
    s = next(iter(decays.values()))[0].settings
    fig.suptitle(f"Gradient of the last step's loss reaching each state, common initialisation (H = {s['H']}, "
                 f"D = {s['D']}, V = {s['V']}, T = {s['T']}, seed {s['seed']}): median of {s['B']} random sequences, "
                 f"{BAND[0]}–{BAND[1]} % band", fontsize=10)
    return fig
