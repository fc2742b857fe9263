"""The cell routes of ``bptt graph``, ``bptt jacobian`` and ``bptt example`` with ``--cell`` (not elman).

Called by derive/cli/commands/{graph,jacobian,example}.py when ``--cell`` is not ``elman`` (elman
keeps today's code path, its output unchanged); every bad value is a ValueError with one line
(exit status 2). ``bptt derive --cell`` is derive/cells/cli.py.
"""

from __future__ import annotations

import argparse

# measured (H = 2, LSTM): the printed Jacobian is ~300 (S H)² characters at t − k = 1 and grows
# ~0.75 S H times per further step (S states: t − k = 4 prints 118 kB in 3 s)
_JACOBIAN_BASE, _JACOBIAN_GROWTH = 300.0, 0.75
# --expanded with vector states: every entry sums over (S H)^(t−k) paths (as derive/cli jacobian)
EXPANDED_LIMIT = 32


def _cell(args: argparse.Namespace):
    from .cell import CellError
    from .load import resolve_cell
    try:
        return resolve_cell(args.cell)
    except CellError as e:
        raise ValueError(f"--cell: {e}") from None


def _graph(args: argparse.Namespace, cell, *, loss: bool, nbytes: float, what: str):
    from numeric.rules import ACTIVATIONS, LOSS_AT, LOSSES

    from ..cli.commands._limits import check_work
    from ..cli.commands._symbolic import PRINT_RATE, model_sizes
    from ..cli.values import choice
    from .graph import unroll_cell

    T, H, D, V = model_sizes(args)
    kw = dict(hidden_size=H, input_size=D, output_size=V,
              activation=choice("--activation", args.activation, ACTIVATIONS))
    if loss:
        kw.update(loss=choice("--loss", args.loss, LOSSES), loss_at=choice("--loss-at", args.loss_at, LOSS_AT))
    check_work(args, f"{what} of cell {cell.name} (T = {T}, H = {H}, D = {D}, V = {V})", nbytes=nbytes,
               seconds=nbytes / PRINT_RATE, remedy="choose a smaller --T or --hidden-size")
    return unroll_cell(cell, T, **kw)


def graph_printed(args: argparse.Namespace, fmt: str):
    """``bptt graph --cell C``: the unrolled graph of C in ``fmt`` (a str, or a dict for json)."""
    from ..cli.commands._symbolic import model_sizes
    from .printing.graph import graph_dot, graph_json, graph_latex, graph_pretty, graph_text

    cell = _cell(args)
    T, H, D, V = model_sizes(args)
    # ~80 characters per node entry and 20 per weight entry per step (as elman's graph estimate)
    size = T * (300.0 + 80.0 * H * (len(cell.equations) + 2) + 20.0 * H * (H + D + V) * len(cell.params))
    g = _graph(args, cell, loss=True, nbytes=size, what="the graph")
    if fmt == "dot":
        return graph_dot(g, show_params=args.params)
    return {"text": graph_text, "pretty": graph_pretty, "latex": graph_latex, "json": graph_json}[fmt](g)


def jacobian_printed(args: argparse.Namespace, fmt: str, t_flag: str | None, k_flag: str):
    """``bptt jacobian --cell C``: ∂s_t/∂s_k of C in ``fmt`` (a str, or a dict for json)."""
    from numeric.rules import NORMS

    from ..cli.commands._limits import FORCE
    from ..cli.commands._symbolic import model_sizes
    from ..cli.values import UsageError, choice, integer
    from .jacobian import cell_jacobian
    from .printing.jacobian import jacobian_json, jacobian_latex, jacobian_pretty, jacobian_text

    cell = _cell(args)
    T, H = model_sizes(args)[:2]
    t = T if t_flag is None else integer("--step", t_flag)
    k = integer("--k", k_flag, minimum=0)
    norm = choice("--norm", args.norm, tuple(NORMS))
    dims = dict(zip("HDV", model_sizes(args)[1:]))
    n = sum(dims[d] for d in cell.states.values())          # entries of the stacked state s_t
    if args.expanded and n > 1 and 0 <= k < t and n ** (t - k) > EXPANDED_LIMIT and not args.force:
        raise UsageError(f"--expanded grows like n^(t-k) terms per entry (n = {n} stacked state entries; got "
                         f"t - k = {t - k}); drop --expanded (the product is printed over the graph's nodes), "
                         f"choose a smaller gap or hidden size, or add {FORCE} to run it anyway.")
    size = _JACOBIAN_BASE * n * n * (max(1.0, _JACOBIAN_GROWTH * n)) ** max(t - k - 1, 0)
    g = _graph(args, cell, loss=False, nbytes=size, what=f"∂s_{t}/∂s_{k}")
    J = cell_jacobian(g, t, k)
    printer = {"text": jacobian_text, "pretty": jacobian_pretty, "latex": jacobian_latex, "json": jacobian_json}[fmt]
    return printer(J, bound=args.bound, expanded=args.expanded, norm=norm)


def example_printed(args: argparse.Namespace, fmt: str, number_flags) -> str | dict:
    """``bptt example --cell gru|lstm``: the canonical scalar example in ``fmt``."""
    from ..cli.commands._limits import refuse_unused
    from ..cli.values import choice, integer
    from .example import canonical, worked_example
    from .printing.example import example_json, example_latex, example_markdown, example_text

    choice("--cell", args.cell, ["elman", *sorted(canonical()["cells"])])
    flags = {flag: dest for dest, flag, _ in number_flags}
    flags.update({"--x": "x", "--targets": "targets", "--activation": "activation", "--loss": "loss",
                  "--loss-at": "loss_at"})
    refuse_unused(args, flags, f"to the elman example (--cell {args.cell} uses its canonical values)")
    if fmt == "json":
        refuse_unused(args, {"--digits": "digits"}, "to text, markdown and latex (JSON holds exact forms and floats)")
    digits = integer("--digits", "6" if args.digits is None else args.digits, maximum=50)
    ex = worked_example(args.cell, digits=digits if fmt != "json" else 17)
    return {"text": example_text, "markdown": example_markdown, "latex": example_latex,
            "json": example_json}[fmt](ex)
