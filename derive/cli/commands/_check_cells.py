"""`bptt check --cell lstm|gru|FILE.py:NAME`: the gated-cell checker (numeric/check/cells/).

--cell elman (the default) is the elman checker, unchanged; any other cell, or --layout /
--gate-order, is routed here by derive/cli/commands/check.py. FILE.py:NAME is a Cell
(derive.cells.CellBuilder(...).build(); its engine is generated into a temporary directory, as
``bptt generate --cell FILE.py:NAME --out`` would) or an engine that command wrote. The target
may name a (forward, backward) pair, FILE.py:lstm_forward,lstm_backward (row layout).
"""

from __future__ import annotations

import argparse


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--cell", default="elman", metavar="elman|lstm|gru|FILE.py:NAME",
                   help="the cell fn implements (default elman: the article's RNN, checked as before); "
                        "lstm, gru or a user's cell (FILE.py:NAME) are checked against numeric.cells.bptt")
    p.add_argument("--layout", choices=["column", "row", "torch"], default=None,
                   help="gated cells: column (per-gate dicts), row (the course's stacked Wx (D, 4H), Wh (H, 4H), "
                        "b (4H,)) or torch (PyTorch's stacked names); default: --convention's value")
    p.add_argument("--gate-order", default=None, metavar="ORDER",
                   help="row layout: the order of the stacked gates, e.g. ifog (the course's LSTM, default), "
                        "ifgo (PyTorch's), rzn (GRU)")


def wanted(args: argparse.Namespace) -> bool:
    """Whether the cell checker handles these arguments (any cell but elman, or its flags)."""
    return (getattr(args, "cell", "elman") != "elman" or getattr(args, "layout", None) is not None
            or getattr(args, "gate_order", None) is not None)


def _engine(ref: str):
    """numeric.cells' cell argument for --cell: a built-in name, or a generated module."""
    from numeric.cells import CELLS
    if ref in CELLS:
        return ref
    if ":" not in ref:
        raise ValueError(f"--cell must be one of {', '.join(CELLS)} or FILE.py:NAME; got {ref!r}.")
    from derive.verify.cells.user import generated_engine
    return generated_engine(ref)[1]


def _refuse_elman_flags(args: argparse.Namespace) -> None:
    if args.cell == "elman":
        raise ValueError("--layout and --gate-order are for gated cells (--cell lstm|gru|FILE.py:NAME); the elman "
                         "RNN is checked with --convention column|row.")
    elman_only = {"--activation": args.activation != "tanh", "--truncation": args.truncation is not None,
                  "--inputs": args.inputs != "real", "--no-bias": args.no_bias, "--h0": args.h0 != "given",
                  "--reduction": args.reduction != "sum"}
    used = [f for f, on in elman_only.items() if on]
    if used:
        raise ValueError(f"{', '.join(used)} {'is' if len(used) == 1 else 'are'} not supported with --cell "
                         f"{args.cell} (the cell checker uses the cell's own activations, full BPTT, real inputs, "
                         "biases, a given h0 and a summed loss).")


def _target(text: str):
    """(fn or (forward, backward), its name) from FILE.py:FN or FILE.py:FORWARD,BACKWARD."""
    from numeric.check import load_target
    path, _, funcs = text.rpartition(":")
    if "," not in funcs:
        return load_target(text)
    names = [f.strip() for f in funcs.split(",")]
    if len(names) != 2 or not all(names):
        raise ValueError(f"target must be FILE.py:FUNCTION or FILE.py:FORWARD,BACKWARD; got {text!r}.")
    fs = tuple(load_target(f"{path}:{n}")[0] for n in names)
    return fs, text


def run(args: argparse.Namespace) -> int:
    import contextlib
    import sys

    from numeric.check import TargetError
    from numeric.check.cells import CellCheckReport, check_cell

    _refuse_elman_flags(args)
    layout = args.layout or args.convention
    cell = _engine(args.cell)
    with contextlib.redirect_stdout(sys.stderr):      # whatever the user's code prints
        try:
            fn, name = _target(args.target)
        except TargetError as e:
            report = CellCheckReport(args.target, "error", "row" if layout == "row" else "column", args.dtype,
                                     error=str(e), cell=args.cell, layout=layout)
        else:
            report = check_cell(fn, cell=cell, layout=layout, gate_order=args.gate_order, loss=args.loss,
                                loss_at=args.loss_at, examples=args.examples, seed=args.seed, dtype=args.dtype,
                                max_T=args.max_T,
                                shrink=not args.no_shrink, name=name)
    print(report.to_json() if args.format == "json" else report.to_text())
    return report.exit_status
