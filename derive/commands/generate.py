"""`bptt generate`: write the NumPy BPTT module SymPy prints from the derivation."""

from __future__ import annotations

import argparse
import sys

from numeric.rules import ACTIVATIONS, LOSS_AT, LOSSES

HELP = "generate a NumPy BPTT module (full and truncated) from the symbolic derivation"
DESCRIPTION = (
    "Derive the step formulas in SymPy, print them with SymPy's NumPy printer and write a "
    "readable module, by default numeric/generated/bptt_<activation>_<loss>.py. --all rewrites "
    "all 16 committed modules; --check compares instead of writing (exit 1 on drift). "
    "--unrolled writes straight-line code for a fixed T and sizes from the expanded derivation."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--activation", default="tanh", choices=sorted(ACTIVATIONS))
    p.add_argument("--loss", default="cross_entropy", choices=sorted(LOSSES))
    p.add_argument("--out", metavar="PATH", help="output file (default: numeric/generated/bptt_<activation>_<loss>.py)")
    p.add_argument("--all", action="store_true", help="every activation x loss, to the default paths")
    p.add_argument("--check", action="store_true",
                   help="write nothing; exit 1 if a committed module differs from a fresh generation")
    g = p.add_argument_group("straight-line target (--unrolled)")
    g.add_argument("--unrolled", action="store_true",
                   help="fully unrolled straight-line code for a fixed T and sizes")
    g.add_argument("--T", type=int, default=3, help="sequence length for --unrolled (default 3)")
    g.add_argument("--hidden-size", type=int, default=2, help="H for --unrolled (default 2)")
    g.add_argument("--input-size", type=int, default=2, help="D for --unrolled (default 2)")
    g.add_argument("--output-size", type=int, default=2, help="V for --unrolled (default 2)")
    g.add_argument("--loss-at", default="all", choices=LOSS_AT, help="for --unrolled (default all)")


def run(args: argparse.Namespace) -> int:
    from derive.cli import UsageError

    if args.all and (args.out or args.unrolled):
        raise UsageError("--all writes the default paths; it cannot be combined with --out or --unrolled")
    if args.unrolled:
        return _run_unrolled(args)
    from derive.codegen import Target, all_targets, drifted, generate_source, write_module

    targets = all_targets() if args.all else [Target(args.activation, args.loss)]
    if args.check:
        if args.out:
            raise UsageError("--check compares the committed default paths; drop --out")
        bad = [t for t in drifted() if t in targets]
        for t in bad:
            print(f"drift: {t.default_path.name} differs from a fresh generation; run `{t.command()}`")
        print(f"{len(targets) - len(bad)}/{len(targets)} generated module(s) up to date")
        return 1 if bad else 0
    for t in targets:
        if args.out == "-":
            sys.stdout.write(generate_source(t.activation, t.loss))
            continue
        path = write_module(t.activation, t.loss, args.out)
        print(f"wrote {path}", file=sys.stderr)
    return 0


def _run_unrolled(args: argparse.Namespace) -> int:
    from derive.codegen_unrolled import UnrolledTarget, write_unrolled, generate_unrolled_source

    target = UnrolledTarget(args.T, args.input_size, args.hidden_size, args.output_size,
                            args.activation, args.loss, args.loss_at)
    if args.check:
        ok = target.default_path.exists() and target.default_path.read_text("utf-8") == \
            generate_unrolled_source(target)
        print(("up to date: " if ok else f"drift: run `{target.command()}`: ") + str(target.default_path))
        return 0 if ok else 1
    if args.out == "-":
        sys.stdout.write(generate_unrolled_source(target))
        return 0
    print(f"wrote {write_unrolled(target, args.out)}", file=sys.stderr)
    return 0
