"""bptt plot: the article's figures as PNG files (matplotlib, headless)."""

from __future__ import annotations

import argparse

from .analyze import add_weight_arguments, load_weights

HELP = "write an article figure as PNG: tanh | decay | heatmap | memory | loss | memory-tradeoff"
DESCRIPTION = (
    "tanh: tanh and tanh' with the saturation regions shaded. decay: factor^n on a log scale with the "
    "1 % line and each crossing marked. heatmap: ‖∂L_t/∂h_k‖ (rows t, columns k) on a log colour scale. "
    "memory: memory against T, H and B, the article's two figures starred. loss: the training loss "
    "(of --model, or of a fresh default training run). memory-tradeoff: checkpointing's stored states "
    "against predicted time at T = 1000 for s = 1 … T (revolve, every k, sqrt) and truncation."
)
KINDS = ("tanh", "decay", "heatmap", "memory", "loss", "memory-tradeoff")
# the library's parameter names in its messages -> this command's flags (derive/cli/app.py)
PARAM_FLAGS = {"hidden_size": "--hidden-size", "input_size": "--input-size", "output_size": "--input-size", "scale": "--scale",
               "radius": "--radius", "T": "--T", "level": "--level", "factor": "--factors", "factors": "--factors",
               "steps": "--steps", "zmax": "--zmax", "seed": "--seed"}


