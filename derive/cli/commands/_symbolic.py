"""Options shared by `bptt derive`, `bptt jacobian` and `bptt graph`, read strictly.

Values are taken as strings and checked in ``run`` so that every bad value (T < 1, an
unknown activation, "abc" for a size) is one line, ``bptt <cmd>: error: ...``, exit status 2.
"""

from __future__ import annotations

import argparse

from numeric.rules import ACTIVATIONS, LOSS_AT, LOSSES

from ..values import braces, choice, integer

# SymPy builds and prints derivations at roughly this many characters a second (measured: the
# compact derivation of T = 1000 is 265 kB in 4 s; the expanded one of T = 64, 5 MB in 33 s)
PRINT_RATE = 65e3


def add_model_arguments(p: argparse.ArgumentParser, *, loss: bool = True) -> None:
    """--T, --hidden-size, --input-size, --output-size, --activation[, --loss, --loss-at], --force."""
    from ._limits import add_force_argument

    add_force_argument(p)
    g = p.add_argument_group("model")
    g.add_argument("--T", default="3", metavar="N", help="sequence length T >= 1 (default 3)")
    g.add_argument("--hidden-size", default="1", metavar="H", help="H (default 1)")
    g.add_argument("--input-size", default="1", metavar="D", help="D (default 1)")
    g.add_argument("--output-size", default="1", metavar="V", help="V (default 1); all three 1: scalar names")
    g.add_argument("--activation", default="tanh", metavar=braces(sorted(ACTIVATIONS)),
                   help="hidden activation f (default tanh; relu'(0) = 0)")
    if loss:
        g.add_argument("--loss", default="half_sse", metavar=braces(sorted(LOSSES)),
                       help="per-step loss (default half_sse = ½‖o_t − y_t‖²; cross_entropy takes "
                            "target probabilities y_t)")
        g.add_argument("--loss-at", dest="loss_at", default="all", metavar=braces(LOSS_AT),
                       help="a loss at every step (all, default) or only at the last (last)")


def model_sizes(args: argparse.Namespace) -> tuple[int, int, int, int]:
    """(T, H, D, V) from --T, --hidden-size, --input-size, --output-size, checked."""
    return (integer("--T", args.T), integer("--hidden-size", args.hidden_size),
            integer("--input-size", args.input_size), integer("--output-size", args.output_size))


def unroll_from(args: argparse.Namespace, *, loss: bool = True, nbytes=None, what: str = "this graph"):
    """The Unrolled graph the options describe (checked values, one-line errors).

    nbytes(T, H, D, V): the estimated printed size; beyond the limits of ``_limits.check_work``
    the command is refused before anything is built (unrolling H = 300 alone takes seconds).
    """
    from derive.graph import unroll

    from ._limits import check_work

    T, H, D, V = model_sizes(args)
    kw = dict(hidden_size=H, input_size=D, output_size=V,
              activation=choice("--activation", args.activation, ACTIVATIONS))
    if loss:
        kw.update(loss=choice("--loss", args.loss, LOSSES), loss_at=choice("--loss-at", args.loss_at, LOSS_AT))
    if nbytes is not None:
        size = nbytes(T, H, D, V)
        check_work(args, f"{what} (T = {T}, H = {H}, D = {D}, V = {V})", nbytes=size,
                   seconds=size / PRINT_RATE, remedy="choose a smaller --T or --hidden-size")
    return unroll(T, **kw)


def emit(out) -> int:
    """Print text, or a dict as indented JSON."""
    import json
    print(json.dumps(out, indent=2, ensure_ascii=False) if isinstance(out, dict) else out)
    return 0


def add_standalone_argument(p: argparse.ArgumentParser) -> None:
    """--standalone: with --format latex, a complete document instead of a pasteable block."""
    p.add_argument("--standalone", action="store_true",
                   help="with --format latex: a complete LaTeX document (article, amsmath, 345 pt text "
                        "width) that pdflatex compiles; without it, math to paste into an amsmath document")


def check_standalone(args: argparse.Namespace, fmt: str) -> None:
    """--standalone with a format other than latex: one line naming both flags (exit status 2)."""
    if getattr(args, "standalone", False) and fmt != "latex":
        raise ValueError(f"--standalone writes a LaTeX document; it applies only with --format latex "
                         f"(got --format {fmt}): add --format latex or drop --standalone.")


def latex_out(args: argparse.Namespace, fmt: str, out, *, about=None, what: str = ""):
    """``out`` as printed: with --format latex an ``\\begin{aligned}`` block becomes an ``align*``
    environment to paste into an amsmath document, and with --standalone a complete article
    (titled ``what: describe(about)`` for an Unrolled graph ``about``); other formats unchanged."""
    from derive.printing.latex_layout import document, environment

    check_standalone(args, fmt)
    if fmt != "latex":
        return out
    body = environment(out)
    if not getattr(args, "standalone", False):
        return body
    from derive.printing.expressions import describe
    return document(body, f"{what}: " + describe(about).replace("_", r"\_") if about is not None else "")


VALUES_FLAG = "--values"


def add_values_argument(p: argparse.ArgumentParser) -> None:
    """--values NAME=v,...: read (with SymPy) by ._numbers, only when the command runs."""
    p.add_argument(VALUES_FLAG, default=None, metavar="NAME=v,...",
                   help="evaluate the printed expressions at these leaf values, exactly and in decimals "
                        "(scalar sizes; every parameter, h0 and x1..xT [and y1..yT]; e.g. W_hh=1/2,x1=1e-3)")
