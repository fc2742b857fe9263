"""The cell routes of ``bptt analyze --cell C`` and ``bptt plot decay --cell A,B,...``.

``--cell elman`` (the default of analyze) keeps analyze's own report; another cell, and every
cell of ``plot decay --cell``, is measured by numeric.cells.decay at the common initialisation.
Every bad value is a ValueError with one line (exit status 2).
"""

from __future__ import annotations

import argparse
import json

DEFAULTS = {"T": 50, "hidden": 100, "input": 8, "seed": 0, "sequences": 32}
# analyze's random-weight flags that describe elman's W_hh only: refused with a gated cell
ELMAN_ONLY = {"--model": "model", "--input-text": "input_text", "--scale": "scale", "--radius": "radius",
              "--activation": "activation"}


def cell_names(flag: str, text: str, *, many: bool) -> list[str]:
    """The built-in cells named by ``text`` (comma-separated when ``many``), each checked."""
    from numeric.cells import CELLS

    names = [n.strip() for n in text.split(",")] if many else [text.strip()]
    for n in names:
        if n not in CELLS:
            raise ValueError(f"{flag} {n!r} is not a built-in cell; choose {'from' if many else 'one of'} "
                             f"{', '.join(CELLS)}{' (comma-separated)' if many else ''}.")
    if len(set(names)) != len(names):
        raise ValueError(f"{flag} names a cell twice; got {text!r}.")
    return names


def measure(args: argparse.Namespace, cell: str, gate_bias: float = 0.0):
    """numeric.cells.decay.cell_decay with the sizes the flags give (defaults above)."""
    from numeric.cells.decay import cell_decay
    from numeric.validate import check_positive_int

    sizes = {k: (DEFAULTS[k] if getattr(args, k, None) is None else getattr(args, k)) for k in ("T", "hidden", "input")}
    for flag, k in (("--T", "T"), ("--hidden-size", "hidden"), ("--input-size", "input")):
        check_positive_int(flag, sizes[k])
    seed = DEFAULTS["seed"] if args.seed is None else args.seed
    if seed < 0:
        raise ValueError(f"--seed must be an integer >= 0; got {seed}.")
    from ._limits import check_work

    T, H = sizes["T"], sizes["hidden"]
    B = DEFAULTS["sequences"]
    check_work(args, f"the decay of T = {T} steps with H = {H}", nbytes=8.0 * 12 * T * B * H,
               seconds=4e-9 * T * B * H * H, verb="need", remedy="choose a smaller --T or --hidden-size")
    return cell_decay(cell, T=T, B=B, D=sizes["input"], H=H, V=sizes["input"], seed=seed, gate_bias=gate_bias)


def run_analyze(args: argparse.Namespace) -> int:
    """``bptt analyze --cell C`` for C other than elman: the ‖∂L_T/∂s_k‖ table of one cell."""
    import math

    from numeric.analysis.jacobians import decay_crossing

    from ._limits import refuse_unused

    (cell,) = cell_names("--cell", args.cell, many=False)
    refuse_unused(args, ELMAN_ONLY, f"to the elman analysis (--cell elman); --cell {cell} is measured at the "
                                    "common initialisation")
    bias = 0.0 if args.gate_bias is None else args.gate_bias
    d = measure(args, cell, bias)
    total = d.median                                             # index T − k
    parts = {s: _median(n / d.norms[-1])[::-1] for s, n in d.state_norms.items()}
    cross = decay_crossing(d.decay_factor) if d.decay_factor < 1 else None
    s = d.settings
    what = (f"cell {cell}: common initialisation init_params({cell!r}, D={s['D']}, H={s['H']}, V={s['V']}, "
            f"seed={s['seed']})" + (f", gate bias {bias:+g}" if bias else "")
            + f"; {s['B']} random one-hot sequences, T={s['T']}; loss: cross-entropy at step T only")
    if args.format == "json":
        print(json.dumps({"schema": 1, "cell": cell, "source": what, "settings": s,
                          "keep_gate": None if d.keep_gate is None else dict(zip(("name", "mean"), d.keep_gate)),
                          "relative_norms": [float(v) for v in total],
                          "relative_state_norms": {k: [float(v) for v in p] for k, p in parts.items()},
                          "decay_factor": d.decay_factor, "steps_to_one_percent": None if cross is None else cross[0]},
                         indent=2))
        return 0
    print(what)
    if d.keep_gate is not None:
        print(f"mean {d.keep_gate[0]} (the gate that keeps the state) over steps, sequences and units: "
              f"{d.keep_gate[1]:.4g}")
    names = list(parts) if len(parts) > 1 else []           # one state: its column is s_k's
    print(f"measured: ‖∂L_T/∂s_k‖₂ / ‖∂L_T/∂s_T‖₂, median over the sequences, s = ({', '.join(parts)})")
    print(f"  {'k':>5} {'T-k':>5} {'s_k':>14}" + "".join(f" {n + '_k':>14}" for n in names))
    T = d.T
    every = args.every or (1 if T <= 60 else math.ceil(T / 50))
    for k in sorted(set(range(T, -1, -every)) | {0})[::-1]:
        cols = [total[T - k], *(parts[n][T - k] for n in names)]
        print(f"  {k:>5} {T - k:>5}" + "".join(f" {v:>14.6e}" for v in cols))
    line = f"effective decay factor (median ‖∂L_T/∂s_0‖₂ / ‖∂L_T/∂s_T‖₂)^(1/T) = {d.decay_factor:.6g} per step"
    tail = f"; 1 % reached after {cross[0]:.3g} steps" if cross is not None else "; it does not decay"
    print(line + tail)
    return 0


def _median(x):
    import numpy as np

    return np.median(x, axis=1)


def figure(args: argparse.Namespace, size):
    """``bptt plot decay --cell A,B,...``: one panel per cell, one curve per --gate-bias."""
    from derive.cli.cell_figures import cell_decay_figure
    from numeric.cells.decay import KEEP_GATE

    cells = cell_names("--cell", args.cell, many=True)
    biases = (0.0, 3.0) if args.gate_bias is None else args.gate_bias
    decays = {c: [measure(args, c, b) for b in (biases if c in KEEP_GATE else [b for b in biases if b == 0] or [0.0])]
              for c in cells}
    return cell_decay_figure(decays, level=args.level, size=size)
