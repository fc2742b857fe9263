"""bptt train: train a char-level RNN (classic char-RNN defaults) and print samples."""

from __future__ import annotations

import argparse
from pathlib import Path

from numeric.rules import ACTIVATIONS

from ..values import add_flag

HELP = "train a char-level RNN with (truncated) BPTT; progress on stderr, samples on stdout"
DESCRIPTION = (
    "Train a character-level vanilla RNN on a text (default: the article's repeating 'hello world') "
    "with truncated BPTT. A step is one parameter update. Defaults are the classic char-RNN's: "
    "hidden 100, 25-character chunks with the hidden state carried, adagrad lr 0.1, element-wise "
    "clipping at 5. Prints the losses and a greedy and a random sample."
)
# the library's parameter names in its messages -> this command's flags (derive/cli/app.py)
PARAM_FLAGS = {"hidden": "--hidden-size", "lr": "--lr", "steps": "--steps", "seed": "--seed", "seq_length": "--seq-length",
               "truncation": "--truncation", "clip_value": "--clip-value", "clip_norm": "--clip-norm",
               "optimizer": "--optimizer", "activation": "--activation"}


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--text", metavar="FILE", help="UTF-8 training text (default: 'hello world ' × 100)")
    add_flag(p, "--hidden-size", "--hidden", dest="hidden", type=int, default=100, metavar="H",
             help="hidden size H (default 100)")
    p.add_argument("--steps", type=int, default=2000, metavar="N", help="parameter updates (default 2000)")
    p.add_argument("--seq-length", type=int, default=None, metavar="L",
                   help="characters per chunk, = --truncation L (default 25)")
    p.add_argument("--lr", type=float, default=0.1, help="learning rate (default 0.1)")
    p.add_argument("--optimizer", choices=("adagrad", "sgd"), default="adagrad")
    clip = p.add_mutually_exclusive_group()
    clip.add_argument("--clip-value", type=float, default=None, metavar="C",
                      help="clip every gradient entry to [-C, C] (default 5)")
    clip.add_argument("--clip-norm", type=float, default=None, metavar="X",
                      help="rescale the gradients to global L2 norm <= X instead")
    clip.add_argument("--no-clip", action="store_true", help="do not clip")
    p.add_argument("--truncation", metavar="k|k1,k2",
                   help="update every k1 characters, back-propagate k2 steps (replaces --seq-length)")
    p.add_argument("--activation", choices=tuple(ACTIVATIONS), default="tanh")
    p.add_argument("--seed", type=int, default=0, help="seed of the weight init and the sample (default 0)")
    p.add_argument("--save", metavar="MODEL.npz", help="save the trained model (weights, vocabulary, settings)")
    p.add_argument("--plot", metavar="LOSS.png", help="write the loss curve as a PNG")
    p.add_argument("--sample-length", type=int, default=60, metavar="N", help="length of the printed samples")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--format", choices=("text", "json"), default="text",
                   help="json: one document with the settings, the loss history, the samples and the files written")
    from ._limits import add_force_argument

    add_force_argument(p)


def read_text(path: str | None) -> str:
    """The training text: the file's UTF-8 contents, or the default text."""
    from numeric.charrnn.vocab import DEFAULT_TEXT

    if path is None:
        return DEFAULT_TEXT
    f = Path(path)
    if f.is_dir():
        raise ValueError(f"--text {path!r} is a directory; give a UTF-8 text file.")
    if f.exists() and not f.is_file():
        raise ValueError(f"--text {path!r} is not a regular file (a device, FIFO or socket); give a UTF-8 text file.")
    if not f.is_file():
        raise FileNotFoundError(f"--text {path!r}: no such file.")
    try:
        text = f.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise ValueError(f"--text {path!r} is not UTF-8 text ({e.reason} at byte {e.start}).") from None
    if len(text) < 2:
        raise ValueError(f"--text {path!r} is {'empty' if not text else 'a single character'}; "
                         "training needs at least 2 characters.")
    return text


