"""`bptt generate`: write the NumPy BPTT module SymPy prints from the derivation."""

from __future__ import annotations

import argparse
import sys

from numeric.rules import ACTIVATIONS, LOSS_AT, LOSSES

HELP = "generate a NumPy BPTT module (full and truncated) from the symbolic derivation"
DESCRIPTION = (
    "Derive the step formulas in SymPy, print them with SymPy's NumPy printer and write a "
    "readable module, by default numeric/generated/bptt_<activation>_<loss>.py (tanh, "
    "cross_entropy when not given). --all rewrites all 16 committed modules; --check compares "
    "instead of writing (exit 1 on drift; without --activation/--loss it checks every committed "
    "module). --unrolled writes straight-line code for a fixed T and sizes from the expanded "
    "derivation, by default to bptt_<activation>_<loss>_T<T>_D<D>_H<H>_V<V>.py in the current "
    "directory (the committed example's own path for it). --out never creates directories."
)


# flags of the straight-line target only: flag -> argparse dest
UNROLLED_ONLY = {"--T": "T", "--hidden-size": "hidden_size", "--input-size": "input_size",
                 "--output-size": "output_size", "--loss-at": "loss_at", "--force": "force"}
# the library's parameter names in its messages -> this command's flags (derive/cli/app.py)
PARAM_FLAGS = {"T": "--T", "hidden_size": "--hidden-size", "input_size": "--input-size",
               "output_size": "--output-size", "truncation": "--truncation"}


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--activation", choices=sorted(ACTIVATIONS), help="default tanh")
    p.add_argument("--loss", choices=sorted(LOSSES), help="default cross_entropy (half_sse with --unrolled)")
    p.add_argument("--out", metavar="PATH", help="output file, or - for stdout "
                   "(default: numeric/generated/bptt_<activation>_<loss>.py)")
    p.add_argument("--cell", metavar="NAME|FILE.py:NAME",
                   help="a cell's BPTT engine (elman, jordan, gru, lstm: numeric/generated/cells/NAME.py; "
                   "a user's cell needs --out)")
    p.add_argument("--all", action="store_true",
                   help="every activation x loss and every built-in cell, to the default paths")
    p.add_argument("--check", action="store_true",
                   help="write nothing; exit 1 if a committed module differs from a fresh generation")
    p.add_argument("--format", choices=("text", "json"), default="text",
                   help="json: one document listing the files written (or, with --check, checked)")
    g = p.add_argument_group("straight-line target")
    g.add_argument("--unrolled", action="store_true",
                   help="fully unrolled straight-line code for a fixed T and sizes")
    g.add_argument("--T", type=int, help="sequence length (default 3, at most 6)")
    g.add_argument("--hidden-size", type=int, help="H (default 2, at most 4)")
    g.add_argument("--input-size", type=int, help="D (default 2, at most 4)")
    g.add_argument("--output-size", type=int, help="V (default 2, at most 4)")
    g.add_argument("--loss-at", choices=LOSS_AT, help="default all")
    g.add_argument("--truncation", metavar="K1,K2", help="truncated BPTT fixed in the code (default: full)")
    from ._limits import add_force_argument

    add_force_argument(g)


def unrolled_seconds(T: int, H: int, activation: str) -> float:
    """Estimated seconds to derive and print straight-line code: the expanded entries sum over
    paths, ~0.025 s x H^(1.2 T) (T = 3, H = 2: 0.3 s; T = 4, H = 3: 7 s; T = 6, H = 4: > 15 min);
    relu's nested Piecewise is ~300 times slower (T = 3, H = 2: minutes, docs/codegen.md)."""
    slower = 300.0 if activation == "relu" else 1.0
    return 0.3 * max(1.0, slower * float(H) ** (1.2 * T) / 12.0)


def run(args: argparse.Namespace) -> int:
    from derive.cli.values import UsageError

    from ._limits import check_out_dir

    check_out_dir("--out", args.out)
    if args.cell is not None:
        from derive.codegen.cells.command import run_cell

        return run_cell(args)

    if args.all and (args.out or args.unrolled or args.activation or args.loss):
        raise UsageError("--all writes every activation x loss to the default paths; it takes no "
                         "--activation, --loss, --out or --unrolled")
    if args.check and args.out:
        raise UsageError("--check compares the committed files at their default paths; drop --out")
    if args.format == "json" and args.out == "-":
        raise UsageError("--out - writes the module's source to stdout, --format json a report of the files "
                         "written: choose one")
    if args.unrolled:
        return _run_unrolled(args)
    if args.truncation:
        raise UsageError("--truncation fixes the truncation of --unrolled code; a generated module "
                         "takes truncation= at run time")
    given = [f for f, v in UNROLLED_ONLY.items() if getattr(args, v) is not None and getattr(args, v) is not False]
    if given:
        flags = " ".join(given)
        verb = "applies" if len(given) == 1 else "apply"
        raise UsageError(f"{flags} {verb} only to --unrolled (straight-line code for fixed sizes); a "
                         f"generated module works for any sizes and loss_at: add --unrolled, or drop {flags}")
    from derive.codegen.module import Target, all_targets, drifted, generate_source, write_module

    chosen = args.activation or args.loss
    target = Target(args.activation or "tanh", args.loss or "cross_entropy")
    if args.check:
        return _check(all_targets() if args.all or not chosen else [target], drifted(),
                      check_unrolled=not chosen, args_format=args.format, check_cells=not chosen)
    written = []
    if args.all:
        from derive.codegen.cells.command import write_all_cells

        written += write_all_cells()
    for t in all_targets() if args.all else [target]:
        if args.out == "-":
            sys.stdout.write(generate_source(t.activation, t.loss))
        else:
            written.append({"path": str(write_module(t.activation, t.loss, args.out)),
                            "activation": t.activation, "loss": t.loss})
    return _report_written(args, written)