def _floats(text: str) -> tuple[float, ...]:
    try:
        vals = tuple(float(v) for v in text.split(",") if v.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers such as 0.5,0.9; got {text!r}") from None
    if not vals:
        raise argparse.ArgumentTypeError(f"expected at least one number; got {text!r}")
    return vals


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("kind", choices=KINDS, help="which figure")
    p.add_argument("--out", metavar="FILE.png", help="output file (default: <kind>.png)")
    p.add_argument("--width", type=float, default=None, help="inches (default 8; memory 13; heatmap 7)")
    p.add_argument("--height", type=float, default=None, help="inches (default 5; memory 6.5; heatmap 6)")
    p.add_argument("--dpi", type=int, default=100, help="pixels per inch (default 100)")
    p.add_argument("--format", choices=("text", "json"), default="text",
                   help="json: one document describing the file written (path, kind, pixels)")
    g = p.add_argument_group("tanh")
    # defaults are None here and filled in by run(): a flag given for another figure is refused
    g.add_argument("--zmax", type=float, help="z range [-zmax, zmax] (default 4)")
    g.add_argument("--threshold", type=float, help="|z| beyond which tanh saturates (default 1)")
    g = p.add_argument_group("decay")
    g.add_argument("--factors", type=_floats, metavar="F1,F2,...", help="decay factors (default 0.5,0.9,1.0,1.1)")
    g.add_argument("--steps", type=int, default=None,
                   help="decay: steps back (default 50); loss without --model: training steps (default 2000)")
    g.add_argument("--level", type=float, help="the line to cross (default 0.01 = 1 %%)")
    g.add_argument("--cell", metavar="C1,C2,...",
                   help="instead of factorⁿ: the measured ‖∂L_T/∂s_k‖ of these built-in cells side by side at the "
                        "common initialisation (e.g. elman,lstm,gru; --T, --hidden-size, --input-size, --seed apply)")
    g.add_argument("--gate-bias", type=_floats, metavar="B1,B2,...",
                   help="with --cell: one curve per value added to the bias of the gate that keeps the state "
                        "(lstm b_f, gru b_z; default 0,3)")
    g = p.add_argument_group("memory")
    g.add_argument("--dtype", choices=("float64", "float32"), help="default float64")
    # heatmap: weights and inputs as in `bptt analyze` (random defaults with visible decay); loss: --model
    add_weight_arguments(p, T=30, hidden=50, scale=0.3, radius=0.9)
    p.set_defaults(cost=heatmap_cost)


def heatmap_cost(T: int, H: int) -> tuple[float, float]:
    """(bytes, seconds) of the heatmap: T Jacobians (H, H) and T² norms; carrying all T rows back
    is one (T, H) x (H, H) product per step, ~1e-9 s per T²·H²."""
    return 8.0 * T * (H * H + T), 1e-9 * T * T * H * H


# the options of one figure only: flag -> (argparse dest, the figures it applies to)
FIGURE_OPTIONS = {
    "--zmax": ("zmax", ("tanh",)), "--threshold": ("threshold", ("tanh",)),
    "--factors": ("factors", ("decay",)), "--level": ("level", ("decay",)), "--steps": ("steps", ("decay", "loss")),
    "--dtype": ("dtype", ("memory",)), "--model": ("model", ("heatmap", "loss")),
    "--seed": ("seed", ("heatmap", "loss", "decay")), "--force": ("force", ("heatmap", "decay")),
    **{flag: (flag[2:].replace("-", "_"), ("heatmap",))
       for flag in ("--input-text", "--scale", "--radius", "--activation")},
    "--T": ("T", ("heatmap", "decay")), "--hidden-size": ("hidden", ("heatmap", "decay")),
    "--input-size": ("input", ("heatmap", "decay")),
    "--cell": ("cell", ("decay",)), "--gate-bias": ("gate_bias", ("decay",)),
}
# plot decay draws factorⁿ, or with --cell the measured cells: each takes its own options
DECAY_CELL_ONLY = {"--cell": "cell", "--gate-bias": "gate_bias", "--T": "T", "--hidden-size": "hidden",
                   "--input-size": "input", "--seed": "seed", "--force": "force"}
DECAY_FACTORS_ONLY = {"--factors": "factors", "--steps": "steps"}
DEFAULTS = {"zmax": 4.0, "threshold": 1.0, "factors": (0.5, 0.9, 1.0, 1.1), "level": 0.01, "dtype": "float64",
            "seed": 0}


def check_options(args: argparse.Namespace) -> None:
    """Refuse options of other figures (they would do nothing), then fill in the defaults."""
    from ._limits import refuse_unused

    for flag, (dest, kinds) in FIGURE_OPTIONS.items():
        if args.kind not in kinds:
            refuse_unused(args, {flag: dest}, f"to plot {' and '.join(kinds)}, not to plot {args.kind}")
    if args.kind == "decay":
        if args.cell is None:
            refuse_unused(args, {f: d for f, d in DECAY_CELL_ONLY.items() if f != "--cell"},
                          "to plot decay --cell (the measured cells)")
        else:
            refuse_unused(args, DECAY_FACTORS_ONLY, "to plot decay without --cell (factorⁿ)")
    if args.kind == "loss" and args.model is not None:
        refuse_unused(args, {"--steps": "steps", "--seed": "seed"},
                      "to the fresh training run of plot loss without --model")
    for dest, value in DEFAULTS.items():
        if getattr(args, dest) is None:
            setattr(args, dest, value)


DEFAULT_SIZE = {"memory": (13.0, 6.5), "heatmap": (7.0, 6.0), "memory-tradeoff": (9.0, 6.0),
                "decay --cell": (13.0, 5.0)}


def make_figure(args: argparse.Namespace, size):
    from derive.cli import figures

    if args.kind == "tanh":
        return figures.tanh_figure(zmax=args.zmax, threshold=args.threshold, size=size)
    if args.kind == "decay" and args.cell is not None:
        from ._decay import figure

        return figure(args, size)
    if args.kind == "decay":
        return figures.decay_figure(args.factors, steps=50 if args.steps is None else args.steps,
                                    level=args.level, size=size)
    if args.kind == "heatmap":
        from numeric.analysis.jacobians import loss_grad_norms

        w = load_weights(args)
        G = loss_grad_norms(w.params, w.xs, w.targets, activation=w.activation)
        return figures.heatmap_figure(G, title=f"‖∂L_t/∂h_k‖₂ ({w.short})", size=size)
    if args.kind == "memory":
        return figures.memory_figure(dtype=args.dtype, size=size)
    if args.kind == "memory-tradeoff":
        return figures.memory_tradeoff_figure(T=1000, size=size)
    return _loss_figure(args, size)


def _loss_figure(args, size):
    from derive.cli import figures

    if args.model is not None:
        from numeric.charrnn.files import load_model

        model = load_model(args.model)
        if model.history is None or model.history.steps == 0:
            raise ValueError(f"model {args.model!r} holds no training history; train it with `bptt train --save`.")
        h, title, per_pass = model.history, model_title(model), None
    else:
        from numeric.charrnn.train import TrainConfig, train

        result = train(config=TrainConfig(steps=2000 if args.steps is None else args.steps, seed=args.seed),
                       progress=True)
        h, model = result.history, result.model
        title = f"Training loss: default text and config, {h.steps} steps, seed {args.seed}"
        from numeric.charrnn.vocab import DEFAULT_TEXT

        from .train import steps_per_pass

        per_pass = steps_per_pass(DEFAULT_TEXT, result.config.schedule.k1)
    return figures.loss_figure(h.loss, h.smooth, vocab_size=len(model.vocab), title=title,
                               steps_per_pass=per_pass, size=size)


def model_title(model) -> str:
    """The loss plot's title for a saved model: what was trained, not the file's path."""
    k = model.settings.get("truncation")
    window = f", k1={k[0]}, k2={k[1]}" if isinstance(k, (list, tuple)) and len(k) == 2 else ""
    return (f"Training loss of a saved model: H={model.params.hidden_size}, {model.activation}{window}, "
            f"{model.history.steps} steps")


def run(args: argparse.Namespace) -> int:
    from derive.cli.figures import save_png

    check_options(args)
    if args.steps is not None and args.steps < 1:
        raise ValueError(f"--steps must be an integer >= 1; got {args.steps}.")
    w, h = DEFAULT_SIZE.get("decay --cell" if args.kind == "decay" and args.cell else args.kind, (8.0, 5.0))
    size = (w if args.width is None else args.width, h if args.height is None else args.height)
    # below 10 dpi matplotlib cannot size its fonts (FreeType: "invalid ppem value")
    if not (size[0] > 0 and size[1] > 0 and args.dpi >= 10) or size[0] * args.dpi > 10000 or size[1] * args.dpi > 10000:
        raise ValueError(f"--width/--height must be > 0 and --dpi >= 10, giving at most 10000 pixels a side; "
                         f"got {size[0]}x{size[1]} in at {args.dpi} dpi.")
    out = args.out or f"{args.kind}.png"
    fig = make_figure(args, size)
    path = save_png(fig, out, dpi=args.dpi)
    px = (round(size[0] * args.dpi), round(size[1] * args.dpi))
    if args.format == "json":
        import json

        print(json.dumps({"schema": 1, "kind": args.kind, "path": str(path), "width_px": px[0], "height_px": px[1],
                          "dpi": args.dpi, "title": figure_title(fig)}, indent=2))
    else:
        print(f"wrote {path} ({px[0]}x{px[1]} px)")
    return 0


def figure_title(fig) -> str:
    """The figure's title (its suptitle, else the first panel's), for --format json."""
    sup = getattr(fig, "_suptitle", None)
    if sup is not None and sup.get_text():
        return sup.get_text()
    return next((ax.get_title() for ax in fig.axes if ax.get_title()), "")
