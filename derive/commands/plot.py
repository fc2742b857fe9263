"""bptt plot: the article's figures as PNG files (matplotlib, headless)."""

from __future__ import annotations

import argparse

from .analyze import add_weight_arguments, load_weights

HELP = "write an article figure as PNG: tanh | decay | heatmap | memory | loss"
DESCRIPTION = (
    "tanh: tanh and tanh' with the saturation regions shaded. decay: factor^n on a log scale with the "
    "1 % line and each crossing marked. heatmap: ‖∂L_t/∂h_k‖ (rows t, columns k) on a log colour scale. "
    "memory: memory against T, H and B, the article's two figures starred. loss: the training loss "
    "(of --model, or of a fresh default training run)."
)
KINDS = ("tanh", "decay", "heatmap", "memory", "loss")


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
    g = p.add_argument_group("tanh")
    g.add_argument("--zmax", type=float, default=4.0, help="z range [-zmax, zmax] (default 4)")
    g.add_argument("--threshold", type=float, default=1.0, help="|z| beyond which tanh saturates (default 1)")
    g = p.add_argument_group("decay")
    g.add_argument("--factors", type=_floats, default=(0.5, 0.9, 1.0, 1.1), metavar="F1,F2,...",
                   help="decay factors (default 0.5,0.9,1.0,1.1)")
    g.add_argument("--steps", type=int, default=None,
                   help="decay: steps back (default 50); loss without --model: training steps (default 2000)")
    g.add_argument("--level", type=float, default=0.01, help="the line to cross (default 0.01 = 1 %%)")
    g = p.add_argument_group("memory")
    g.add_argument("--dtype", choices=("float64", "float32"), default="float64")
    # heatmap: weights and inputs as in `bptt analyze` (random defaults with visible decay); loss: --model
    add_weight_arguments(p, T=30, hidden=50, scale=0.3, radius=0.9)


DEFAULT_SIZE = {"memory": (13.0, 6.5), "heatmap": (7.0, 6.0)}


def make_figure(args: argparse.Namespace, size):
    from derive import figures

    if args.kind == "tanh":
        return figures.tanh_figure(zmax=args.zmax, threshold=args.threshold, size=size)
    if args.kind == "decay":
        return figures.decay_figure(args.factors, steps=50 if args.steps is None else args.steps,
                                    level=args.level, size=size)
    if args.kind == "heatmap":
        from numeric.jacobians import loss_grad_norms

        w = load_weights(args)
        G = loss_grad_norms(w.params, w.xs, w.targets, activation=w.activation)
        return figures.heatmap_figure(G, title=f"‖∂L_t/∂h_k‖₂ ({w.short})", size=size)
    if args.kind == "memory":
        return figures.memory_figure(dtype=args.dtype, size=size)
    return _loss_figure(args, size)


def _loss_figure(args, size):
    from derive import figures

    if args.model is not None:
        from numeric.model_io import load_model

        model = load_model(args.model)
        if model.history is None or model.history.steps == 0:
            raise ValueError(f"model {args.model!r} holds no training history; train it with `bptt train --save`.")
        h, title = model.history, f"Training loss of {args.model}"
    else:
        from numeric.train import TrainConfig, train

        result = train(config=TrainConfig(steps=2000 if args.steps is None else args.steps, seed=args.seed),
                       progress=True)
        h, model = result.history, result.model
        title = f"Training loss: default text and config, {h.steps} steps, seed {args.seed}"
    return figures.loss_figure(h.loss, h.smooth, vocab_size=len(model.vocab), title=title, size=size)


def run(args: argparse.Namespace) -> int:
    from derive.figures import save_png

    if args.steps is not None and args.steps < 1:
        raise ValueError(f"--steps must be an integer >= 1; got {args.steps}.")
    w, h = DEFAULT_SIZE.get(args.kind, (8.0, 5.0))
    size = (w if args.width is None else args.width, h if args.height is None else args.height)
    if not (size[0] > 0 and size[1] > 0 and args.dpi > 0) or size[0] * args.dpi > 10000 or size[1] * args.dpi > 10000:
        raise ValueError(f"--width/--height/--dpi must be > 0 and give at most 10000 pixels a side; "
                         f"got {size[0]}x{size[1]} in at {args.dpi} dpi.")
    out = args.out or f"{args.kind}.png"
    fig = make_figure(args, size)
    path = save_png(fig, out, dpi=args.dpi)
    print(f"wrote {path} ({round(size[0] * args.dpi)}x{round(size[1] * args.dpi)} px)")
    return 0
