"""The formats of a cell's unrolled graph (``bptt graph --cell``): text, pretty, LaTeX, JSON, DOT.

Every node of the CellGraph (a gate's pre-activation ``pre_i2``, the gate ``i2``, the states
``c2``, ``h2``, the output ``o2`` and loss ``L2``) with its definition over its parents, each
state's chain s_0 -> s_1 -> ... -> s_T (LSTM: h and c), and the edges (node <- parents).
"""

from __future__ import annotations

import sympy as sp

from ...printing.expressions import entries, latex, latex_symbol_names, parsable, pretty
from ...printing.latex_layout import TEXT_WIDTH, aligned_rows, text_rows
from ...printing.latex_width import tex_width
from .common import describe_graph, text


def _equations(g) -> list[str]:
    return str(g.cell).splitlines()[1:]


def chains(g) -> dict[str, list[str]]:
    """{state: [s0, s1, ..., sT]}: every state's chain through the steps."""
    return {s: [f"{s}{t}" for t in range(g.T + 1)] for s in g.cell.states}


def _parents(g) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for src, dst in g.edges:
        out.setdefault(dst, []).append(src)
    return out


def graph_text(g) -> str:
    """The node equations, the state chains and the edges, in the names of docs/symbols.md."""
    lines = [f"Unrolled {describe_graph(g)}", *(f"  {e.strip()}" for e in _equations(g)), ""]
    lines += [f"  {text(s)} = {text(rhs)}" for s, rhs in g.definitions.items()]
    lines += ["", "State chains (each step's gates and nodes lie between s_(t-1) and s_t):"]
    lines += [f"  {s}: {' -> '.join(c)}" for s, c in chains(g).items()]
    lines += ["", "Edges (node <- parents):"]
    lines += [f"  {dst} <- {', '.join(srcs)}" for dst, srcs in _parents(g).items()]
    return "\n".join(lines)


def graph_pretty(g) -> str:
    blocks = [f"Unrolled {describe_graph(g)}"]
    blocks += [pretty(sp.Eq(s, rhs, evaluate=False)) for s, rhs in g.definitions.items()]
    blocks.append("\n".join(f"{s}: {' -> '.join(c)}" for s, c in chains(g).items()))
    return "\n\n".join(blocks)


def graph_latex(g) -> str:
    """An ``aligned`` block, one node a line (a wide vector entry by entry), lines that fit the page."""
    rows: list[tuple] = []
    for s, rhs in g.definitions.items():
        pairs = list(zip(entries(s), entries(rhs)))
        if len(pairs) > 1 and tex_width(latex(rhs)) > 0.7 * TEXT_WIDTH:
            rows += [(latex(si), v) for (_, si), (_, v) in pairs]
        else:
            rows.append((latex(s), rhs))
    head = text_rows(f"Unrolled {describe_graph(g)}; state chains "
                     + ", ".join(f"{s}0 to {s}{g.T}" for s in g.cell.states) + ",")
    lines = head + aligned_rows(rows, names=latex_symbol_names)
    return "\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}"


def graph_json(g) -> dict:
    """Schema 1 as ``bptt graph --format json`` (T, settings with "cell", nodes, edges) plus
    "states" ({state: its chain}) and "equations" (the cell's step, for reading)."""
    return {"schema": 1, "T": g.T, "settings": g.settings,
            "nodes": [{"name": str(s), "definition": parsable(rhs)} for s, rhs in g.definitions.items()],
            "edges": [list(e) for e in g.edges], "states": chains(g),
            "equations": [e.strip() for e in _equations(g)]}


def graph_dot(g, *, show_params: bool = False) -> str:
    """DOT: inputs below, each state's chain in a row of its own, the gates between, losses above."""
    params = set(g.cell.params)
    lines = ["digraph unrolled {", "  rankdir=BT;", "  node [shape=circle, fontname=Helvetica];",
             f'  label="Unrolled {describe_graph(g)}; shared parameters {", ".join(g.cell.params)}";',
             "  labelloc=t;"]
    states = list(g.cell.states)
    for s in states:
        lines.append(f'  {s}0 [label="{s}0", shape=doublecircle];')
    for t in range(1, g.T + 1):
        lines.append(f'  x{t} [label="x{t}", shape=box];')
        for eq in g.cell.equations:
            style = ", style=bold" if eq.target in states else ""
            lines.append(f'  {eq.target}{t} [label="{eq.target}{t}"{style}];')
    for t in g.loss_steps:
        if g.cell.readout_equation is not None:
            lines.append(f'  o{t} [label="o{t}"];')
        lines.append(f'  y{t} [label="y{t}", shape=box];')
        lines.append(f'  L{t} [label="L{t}", shape=diamond];')
    lines.append('  L [label="L", shape=diamond];')
    for s, chain in chains(g).items():
        lines.append(f"  {{ rank=same; {' '.join(chain)}; }}")
    lines.append(f"  {{ rank=same; {' '.join(f'x{t}' for t in range(1, g.T + 1))}; }}")
    losses = [f"L{t}" for t in g.loss_steps]
    if len(losses) > 1:
        lines.append(f"  {{ rank=same; {' '.join(losses)}; }}")
        lines.append(f"  {' -> '.join(losses)} [style=invis];")
    chain_edges = {(f"{s}{t - 1}", f"{s}{t}") for s in states for t in range(1, g.T + 1)}
    for src, dst in g.edges:
        if src in params:
            continue
        lines.append(f"  {src} -> {dst}{' [style=bold]' if (src, dst) in chain_edges else ''};")
    if show_params:
        lines += [f'  {p} [label="{p}", shape=box, style=dashed];' for p in g.cell.params]
        lines += [f"  {src} -> {dst} [style=dashed];" for src, dst in g.edges if src in params]
    lines.append("}")
    return "\n".join(lines)
