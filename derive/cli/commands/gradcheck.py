"""`bptt gradcheck`: check numeric.bptt against central differences on a random problem; or, with
FILE.py:FUNCTION, any fn(params) -> (loss, grads) at a point (numeric/fn_gradcheck, docs/check.md)."""

from __future__ import annotations

import argparse

from numeric.rules import ACTIVATIONS, LOSS_AT, LOSSES

from ..values import braces, choice, integer

HELP = "check the NumPy engine's gradients against central finite differences"
DESCRIPTION = (
    "Draw a random problem, compute numeric.bptt's gradients of every parameter, h0 and xs, and compare "
    "them with central finite differences. The verdict is PASS (exit status 0), FAIL (1: the differences "
    "at eps and 10·eps agree with each other but not with the engine) or INCONCLUSIVE (3: finite "
    "differences cannot tell here - their noise floor is not well below the gradient, the loss is not "
    "finite, or it is chaotic in the weights so the differences never settle; the reason and, when one "
    "exists, a better --eps are printed). Bad flags exit with 2. NaN or inf is never a PASS. "
    "With FILE.py:FUNCTION, the model-free check: fn(params: dict of arrays) -> (loss, grads: dict with "
    "params' keys and shapes) is compared with central differences of its own loss, in float64, at the "
    "point given by --shapes NAME=3x4,NAME=3 (drawn: --scale, --seed), by --point [FILE.py:]FUNC (a "
    "function of no arguments returning the dict), or else by make_params() in fn's file; the verdicts "
    "and exit statuses are the same, and 2 also means fn raised or answered in another form."
)
ENGINE_FLAGS = {"T": "--T", "batch": "--batch", "input_size": "--input-size", "hidden_size": "--hidden-size",
                "output_size": "--output-size", "activation": "--activation", "loss": "--loss",
                "loss_at": "--loss-at", "dtype": "--dtype"}
ENGINE_DEFAULTS = {"T": 5, "input_size": 3, "hidden_size": 4, "output_size": 3, "activation": "tanh",
                   "loss": "cross_entropy", "loss_at": "all", "dtype": "float64"}
# Rough cost of one step of the loss (forward only): Python overhead plus the multiply-adds,
# measured on a 2-core machine (2 µs + ~1 ns each); only used to refuse runs far over the limit.
STEP_OVERHEAD_S, MULADD_S = 2e-6, 1e-9
PROGRESS_AFTER_S = 2.0          # show a progress bar on stderr for runs estimated longer than this


def add_arguments(p: argparse.ArgumentParser) -> None:
    # the engine's flags default to None here, and to ENGINE_DEFAULTS in run (so that a FILE.py:fn
    # check can tell them apart from flags given by the user, and refuse them)
    p.add_argument("target", nargs="?", metavar="FILE.py:FUNCTION", default=None,
                   help="check fn(params) -> (loss, grads) instead of the engine (the model-free check)")
    p.add_argument("--shapes", default=None, metavar="NAME=DIMS,...",
                   help="FILE.py:fn only: draw the point, e.g. W=3x4,b=3 (N(0, --scale²), from --seed)")
    p.add_argument("--point", default=None, metavar="[FILE.py:]FUNC",
                   help="FILE.py:fn only: a function of no arguments returning the point (dict of arrays); "
                        "default make_params in fn's file")
    p.add_argument("--T", type=int, default=None, help="sequence length (default 5)")
    p.add_argument("--batch", type=int, default=None, help="batch size B (default: unbatched)")
    p.add_argument("--input-size", type=int, default=None, help="D (default 3)")
    p.add_argument("--hidden-size", type=int, default=None, help="H (default 4)")
    p.add_argument("--output-size", type=int, default=None, help="V (default 3)")
    p.add_argument("--scale", type=float, default=0.5, help="weight standard deviation (default 0.5)")
    p.add_argument("--activation", default=None, metavar=braces(sorted(ACTIVATIONS)), help="default tanh")
    p.add_argument("--loss", default=None, metavar=braces(sorted(LOSSES)),
                   help="default cross_entropy")
    p.add_argument("--loss-at", default=None, metavar=braces(LOSS_AT), help="default all")
    p.add_argument("--dtype", default=None, choices=["float32", "float64"], help="default float64")
    p.add_argument("--eps", type=float, default=1e-6, help="central-difference step (default 1e-6)")
    p.add_argument("--seed", type=int, default=0, help="seed of the drawn problem, >= 0 (default 0)")
    p.add_argument("--max-seconds", type=float, default=60.0, metavar="S",
                   help="refuse problems whose differences are estimated to take longer (default 60)")
    p.add_argument("--format", choices=("text", "json"), default="text",
                   help="text (default) or one JSON document with \"schema\": 1, the verdict and the reason")


