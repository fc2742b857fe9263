"""`bptt graph`: the unrolled computation graph as equations or Graphviz DOT."""

from __future__ import annotations

import argparse

from ..values import braces, choice
from ._symbolic import add_model_arguments, emit, unroll_from
from ._symbolic import add_standalone_argument, check_standalone, latex_out

HELP = "the unrolled computation graph: node equations (text, pretty, latex, json) or Graphviz DOT"
DESCRIPTION = (
    "Unroll a vanilla RNN over T steps and print its graph: every node a_t, h_t, o_t, L_t with "
    "its definition and parents, in the symbol names of docs/symbols.md; --format dot writes "
    "Graphviz source of the article's unrolled picture (bptt graph --T 4 --format dot | dot -Tsvg "
    "> unrolled.svg); --params draws the shared weights as nodes too."
)
FORMATS = ("text", "pretty", "latex", "json", "dot", "unicode")


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_standalone_argument(p)
    add_model_arguments(p)
    p.add_argument("--cell", default="elman", metavar="NAME|FILE.py:NAME",
                   help="the recurrent cell: elman (default, today's output), jordan, gru, lstm, or a Cell in a "
                        "Python file (FILE.py:NAME): every node (gates too) and each state's chain (LSTM: h and c)")
    p.add_argument("--params", action="store_true", help="DOT: draw the shared parameters as nodes")
    p.add_argument("--format", default="text", metavar=braces(FORMATS), help="output format (default text)")


def run(args: argparse.Namespace) -> int:
    from derive.printing.graph import graph_json, graph_latex, graph_pretty, graph_text, graph_unicode

    fmt = choice("--format", args.format, FORMATS)
    check_standalone(args, fmt)
    if args.params and fmt != "dot":
        raise ValueError(f"--params draws the parameters in the DOT picture; it applies only with "
                         f"--format dot (got --format {fmt}): add --format dot or drop --params.")
    if args.cell != "elman":                      # elman: today's code path, unchanged
        if fmt == "unicode":
            raise ValueError(f"--format unicode is for --cell elman; got --cell {args.cell}: choose one of "
                             "text, pretty, latex, json, dot.")
        from derive.cells.routes import graph_printed
        return emit(latex_out(args, fmt, graph_printed(args, fmt)))
    # ~220 characters per step and 20 per weight per step (T = 1000: 221 kB; H = 32, T = 3: 63 kB)
    u = unroll_from(args, nbytes=lambda T, H, D, V: T * (220.0 + 20.0 * H * (H + D + V)), what="the graph")
    if fmt == "dot":
        return emit(u.to_dot(show_params=args.params))
    out = {"text": graph_text, "pretty": graph_pretty, "latex": graph_latex, "json": graph_json,
           "unicode": graph_unicode}[fmt](u)
    return emit(latex_out(args, fmt, out, about=u, what="Unrolled RNN"))