def _report_written(args: argparse.Namespace, written: list[dict]) -> int:
    """`wrote PATH` per file on stderr, or (--format json) one document on stdout."""
    if args.format == "json":
        import json

        print(json.dumps({"schema": 1, "written": written}, indent=2))
    else:
        for w in written:
            print(f"wrote {w['path']}", file=sys.stderr)
    return 0


def _check(targets, drifted, *, check_unrolled: bool, args_format: str = "text", check_cells: bool = False) -> int:
    from derive.codegen.unrolled import COMMITTED, generate_unrolled_source

    bad = [(t.default_path, t.command()) for t in targets if t in drifted]
    checked = len(targets)
    if check_unrolled:
        for u in COMMITTED:
            checked += 1
            if not u.default_path.exists() or u.default_path.read_text("utf-8") != generate_unrolled_source(u):
                bad.append((u.default_path, u.command()))
    cells = None
    if check_cells:
        from derive.codegen.cells.command import check_cells as check_cell_modules

        cells = check_cell_modules()
    return _report_check(args_format, checked, bad, cells)


def _report_check(fmt: str, checked: int, bad: list, cells=None) -> int:
    """The --check verdict (exit 1 on drift) as text lines or one JSON document."""
    if fmt == "json":
        import json

        doc = {"schema": 1, "checked": checked, "up_to_date": not bad,
               "drifted": [{"path": str(p), "command": c} for p, c in bad]}
        if cells is not None:   # the cell engines: their own count; up_to_date covers both
            doc["cells"] = {"checked": cells[0], "drifted": [{"path": str(p), "command": c} for p, c in cells[1]]}
            doc["up_to_date"] = not bad and not cells[1]
        print(json.dumps(doc, indent=2))
        return 0 if doc["up_to_date"] else 1
    for path, command in bad + (cells[1] if cells else []):
        print(f"drift: {path.name} differs from a fresh generation; run `{command}`")
    print(f"{checked - len(bad)}/{checked} generated module(s) up to date")
    if cells is not None:
        print(f"{cells[0] - len(cells[1])}/{cells[0]} generated cell module(s) up to date")
    return 1 if bad or (cells and cells[1]) else 0


def _run_unrolled(args: argparse.Namespace) -> int:
    from numeric.truncation import Truncation

    from derive.codegen.unrolled import UnrolledTarget, generate_unrolled_source, write_unrolled

    trunc = None if args.truncation is None else Truncation.parse(args.truncation)
    pick = lambda value, default: default if value is None else value  # noqa: E731
    target = UnrolledTarget(pick(args.T, 3), pick(args.input_size, 2), pick(args.hidden_size, 2),
                            pick(args.output_size, 2), args.activation or "tanh", args.loss or "half_sse",
                            pick(args.loss_at, "all"), trunc)
    from ._limits import check_work

    check_work(args, f"--unrolled with T = {target.T}, H = {target.H}", seconds=unrolled_seconds(target.T, target.H, target.activation),
               remedy="choose a smaller --T or --hidden-size")
    if args.check:
        path = target.default_path
        ok = path.exists() and path.read_text("utf-8") == generate_unrolled_source(target)
        if args.format == "json":
            return _report_check("json", 1, [] if ok else [(path, target.command())])
        print(f"up to date: {path.name}" if ok else f"drift: {path.name}; run `{target.command()}`")
        return 0 if ok else 1
    if args.out == "-":
        sys.stdout.write(generate_unrolled_source(target))
        return 0
    path = write_unrolled(target, args.out or unrolled_default_path(target))
    return _report_written(args, [{"path": str(path), "activation": target.activation, "loss": target.loss,
                                   "unrolled": True, "T": target.T, "D": target.D, "H": target.H, "V": target.V}])


def unrolled_default_path(target) -> str:
    """Where --unrolled writes without --out: the committed example's own file when it is that
    target (so its header's command regenerates it), else the current directory, never the package."""
    from derive.codegen.unrolled import COMMITTED

    return str(target.default_path) if target in COMMITTED else f"{target.module_name}.py"