def _estimate_seconds(T: int, B: int, D: int, H: int, V: int) -> tuple[int, float]:
    """Entries differenced and the estimated seconds of their 2 loss evaluations each."""
    entries = H * D + H * H + H + V * H + V + B * H + T * B * D
    step = STEP_OVERHEAD_S + MULADD_S * B * H * (D + H + V)
    return entries, 2 * entries * T * step


def _sizes(args: argparse.Namespace) -> tuple[int, int, int, int, int]:
    T = integer("--T", args.T)
    B = 1 if args.batch is None else integer("--batch", args.batch)
    return (T, B, integer("--input-size", args.input_size), integer("--hidden-size", args.hidden_size),
            integer("--output-size", args.output_size))


def _guard(args: argparse.Namespace, sizes) -> float:
    from numeric.validate import check_positive_real

    limit = check_positive_real("--max-seconds", args.max_seconds)
    entries, seconds = _estimate_seconds(*sizes)
    if seconds > limit:
        raise ValueError(f"gradcheck would difference {entries:,} entries, 2 loss evaluations of T = {sizes[0]} "
                         f"steps each: an estimated {seconds:,.0f} s, more than --max-seconds {limit:g}; raise "
                         "--max-seconds to run it, or choose a smaller --T / --hidden-size.")
    return seconds


def run(args: argparse.Namespace) -> int:
    if args.target is not None:
        from ._gradcheck_fn import run_fn

        given = [flag for dest, flag in ENGINE_FLAGS.items() if getattr(args, dest) is not None]
        if given:
            raise ValueError(f"{', '.join(given)}: for the engine's check only (bptt gradcheck without FILE.py:fn); "
                             "a FILE.py:fn check takes its point from --shapes, --point or make_params().")
        return run_fn(args)
    for flag, dest in (("--shapes", "shapes"), ("--point", "point")):
        if getattr(args, dest) is not None:
            raise ValueError(f"{flag} needs FILE.py:FUNCTION (the model-free check); without it bptt gradcheck "
                             "checks the engine on a problem drawn from --T, --hidden-size, ...")
    for dest, default in ENGINE_DEFAULTS.items():
        if getattr(args, dest) is None:
            setattr(args, dest, default)
    import numpy as np

    from numeric import Params, gradcheck
    from numeric.validate import check_positive_real

    loss = choice("--loss", args.loss, LOSSES)
    activation = choice("--activation", args.activation, ACTIVATIONS)
    loss_at = choice("--loss-at", args.loss_at, LOSS_AT)
    seed = integer("--seed", args.seed, minimum=0)
    eps = check_positive_real("--eps", args.eps)
    scale = check_positive_real("--scale", args.scale, allow_zero=True)
    sizes = _sizes(args)
    seconds = _guard(args, sizes)
    T, B, D, H, V = sizes
    rng = np.random.default_rng(seed)
    p = Params.init(D, H, V, scale=scale, seed=seed, dtype=args.dtype)
    lead = (T,) if args.batch is None else (T, B)
    xs = rng.standard_normal(lead + (D,))
    ys = rng.standard_normal(lead + (V,)) if LOSSES[loss].real_targets else rng.integers(0, V, lead)
    rep = gradcheck(p, xs, ys, h0=rng.standard_normal(lead[1:] + (H,)), eps=eps, activation=activation,
                    loss=loss, loss_at=loss_at, progress=seconds > PROGRESS_AFTER_S)
    print(rep.to_json() if args.format == "json" else rep)
    return rep.exit_status