def run(args: argparse.Namespace) -> int:
    from derive.cli.values import UsageError
    from numeric.charrnn.sample import sample
    from numeric.charrnn.train import TrainConfig, train

    if args.seq_length is not None and args.truncation is not None:
        raise UsageError("give --seq-length L or --truncation k|k1,k2, not both (--seq-length L is --truncation L).")
    from .sample import check_length

    check_length(args, "--sample-length", args.sample_length, args.hidden, 256, copies=2)
    if args.clip_value is not None and not args.clip_value > 0:
        raise ValueError(f"--clip-value must be > 0; got {args.clip_value} (use --no-clip to switch clipping off).")
    if args.seq_length is not None and args.seq_length < 1:
        raise ValueError(f"--seq-length must be >= 1; got {args.seq_length}.")
    from ._limits import check_out_dir

    for flag, out in (("--save", args.save), ("--plot", args.plot)):
        check_out_dir(flag, out)
    if args.save is not None:              # a FIFO, link or device is refused before training, not after
        from numeric.charrnn.files import check_save_path
        check_save_path(args.save)
    if args.plot is not None and Path(args.plot).suffix.lower() != ".png":
        raise ValueError(f"--plot {args.plot!r}: the loss curve is a PNG image; give a name ending in .png.")
    text = read_text(args.text)
    clip_value = None if (args.no_clip or args.clip_norm is not None) else \
        (5.0 if args.clip_value is None else args.clip_value)
    seq_length = 25 if args.seq_length is None else args.seq_length
    config = TrainConfig(hidden=args.hidden, seq_length=seq_length, steps=args.steps, lr=args.lr,
                         optimizer=args.optimizer, clip_value=clip_value, clip_norm=args.clip_norm,
                         truncation=args.truncation, seed=args.seed, activation=args.activation)
    result = train(text, config, progress=not args.quiet)
    model, h = result.model, result.history
    prefix = model.default_prefix
    samples = {"prefix": prefix,
               "greedy": prefix + sample(model, prefix=prefix, length=args.sample_length, temperature=0),
               "random": prefix + sample(model, prefix=prefix, length=args.sample_length, temperature=1.0,
                                         seed=config.seed)}
    saved = None
    if args.save:
        from numeric.charrnn.files import save_model

        saved = save_model(args.save, model)
    plot = _write_plot(args, h, text, config) if args.plot and h.steps else None
    if args.format == "json":
        _print_json(result, text, clip_value, samples, saved, plot)
        return 0
    _print_text(result, text, clip_value, args, samples)
    if saved is not None:
        print(f"saved {saved}")
    if plot is not None:
        print(f"wrote {plot['path']} ({plot['width_px']}x{plot['height_px']} px)")
    return 0


def steps_per_pass(text: str, k1: int) -> int:
    """Updates in one pass over the text: one per k1 characters of the N - 1 predictions."""
    return -(-(len(text) - 1) // k1)


def _write_plot(args: argparse.Namespace, h, text: str, config) -> dict:
    from derive.cli.figures import loss_figure, save_png

    fig = loss_figure(h.loss, h.smooth, vocab_size=len(set(text)), steps_per_pass=steps_per_pass(text, config.schedule.k1),
                      title=f"Training loss: {len(text)} characters, H={config.hidden}, {config.schedule}")
    return {"path": str(save_png(fig, args.plot)), "width_px": 800, "height_px": 500}


def _print_text(result, text: str, clip_value, args: argparse.Namespace, samples: dict) -> None:
    config, h = result.config, result.history
    rate = h.steps / h.seconds if h.seconds > 0 else float("inf")
    chars = "".join(result.vocab.chars)
    print(f"trained {h.steps} steps on {len(text)} characters ({len(chars)} distinct: {chars!r}) "
          f"in {h.seconds:.2f} s ({rate:.0f} steps/s)")
    clip = f"clip-value {clip_value:g}" if clip_value else f"clip-norm {args.clip_norm:g}" if args.clip_norm else "no clipping"
    print(f"model: H={config.hidden}, {config.activation}, {config.schedule}, {config.optimizer} lr={config.lr:g}, "
          f"{clip}, seed {config.seed}")
    if h.steps:
        print(f"loss per character (nats): {h.loss[0]:.4f} at step 1, {h.loss[-1]:.4f} at step {h.steps}, "
              f"smoothed {h.final_loss:.4f}")
    print(f"greedy sample (temperature 0, prefix {samples['prefix']!r}):")
    print(samples["greedy"])
    print(f"sample (temperature 1, seed {config.seed}):")
    print(samples["random"])


def _print_json(result, text: str, clip_value, samples: dict, saved, plot) -> None:
    """One JSON document: the settings, the whole history, the samples and the files written."""
    import json

    h = result.history
    print(json.dumps({
        "schema": 1, "text_characters": len(text), "vocabulary": "".join(result.vocab.chars),
        "settings": result.config.as_dict(),
        "history": {"steps": h.steps, "seconds": h.seconds, "loss": h.loss.tolist(), "smooth": h.smooth.tolist(),
                    "final_loss": h.final_loss if h.steps else None,
                    "steps_per_pass": steps_per_pass(text, result.config.schedule.k1)},
        "samples": samples, "saved": None if saved is None else str(saved), "plot": plot,
    }, indent=2))
