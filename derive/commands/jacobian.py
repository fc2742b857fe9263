"""`bptt jacobian`: the symbolic Jacobian product ∂h_t/∂h_k and its norm bound."""

from __future__ import annotations

import argparse

from ._symbolic import add_model_arguments, braces, choice, emit, integer, unroll_from

HELP = "the Jacobian product ∂h_t/∂h_k = diag(f'(a_t)) W_hh ⋯ diag(f'(a_{k+1})) W_hh, and its bound"
DESCRIPTION = (
    "Print ∂h_t/∂h_k for t > k as the product of the per-step Jacobians diag(f'(a_r)) W_hh "
    "(latest step on the left), over the graph's nodes; --expanded writes it in parameters and "
    "inputs. --bound adds the article's bound ‖∂h_t/∂h_k‖ <= (γ‖W_hh‖)^(t−k), γ = sup|f'| (1 for "
    "tanh, relu, identity; 1/4 for sigmoid), and ‖∂L_t/∂h_k‖ <= ‖∂L_t/∂h_t‖ (γ‖W_hhᵀ‖)^(t−k). "
    "Example: bptt jacobian --T 5 --t 5 --k 1 --bound."
)
FORMATS = ("text", "pretty", "latex", "json")
NORMS = ("2", "1", "inf")


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_model_arguments(p, loss=False)
    g = p.add_argument_group("product")
    g.add_argument("--t", default=None, metavar="t", help="the later step, 1 <= t <= T (default T)")
    g.add_argument("--k", default="0", metavar="k", help="the earlier step, 0 <= k < t (default 0)")
    g.add_argument("--bound", action="store_true", help="add the norm bounds")
    g.add_argument("--norm", default="2", metavar=braces(NORMS),
                   help="induced norm of the bound: 2 (spectral, default), 1 or inf")
    g.add_argument("--expanded", action="store_true", help="also in parameters and inputs only")
    p.add_argument("--format", default="text", metavar=braces(FORMATS), help="output format (default text)")


def run(args: argparse.Namespace) -> int:
    from derive.jacobian import jacobian_product
    from derive.printing import jacobian_json, jacobian_latex, jacobian_pretty, jacobian_text

    fmt = choice("--format", args.format, FORMATS)
    u = unroll_from(args, loss=False)
    t = u.T if args.t is None else integer("--t", args.t)
    k = integer("--k", args.k, minimum=0)
    J = jacobian_product(u, t, k, norm=choice("--norm", args.norm, NORMS))
    printer = {"text": jacobian_text, "pretty": jacobian_pretty, "latex": jacobian_latex,
               "json": jacobian_json}[fmt]
    return emit(printer(J, bound=args.bound, expanded=args.expanded))
