"""`bptt gradcheck`: check numeric.bptt against central differences on a random problem."""

from __future__ import annotations

import argparse

HELP = "check the NumPy engine's gradients against central finite differences"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--T", type=int, default=5, help="sequence length (default 5)")
    p.add_argument("--batch", type=int, default=None, help="batch size B (default: unbatched)")
    p.add_argument("--input-size", type=int, default=3, help="D (default 3)")
    p.add_argument("--hidden-size", type=int, default=4, help="H (default 4)")
    p.add_argument("--output-size", type=int, default=3, help="V (default 3)")
    p.add_argument("--scale", type=float, default=0.5, help="weight standard deviation (default 0.5)")
    p.add_argument("--activation", default="tanh", help="tanh | sigmoid | relu | identity (default tanh)")
    p.add_argument("--loss", default="cross_entropy",
                   help="cross_entropy | half_sse | sse | mse (default cross_entropy)")
    p.add_argument("--loss-at", default="all", help="all | last (default all)")
    p.add_argument("--dtype", default="float64", choices=["float32", "float64"])
    p.add_argument("--eps", type=float, default=1e-6, help="central-difference step (default 1e-6)")
    p.add_argument("--seed", type=int, default=0, help="seed of the drawn problem (default 0)")


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from numeric import LOSSES, Params, gradcheck
    from numeric.validate import check_loss, check_positive_int

    check_loss(args.loss)
    T = check_positive_int("--T", args.T)
    rng = np.random.default_rng(args.seed)
    p = Params.init(args.input_size, args.hidden_size, args.output_size, scale=args.scale,
                    seed=args.seed, dtype=args.dtype)
    lead = (T,) if args.batch is None else (T, check_positive_int("--batch", args.batch))
    xs = rng.standard_normal(lead + (p.input_size,))
    if LOSSES[args.loss].real_targets:
        ys = rng.standard_normal(lead + (p.output_size,))
    else:
        ys = rng.integers(0, p.output_size, lead)
    rep = gradcheck(p, xs, ys, h0=rng.standard_normal(lead[1:] + (p.hidden_size,)), eps=args.eps,
                    activation=args.activation, loss=args.loss, loss_at=args.loss_at)
    print(rep)
    return 0 if rep.passed else 1
