"""bptt sample: generate text from a model saved by `bptt train --save`."""

from __future__ import annotations

import argparse

HELP = "generate text from a saved char-level model (temperature 0 = greedy)"
# the library's parameter names in its messages -> this command's flags (derive/cli/app.py)
PARAM_FLAGS = {"length": "--length", "temperature": "--temperature", "prefix": "--prefix"}


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", required=True, metavar="MODEL.npz", help="a model written by `bptt train --save`")
    p.add_argument("--prefix", default=None,
                   help="text fed in first (default: the first character of the training text)")
    p.add_argument("--length", type=int, default=50, metavar="N", help="characters to generate (default 50)")
    p.add_argument("--temperature", type=float, default=1.0, metavar="T",
                   help="softmax temperature; 0 is greedy (default 1)")
    p.add_argument("--seed", type=int, default=None, metavar="S", help="seed of the sampler (default: fresh)")
    p.add_argument("--format", choices=("text", "json"), default="text",
                   help="json: one document with the text, the prefix and the settings")
    from ._limits import add_force_argument

    add_force_argument(p)


def check_length(args: argparse.Namespace, flag: str, length: int, H: int, V: int, copies: int = 1) -> None:
    """Refuse (unless --force) a sample that would print megabytes: each character is one
    step, ~20 µs of drawing plus the H x (H + V) products, and at least one byte of output."""
    from ._limits import check_work

    if length < 0:
        raise ValueError(f"{flag} must be an integer >= 0; got {length}.")
    check_work(args, f"{flag} {length}", nbytes=copies * length,
               seconds=copies * length * (2e-5 + 2e-9 * H * (H + V)), remedy=f"choose a smaller {flag}")


def run(args: argparse.Namespace) -> int:
    from numeric.charrnn.files import load_model
    from numeric.charrnn.sample import sample

    if args.prefix is not None and not args.prefix:
        raise ValueError("--prefix must not be empty; omit it to start from the model's default prefix.")
    if args.seed is not None and args.temperature == 0:
        raise ValueError("--seed seeds the random draws; with --temperature 0 (greedy) there are none: drop --seed.")
    if args.seed is not None and args.seed < 0:
        raise ValueError(f"--seed must be an integer >= 0; got {args.seed}.")
    model = load_model(args.model)
    check_length(args, "--length", args.length, model.params.hidden_size, len(model.vocab))
    prefix = model.default_prefix if args.prefix is None else args.prefix
    text = prefix + sample(model, prefix=prefix, length=args.length, temperature=args.temperature, seed=args.seed)
    if args.format == "json":
        import json

        print(json.dumps({"schema": 1, "model": args.model, "prefix": prefix, "length": args.length,
                          "temperature": args.temperature, "seed": args.seed, "text": text}, indent=2))
    else:
        print(text)
    return 0
