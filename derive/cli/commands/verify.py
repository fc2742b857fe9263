"""`bptt verify`: run the property suite (every route, truncation, bounds) outside pytest."""

from __future__ import annotations

import argparse
import sys

from ..values import integer

HELP = "cross-check the engine against six independent routes and the truncation properties (hypothesis)"
DESCRIPTION = (
    "Draw RNN problems with hypothesis and check that every route agrees with the engine "
    "(generated code, RTRL, naive loop, finite differences, the symbolic derivation, straight-"
    "line code), that truncation behaves as defined (k2 >= T, W_hh = 0, the dropped terms, the "
    "error bound) and that the Jacobian bound and batch sums hold. Prints a table of property, "
    "examples tried, max error, tolerance and pass/fail; exits 1 on a failure, printing the "
    "shrunk counterexample as runnable code. Progress goes to stderr."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--examples", default="100", metavar="N",
                   help="draws per numeric property (default 100); the straight-line route gets "
                        "N/4 and each symbolic property 5%% of N (at least 2), on T <= 4")
    p.add_argument("--seed", default="0", metavar="S", help="hypothesis seed (default 0)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--only", metavar="TEXT", help="run only the properties whose name contains TEXT")
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    p.add_argument("--cell", metavar="C",
                   help="check a cell's generated engine instead (finite differences, symbolic derivation, "
                        "generic RTRL, truncation, batch): elman, jordan, gru, lstm or FILE.py:NAME, a user's "
                        "cell (generated in a temporary directory) or a generated module (docs/verify.md)")


def run(args: argparse.Namespace) -> int:
    from derive.verify.suite import verify

    examples = integer("--examples", args.examples)
    seed = integer("--seed", args.seed, minimum=0)
    progress = False if args.no_progress else None
    if args.cell is not None:
        from derive.verify.cells.suite import verify_cell
        report = verify_cell(args.cell, examples, seed, only=args.only, progress=progress)
    else:
        report = verify(examples, seed, only=args.only, progress=progress)
    sys.stdout.write((report.to_json() if args.format == "json" else report.to_text()) + "\n")
    return 0 if report.passed else 1
