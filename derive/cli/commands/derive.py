"""`bptt derive`: the symbolic BPTT derivation, the δ recursion and every gradient."""

from __future__ import annotations

import argparse

from numeric.params import GRADIENT_NAMES

from ..values import braces, choice
from ._symbolic import add_model_arguments, emit, unroll_from, add_values_argument
from ._symbolic import add_standalone_argument, check_standalone, latex_out

HELP = "derive BPTT in SymPy: the δ recursion and every gradient, compact, expanded or truncated"
DESCRIPTION = (
    "Derive backpropagation through time symbolically for a vanilla RNN unrolled over T steps: "
    "the δ recursion (δ_t = ∂L/∂h_t) and the gradients of W_hh, W_xh, W_hy, b_h, b_y and h0, "
    "in compact form (over the graph's nodes a_t, h_t, o_t and δ_t, one term per step), in "
    "matrix notation for vector sizes, and, with --expanded, in parameters, h0, inputs and "
    "targets only (--cse: with common subexpressions c0, c1, ...). --truncation k1,k2 gives the "
    "truncated gradients and the terms they drop. JSON (schema 1) strings parse with "
    "sympy.sympify in the names of docs/symbols.md. Example: bptt derive --T 3 --wrt W_hh."
)
GRADIENTS = GRADIENT_NAMES
FORMATS = ("text", "pretty", "latex", "json", "unicode")
# the library's parameter names in its messages -> this command's flags (derive/cli/app.py)
PARAM_FLAGS = {"truncation": "--truncation"}


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_standalone_argument(p)
    add_model_arguments(p)
    p.add_argument("--cell", default="elman", metavar="NAME|FILE.py:NAME",
                   help="the recurrent cell: elman (default), jordan, gru, lstm, or a Cell in a Python "
                        "file (derive.cells, docs/own-cell.md)")
    g = p.add_argument_group("derivation")
    g.add_argument("--wrt", default="all", metavar=braces(GRADIENTS + ("all",)),
                   help="which gradient(s), comma-separated (default all)")
    g.add_argument("--expanded", action="store_true",
                   help="also the expanded form (parameters and inputs only; grows like T³)")
    g.add_argument("--cse", action="store_true", help="print the expanded form with common subexpressions")
    g.add_argument("--truncation", metavar="K1,K2",
                   help="truncated BPTT: update every k1 steps, back through k2 (k alone: k1 = k2)")
    add_values_argument(g)
    p.add_argument("--format", default="text", metavar=braces(FORMATS),
                   help="output format (default text; unicode: the text with h₁², δ₂, ∂)")


def wrt_names(text: str) -> list[str]:
    names = [n.strip() for n in text.split(",")]
    if names == ["all"]:
        return list(GRADIENTS)
    for n in names:
        choice("--wrt", n, GRADIENTS + ("all",))
    if "all" in names:
        raise ValueError(f"--wrt 'all' cannot be combined with other names; got {text!r}.")
    return list(dict.fromkeys(names))


def printed_size(T: int, H: int, names: list[str], expanded: bool) -> float:
    """Estimated characters printed, fitted to measurements (within a factor of about 2).

    Compact: ~80 T H² + 265 T (T = 1000: 265 kB; H = 32, T = 3: 237 kB). Expanded: each of the
    six gradients ~21 T³ for scalars (T = 64, W_hh: 5 MB), times H^(0.86 T + 2.56) for vector
    states, whose entries sum over paths (H = 2, T = 3: 120 kB; T = 4: 517 kB; H = 3: 1.2 MB).
    """
    size = 80.0 * T * H * H + 265.0 * T
    if expanded:
        paths = 1.0 if H == 1 else float(H) ** (0.86 * T + 2.56)
        size += 21.0 * T ** 3 * paths * len(names)
    return size


def run(args: argparse.Namespace) -> int:
    from derive.cli.values import UsageError
    from derive.gradients import derive_bptt
    from derive.printing.derivation import (derivation_json, derivation_latex, derivation_pretty,
                                            derivation_text, derivation_unicode)
    from numeric.truncation import Truncation

    fmt = choice("--format", args.format, FORMATS)
    check_standalone(args, fmt)
    if args.values is not None:
        from ._numbers import check_format
        check_format(fmt)
    if args.cse and not args.expanded:
        raise UsageError("--cse prints the expanded form; add --expanded")
    truncation = None if args.truncation is None else Truncation.parse(args.truncation)
    if args.cell != "elman" and (fmt == "unicode" or args.values is not None):
        raise UsageError(f"--format unicode and --values are for --cell elman; got --cell {args.cell}.")
    if args.cell != "elman":                      # elman: today's code path, unchanged
        from derive.cells.cli import derive_printed
        return emit(latex_out(args, fmt, derive_printed(args, fmt, args.wrt, truncation)))
    names = wrt_names(args.wrt)
    size = lambda T, H, D, V: printed_size(T, H, names, args.expanded)  # noqa: E731
    what = "the expanded derivation" if args.expanded else "the derivation"
    d = derive_bptt(unroll_from(args, nbytes=size, what=what), truncation=truncation)
    printer = {"text": derivation_text, "pretty": derivation_pretty, "latex": derivation_latex,
               "json": derivation_json, "unicode": derivation_unicode}[fmt]
    out = printer(d, names, expanded=args.expanded, cse=args.cse)
    if args.values is not None:
        from ._numbers import attach, derivation_rows
        out = attach(out, *derivation_rows(d, names, args.values), unicode=fmt == "unicode")
    return emit(latex_out(args, fmt, out))
