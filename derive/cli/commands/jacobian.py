"""`bptt jacobian`: the symbolic Jacobian product ∂h_t/∂h_k and its norm bound."""

from __future__ import annotations

import argparse

from numeric.rules import NORMS

from ..values import add_flag, braces, choice, integer
from ._symbolic import add_model_arguments, emit, unroll_from, add_values_argument
from ._symbolic import add_standalone_argument, check_standalone, latex_out

CELL_HELP = ("the recurrent cell: elman (default, today's output), jordan, gru, lstm, or a Cell in a Python "
             "file (FILE.py:NAME): ∂s_t/∂s_k as a block matrix of its states, with the LSTM's constant "
             "error carousel (docs/lstm.md)")


def add_cell_argument(p: argparse.ArgumentParser, help: str = CELL_HELP) -> None:
    p.add_argument("--cell", default="elman", metavar="NAME|FILE.py:NAME", help=help)

HELP = "the Jacobian product ∂h_t/∂h_k = diag(f'(a_t)) W_hh ⋯ diag(f'(a_{k+1})) W_hh, and its bound"
DESCRIPTION = (
    "Print ∂h_t/∂h_k for t > k as the product of the per-step Jacobians diag(f'(a_r)) W_hh "
    "(latest step on the left), over the graph's nodes; --expanded writes it in parameters and "
    "inputs. --bound adds the article's bound ‖∂h_t/∂h_k‖ <= (γ‖W_hh‖)^(t−k), γ = sup|f'| (1 for "
    "tanh, relu, identity; 1/4 for sigmoid), and ‖∂L_t/∂h_k‖ <= ‖∂L_t/∂h_t‖ (γ‖W_hhᵀ‖)^(t−k). "
    "Example: bptt jacobian --T 5 --step 5 --k 1 --bound."
)
FORMATS = ("text", "pretty", "latex", "json", "unicode")


# --expanded with vector states: each entry is a sum over ~H^(t-k) paths; beyond this many the
# text runs to megabytes and takes minutes (H = 2, t - k = 6: 0.75 MB; t - k = 8: a minute)
EXPANDED_LIMIT = 32


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_standalone_argument(p)
    add_model_arguments(p, loss=False)
    add_cell_argument(p)
    g = p.add_argument_group("product")
    add_flag(g, "--step", "--t", dest="t", default=None, metavar="t",
             help="t of ∂h_t/∂h_k: the later step, 1 <= t <= T (default T); not --T, the length")
    g.add_argument("--k", default="0", metavar="k", help="the earlier step, 0 <= k < t (default 0)")
    g.add_argument("--bound", action="store_true", help="add the norm bounds")
    g.add_argument("--norm", default="2", metavar=braces(NORMS),
                   help="induced norm of the bound: 2 (spectral, default), 1 or inf")
    g.add_argument("--expanded", action="store_true",
                   help=f"also in parameters and inputs only (vector states: while H^(t-k) <= {EXPANDED_LIMIT})")
    add_values_argument(g)
    p.add_argument("--format", default="text", metavar=braces(FORMATS),
                   help="output format (default text; unicode: the text with h₁², Wₕₕ, ∂h₅/∂h₂)")


def printed_size(H: int, gap: int) -> float:
    """Estimated characters of the product over the nodes: each of its H² entries sums ~H^(gap-1)
    paths of ~50 characters (H = 16, t - k = 3: 3.4 MB in 31 s)."""
    return 300.0 + 52.0 * float(H) ** (gap + 1) if H > 1 else 300.0 * max(gap, 1)


def run(args: argparse.Namespace) -> int:
    from derive.cli.values import UsageError
    from derive.jacobian import jacobian_product
    from derive.printing.jacobian import (jacobian_json, jacobian_latex, jacobian_pretty, jacobian_text,
                                          jacobian_unicode)

    from ._limits import FORCE
    from ._symbolic import model_sizes

    fmt = choice("--format", args.format, FORMATS)
    check_standalone(args, fmt)
    if args.values is not None:
        from ._numbers import check_format
        check_format(fmt)
    if args.cell != "elman":                      # elman: today's code path, unchanged
        return _cell_route(args, fmt)
    T, H = model_sizes(args)[:2]
    t = T if args.t is None else integer("--step", args.t)
    k = integer("--k", args.k, minimum=0)
    if args.expanded and H > 1 and 0 <= k < t and H ** (t - k) > EXPANDED_LIMIT and not args.force:
        most = max(n for n in range(1, t + 1) if H ** n <= EXPANDED_LIMIT) if H <= EXPANDED_LIMIT else 0
        limit = f"limited to t - k <= {most}" if most else f"not available (H <= {EXPANDED_LIMIT} needed)"
        raise UsageError(f"--expanded grows like H^(t-k) terms per entry: with H = {H} it is {limit} "
                         f"(got t - k = {t - k}); drop --expanded (the product is printed over the graph's "
                         f"nodes), choose a smaller gap or hidden size, or add {FORCE} to run it anyway.")
    u = unroll_from(args, loss=False, nbytes=lambda *_: printed_size(H, t - k), what=f"∂h_{t}/∂h_{k}")
    J = jacobian_product(u, t, k, norm=choice("--norm", args.norm, tuple(NORMS)))
    printer = {"text": jacobian_text, "pretty": jacobian_pretty, "latex": jacobian_latex,
               "json": jacobian_json, "unicode": jacobian_unicode}[fmt]
    out = printer(J, bound=args.bound, expanded=args.expanded)
    if args.values is not None:
        from ._numbers import attach, jacobian_rows
        out = attach(out, *jacobian_rows(u, J, args.values), unicode=fmt == "unicode")
    return emit(latex_out(args, fmt, out, about=u,
                          what=rf"Jacobian product $\partial h_{{{t}}}/\partial h_{{{k}}}$"))


def _cell_route(args: argparse.Namespace, fmt: str) -> int:
    from derive.cells.routes import jacobian_printed
    from derive.cli.values import UsageError

    if fmt == "unicode" or args.values is not None:
        raise UsageError(f"--format unicode and --values are for --cell elman; got --cell {args.cell}.")
    t, k = args.t, args.k
    out = jacobian_printed(args, fmt, t, k)
    return emit(latex_out(args, fmt, out))
