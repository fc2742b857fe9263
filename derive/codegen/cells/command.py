"""`bptt generate --cell C [--out FILE]` and the cells' part of `--all` / `--check`.

Called by derive/cli/commands/generate.py; every bad value raises ValueError (one line, exit 2).
"""

from __future__ import annotations

import sys


def run_cell(args) -> int:
    """Write (or with --check compare) one cell's engine; returns the exit status."""
    from derive.cells.cell import CellError
    from derive.cells.load import resolve_cell

    from . import files

    clash = [f for f, v in (("--all", args.all), ("--unrolled", args.unrolled), ("--activation", args.activation),
                            ("--loss", args.loss), ("--truncation", args.truncation), ("--T", args.T),
                            ("--hidden-size", args.hidden_size), ("--input-size", args.input_size),
                            ("--output-size", args.output_size), ("--loss-at", args.loss_at)) if v]
    if clash:
        raise ValueError(f"--cell writes one cell's engine (any activation, loss and truncation at run time); "
                         f"drop {' '.join(clash)}")
    try:
        cell = resolve_cell(args.cell)
    except CellError as e:
        raise ValueError(f"--cell: {e}") from None
    builtin = args.cell in files.builtin_cells()
    if not builtin and not args.out:
        raise ValueError(f"--cell {args.cell} is a user's cell: give --out FILE.py (numeric/generated/cells/ "
                         "holds the built-in cells only)")
    from pathlib import Path
    named = None if args.out in (None, "-") else args.out
    if builtin and named is not None and Path(named).resolve() == files.default_path(cell.name).resolve():
        named = None                                  # the committed file names no --out
    try:
        source = files.generate_cell_source(cell, command=files.command(args.cell, named))
    except CellError as e:
        raise ValueError(f"--cell: {e}") from None
    if args.check:
        if not builtin:
            raise ValueError("--check compares the committed built-in cells; a user's cell has no committed file")
        path = files.default_path(cell.name)
        ok = path.exists() and path.read_text(encoding="utf-8") == source
        return _report_check(args.format, 1, [] if ok else [(path, files.command(cell.name))])
    if args.out == "-":
        sys.stdout.write(source)
        return 0
    dest = files.default_path(cell.name) if not args.out else Path(args.out)
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(source, encoding="utf-8")
    return _written(args, [{"path": str(dest), "cell": args.cell}])


def write_all_cells() -> list[dict]:
    """`--all`: every built-in cell's engine and the index (the written list, for the report)."""
    from . import files
    return [{"path": str(p), "cell": p.stem if p.stem != "__init__" else "index"} for p in files.write_all()]


def check_cells() -> tuple[int, list]:
    """`--check`: (files checked, [(path, command)] that drifted)."""
    from . import files
    return len(files.expected()), files.drifted_cells()


def _written(args, written: list[dict]) -> int:
    if args.format == "json":
        import json
        print(json.dumps({"schema": 1, "written": written}, indent=2))
    else:
        for w in written:
            print(f"wrote {w['path']}", file=sys.stderr)
    return 0


def _report_check(fmt: str, checked: int, bad: list) -> int:
    if fmt == "json":
        import json
        print(json.dumps({"schema": 1, "checked": checked, "up_to_date": not bad,
                          "drifted": [{"path": str(p), "command": c} for p, c in bad]}, indent=2))
    else:
        for path, command in bad:
            print(f"drift: {path.name} differs from a fresh generation; run `{command}`")
        print(f"{checked - len(bad)}/{checked} generated cell module(s) up to date")
    return 1 if bad else 0
