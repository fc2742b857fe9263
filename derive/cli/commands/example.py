"""`bptt example`: the article's scalar worked example, computed exactly, step by step.

Every value can be overridden; numbers are read exactly by derive.example.exact (integers,
decimals, fractions), never by sympify/eval. Errors are one line, exit status 2.
"""

from __future__ import annotations

import argparse
import json
import re

from numeric.rules import ACTIVATIONS, LOSS_AT, REAL_TARGET_LOSSES

from ..values import choice, integer
from ._symbolic import add_standalone_argument, check_standalone, latex_out

HELP = "the article's worked example (scalar, T = 3), exactly: forward, backward, gradients"
DESCRIPTION = (
    "Compute the article's scalar worked example exactly (SymPy Rationals and closed forms such "
    "as tanh(1/2)) and print it step by step: setup, forward table (a_t, h_t, ŷ_t, L_t), backward "
    "table (δ_t, ∂L/∂a_t, each step's contribution to every gradient), the gradients, and the "
    "article's statements checked on the numbers. Every value can be overridden; numbers are "
    "integers (3), decimals (0.1 = 1/10) or fractions (1/4), and a list is comma-separated "
    "(--x -1,2 and --w-hh -1/2 work as written). Defaults: "
    "derive/example/worked_example.json; see docs/worked-example.md."
)
LOSSES = REAL_TARGET_LOSSES          # one real output: the losses with real targets
FORMATS = ("text", "markdown", "latex", "json")
NUMBER_FLAGS = (("w_xh", "--w-xh", "W_xh"), ("w_hh", "--w-hh", "W_hh"), ("w_hy", "--w-hy", "W_hy"),
                ("b_h", "--b-h", "b_h"), ("b_y", "--b-y", "b_y"), ("h0", "--h0", "h0"))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    # argparse takes "-1/2" and "-1,2" for options (only "-1" and "-0.5" count as negative
    # numbers); widen its matcher so "--w-hh -1/2" and "--x -1,2" work. No option of this
    # command starts with "-<digit>" or "-.<digit>", so nothing is shadowed.
    parser._negative_number_matcher = re.compile(r"^-\.?\d")
    g = parser.add_argument_group("values (default: the canonical example)")
    g.add_argument("--x", metavar="X1,X2,...", help="inputs x_1..x_T, e.g. 1,1/4,0.25 (T >= 1)")
    g.add_argument("--targets", metavar="Y1,Y2,...", help="targets y_1..y_T, one per input")
    for dest, flag, name in NUMBER_FLAGS:
        g.add_argument(flag, dest=dest, metavar="NUM", help=f"{name} (default {_default(name)})")
    s = parser.add_argument_group("model")
    s.add_argument("--activation", default=None, metavar="{" + ",".join(ACTIVATIONS) + "}",
                   help="hidden activation f (default tanh; relu'(0) = 0)")
    s.add_argument("--loss", default=None, metavar="{" + ",".join(LOSSES) + "}",
                   help="per-step loss: half_sse ½(ŷ−y)² (default), sse (ŷ−y)², "
                        "mse (ŷ−y)² / (number of steps with a loss)")
    s.add_argument("--loss-at", dest="loss_at", default=None, metavar="{" + ",".join(LOSS_AT) + "}",
                   help="a loss at every step (all, default) or only at the last (last)")
    s.add_argument("--cell", default="elman", metavar="{elman,gru,lstm}",
                   help="the cell: elman (default, the vanilla example) or the scalar T = 3 example of "
                        "gru or lstm (canonical values; every format; docs/lstm.md)")
    o = parser.add_argument_group("output")
    o.add_argument("--digits", default=None, metavar="N",
                   help="significant digits of the decimals, 1 to 50 (default 6)")
    o.add_argument("--format", default="text", metavar="{" + ",".join(FORMATS) + "}",
                   help="text (default), markdown, latex, or json (schema 1, see docs/worked-example.md)")
    from ._limits import add_force_argument

    add_force_argument(o)
    add_standalone_argument(o)


def json_size(T: int) -> float:
    """Estimated characters of --format json: every value carries its closed form, in which each
    h_t is written out, so it grows like T³ (T = 10: 111 kB; T = 20: 715 kB; T = 40: 5.2 MB)."""
    return 2e4 + 120.0 * T ** 2.9


def _default(name: str) -> str:
    from derive.example.canonical import canonical     # light: keeps --help in step with the data
    return canonical()["parameters"][name]


def run(args: argparse.Namespace) -> int:
    from derive.example.exact import parse_list, parse_number
    from derive.example.worked import canonical, worked_example

    from ._limits import check_work, refuse_unused

    fmt = choice("--format", args.format, FORMATS)
    check_standalone(args, fmt)
    if args.cell != "elman":                      # elman: today's code path, unchanged
        from derive.cells.routes import example_printed
        out = example_printed(args, fmt, NUMBER_FLAGS)
        if fmt == "json":
            print(json.dumps(out, indent=2, ensure_ascii=False))
        else:
            print(latex_out(args, fmt, out) if fmt == "latex" else out, end="" if fmt == "markdown" else "\n")
        return 0
    if fmt == "json":
        refuse_unused(args, {"--digits": "digits"}, "to text, markdown and latex (JSON holds exact forms and floats)")
    digits = integer("--digits", "6" if args.digits is None else args.digits, maximum=50)
    settings = {"activation": choice("--activation", args.activation, tuple(ACTIVATIONS)),
                "loss": choice("--loss", args.loss, LOSSES),
                "loss_at": choice("--loss-at", args.loss_at, LOSS_AT)}
    numbers = {name: None if getattr(args, dest) is None else parse_number(getattr(args, dest), name=flag)
               for dest, flag, name in NUMBER_FLAGS}
    x = None if args.x is None else parse_list(args.x, name="--x")
    y = None if args.targets is None else parse_list(args.targets, name="--targets")
    c = canonical()
    nx, ny = len(x if x is not None else c["x"]), len(y if y is not None else c["targets"])
    if nx != ny:
        which = lambda v, flag: flag if v is not None else f"the default {flag}"
        raise ValueError(f"{which(y, '--targets')} has {ny} value{'s' * (ny != 1)} but "
                         f"{which(x, '--x')} has {nx}; give one target per input (T = {nx}).")
    if fmt == "json":
        check_work(args, f"--format json with T = {nx}", nbytes=json_size(nx),
                   remedy="use --format text, markdown or latex (decimals and the recursion, linear in T)")
    ex = worked_example(x=x, targets=y, **numbers, **settings)
    if fmt == "json":
        try:
            out = ex.to_json()
        except RecursionError:
            raise ValueError(f"--format json: the closed forms of T = {nx} steps nest about {nx} levels deep, "
                             "too deep to print; use --format text, markdown or latex.") from None
        print(json.dumps(out, indent=2, ensure_ascii=False))
    elif fmt == "latex":
        print(latex_out(args, fmt, ex.to_latex(digits)), end="")
    elif fmt == "markdown":
        print(ex.to_markdown(digits), end="")
    else:
        print(ex.to_text(digits), end="")
    return 0
