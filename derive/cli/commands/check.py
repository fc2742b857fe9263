"""`bptt check FILE.py:FUNCTION`: verify a user's BPTT implementation and pinpoint the bug.

The file is imported and run in this process, as pytest does (docs/check.md). Exit status:
0 correct, 1 wrong, 2 unusable input (the file does not import, the function is missing,
raises on an ordinary input or answers in the wrong form) or bad flags, 3 inconclusive (a
quantity no case could judge: the reference overflowed on every case).
"""

from __future__ import annotations

import argparse

HELP = "check a user's BPTT implementation (file.py:function) against the engine"
DESCRIPTION = ("Check a BPTT implementation against numeric.bptt / numeric.rnn_backward and say what "
               "is wrong: which gradients, from which T, under which conditions, with a minimal "
               "counterexample. The file is imported and run in-process, as pytest does. "
               "Exit status: 0 correct, 1 wrong, 2 unusable input, 3 inconclusive (no case could be judged).")


def add_arguments(p: argparse.ArgumentParser) -> None:
    from numeric.rules import ACTIVATIONS, LOSS_AT, LOSSES

    p.add_argument("target", metavar="FILE.py:FUNCTION", help="the function to check")
    p.add_argument("--convention", choices=["column", "row"], default="column",
                   help="column: fn(params, xs, targets, h0) -> (loss, grads) (default); "
                        "row: fn(x, h0, Wx, Wh, b, dh) -> (dx, dh0, dWx, dWh, db)")
    p.add_argument("--activation", choices=sorted(ACTIVATIONS), default="tanh",
                   help="held fixed unless fn takes an `activation` argument (default tanh)")
    p.add_argument("--loss", choices=sorted(LOSSES), default="cross_entropy",
                   help="column convention (default cross_entropy: softmax + negative log-likelihood)")
    p.add_argument("--loss-at", choices=list(LOSS_AT), default="all",
                   help="held fixed unless fn takes `loss_at` (default all)")
    p.add_argument("--truncation", default=None, metavar="K|K1,K2",
                   help="truncated BPTT the function implements (held unless fn takes `truncation`)")
    p.add_argument("--inputs", choices=["real", "one-hot", "one_hot"], default="real",
                   help="one-hot: character inputs with D = V, for char-RNN scripts (default real)")
    p.add_argument("--examples", type=int, default=200, help="cases drawn by hypothesis (default 200)")
    p.add_argument("--seed", type=int, default=0, help="seed of the search and the sweep (default 0)")
    p.add_argument("--dtype", choices=["float64", "float32"], default="float64",
                   help="dtype of every array passed to fn, and its tolerance (default float64)")
    p.add_argument("--max-T", type=int, default=6, help="longest sequence drawn (default 6)")
    p.add_argument("--no-shrink", action="store_true", help="report the first failure unshrunk (faster)")
    p.add_argument("--no-bias", action="store_true",
                   help="the model has no biases: no b_h, b_y in params and grads (row: no b, no db)")
    p.add_argument("--h0", choices=["given", "zero"], default="given",
                   help="zero: the initial state is always zero and fn may take no h0 (default given)")
    p.add_argument("--reduction", choices=["sum", "mean"], default="sum",
                   help="the loss over the steps: sum (default) or mean (PyTorch's default); column convention")
    p.add_argument("--format", choices=["text", "json"], default="text")
    from ._check_cells import add_arguments as cell_arguments   # --cell, --layout, --gate-order
    cell_arguments(p)


def run(args: argparse.Namespace) -> int:
    import contextlib
    import sys

    from numeric.check import CheckReport, TargetError, check_implementation, load_target

    from . import _check_cells
    if _check_cells.wanted(args):                     # --cell lstm|gru|FILE.py:NAME (elman: below)
        return _check_cells.run(args)
    with contextlib.redirect_stdout(sys.stderr):      # whatever the user's code prints
        try:
            fn, name = load_target(args.target)
        except TargetError as e:
            report = CheckReport(args.target, "error", args.convention, args.dtype, error=str(e))
        else:
            report = check_implementation(
                fn, convention=args.convention, activation=args.activation, loss=args.loss,
                loss_at=args.loss_at, truncation=args.truncation, inputs=args.inputs.replace("-", "_"),
                examples=args.examples, seed=args.seed, dtype=args.dtype, max_T=args.max_T,
                shrink=not args.no_shrink, name=name, progress=sys.stderr.isatty(),
                bias=not args.no_bias, h0=args.h0, reduction=args.reduction)
    print(report.to_json() if args.format == "json" else report.to_text())
    return report.exit_status
