"""The cell route of ``bptt derive --cell NAME|FILE.py:NAME`` (elman keeps today's code path).

Called by derive/cli/commands/derive.py when ``--cell`` is not ``elman``; every bad value is a
ValueError with one line (exit status 2).
"""

from __future__ import annotations

import argparse

# measured: the LSTM at T = 1000 prints about 1.1 MB compact and builds in ~40 s (4 gates)
_BYTES_PER_STEP_AND_H2 = 400.0
_SECONDS_PER_STEP = 0.04


def derive_printed(args: argparse.Namespace, fmt: str, wrt: str, truncation) -> object:
    """The derivation of ``args.cell`` in format ``fmt`` (a str, or a dict for json)."""
    from numeric.rules import ACTIVATIONS, LOSS_AT, LOSSES

    from ..cli.commands._limits import check_work
    from ..cli.commands._symbolic import choice, model_sizes
    from .derivation import derive_cell
    from .graph import unroll_cell
    from .load import resolve_cell
    from .printing import derivation_json, derivation_latex, derivation_pretty, derivation_text

    from .cell import CellError
    try:
        cell = resolve_cell(args.cell)
    except CellError as e:
        raise ValueError(f"--cell: {e}") from None
    T, H, D, V = model_sizes(args)
    names = _wrt(wrt, cell.gradient_names)
    size = _BYTES_PER_STEP_AND_H2 * T * H * H * (1 + len(cell.nodes))
    if args.expanded:
        size *= 10.0 ** min(T, 30)
    check_work(args, f"the derivation of cell {cell.name} (T = {T}, H = {H})", nbytes=size,
               seconds=_SECONDS_PER_STEP * T * H * H, remedy="choose a smaller --T or --hidden-size")
    g = unroll_cell(cell, T, hidden_size=H, input_size=D, output_size=V,
                    activation=choice("--activation", args.activation, ACTIVATIONS),
                    loss=choice("--loss", args.loss, LOSSES), loss_at=choice("--loss-at", args.loss_at, LOSS_AT))
    d = derive_cell(g, truncation=truncation)
    printer = {"text": derivation_text, "pretty": derivation_pretty, "latex": derivation_latex,
               "json": derivation_json}[fmt]
    return printer(d, names, expanded=args.expanded, cse=args.cse)


def _wrt(text: str, names) -> list[str]:
    got = [n.strip() for n in text.split(",")]
    if got == ["all"]:
        return list(names)
    for n in got:
        if n not in names:
            raise ValueError(f"--wrt {n!r} is not known for this cell; choose one of {', '.join(names)}, all.")
    return list(dict.fromkeys(got))


def example_printed(args: argparse.Namespace, fmt: str, number_flags) -> str:
    """``bptt example --cell gru|lstm``: the canonical scalar example as text."""
    from ..cli.commands._limits import refuse_unused
    from ..cli.commands._symbolic import choice, integer
    from .example import canonical, worked_example
    from .printing.example import example_text

    choice("--cell", args.cell, ["elman", *sorted(canonical()["cells"])])
    flags = {flag: dest for dest, flag, _ in number_flags}
    flags.update({"--x": "x", "--targets": "targets", "--activation": "activation", "--loss": "loss",
                  "--loss-at": "loss_at"})
    refuse_unused(args, flags, f"to the elman example (--cell {args.cell} uses its canonical values)")
    if fmt != "text":
        raise ValueError(f"--format {fmt!r} is not available with --cell {args.cell}; choose text.")
    digits = 6 if args.digits is None else integer("--digits", args.digits)
    if digits > 50:
        raise ValueError(f"--digits must be an integer from 1 to 50; got {args.digits!r}.")
    return example_text(worked_example(args.cell, digits=digits))
