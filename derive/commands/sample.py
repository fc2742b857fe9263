"""bptt sample: generate text from a model saved by `bptt train --save`."""

from __future__ import annotations

import argparse

HELP = "generate text from a saved char-level model (temperature 0 = greedy)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", required=True, metavar="MODEL.npz", help="a model written by `bptt train --save`")
    p.add_argument("--prefix", default=None,
                   help="text fed in first (default: the first character of the training text)")
    p.add_argument("--length", type=int, default=50, metavar="N", help="characters to generate (default 50)")
    p.add_argument("--temperature", type=float, default=1.0, metavar="T",
                   help="softmax temperature; 0 is greedy (default 1)")
    p.add_argument("--seed", type=int, default=None, metavar="S", help="seed of the sampler (default: fresh)")


def run(args: argparse.Namespace) -> int:
    from numeric.model_io import load_model
    from numeric.sample import sample

    if args.prefix is not None and not args.prefix:
        raise ValueError("--prefix must not be empty; omit it to start from the model's default prefix.")
    model = load_model(args.model)
    prefix = model.default_prefix if args.prefix is None else args.prefix
    print(prefix + sample(model, prefix=prefix, length=args.length, temperature=args.temperature, seed=args.seed))
    return 0
