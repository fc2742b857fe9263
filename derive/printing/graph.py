"""The unrolled graph's formats: text, pretty, LaTeX, JSON and DOT (``Unrolled.to_*``)."""

from __future__ import annotations

import sympy as sp

from ..symbols import PARAM_NAMES
from .expressions import (activation_line, describe, entries, latex, latex_symbol_names, parsable, pretty,
                          text, unicode_text)
from .latex_layout import TEXT_WIDTH, aligned_rows
from .latex_width import tex_width
from .unicode import letter_subscripts

GRAPH_EQUATIONS = "a_t = W_xh x_t + W_hh h_{t-1} + b_h,  h_t = f(a_t),  o_t = W_hy h_t + b_y,  L = Σ_t L_t"


def graph_text(u, *, unicode: bool = False) -> str:
    """Plain text, or with ``unicode`` the node equations in Unicode names (a₁, h₁; ``--format unicode``)."""
    letters = letter_subscripts(*u.definitions.values())
    show = (lambda e: unicode_text(e, letters=letters)) if unicode else text
    lines = [f"Unrolled RNN: {describe(u)}", f"  {GRAPH_EQUATIONS}", f"  {activation_line(u.activation)}", ""]
    lines += [f"  {show(s)} = {show(rhs)}" for s, rhs in u.definitions.items()]
    parents: dict[str, list[str]] = {}
    for src, dst in u.edges:
        parents.setdefault(dst, []).append(src)
    lines += ["", "Edges (node <- parents):"]
    lines += [f"  {dst} <- {', '.join(srcs)}" for dst, srcs in parents.items()]
    return "\n".join(lines)


def graph_unicode(u) -> str:
    """``bptt graph --format unicode``."""
    return graph_text(u, unicode=True)


def graph_pretty(u) -> str:
    letters = letter_subscripts(*u.definitions.values())
    blocks = [f"Unrolled RNN: {describe(u)}"]
    blocks += [pretty(sp.Eq(s, rhs, evaluate=False), letters=letters) for s, rhs in u.definitions.items()]
    return "\n\n".join(blocks)


def graph_latex(u) -> str:
    """An ``aligned`` block, one node a line (a wide vector entry by entry; latex_layout)."""
    rows: list[tuple] = []
    for s, rhs in u.definitions.items():
        pairs = list(zip(entries(s), entries(rhs)))
        if len(pairs) > 1 and tex_width(latex(rhs)) > 0.7 * TEXT_WIDTH:
            rows += [(latex(si), v) for (_, si), (_, v) in pairs]
        else:
            rows.append((latex(s), rhs))
    lines = aligned_rows(rows, names=latex_symbol_names)
    return "\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}"


def graph_json(u) -> dict:
    return {"schema": 1, "T": u.T, "settings": u.settings,
            "nodes": [{"name": str(s), "definition": parsable(rhs)} for s, rhs in u.definitions.items()],
            "edges": [list(e) for e in u.edges]}


def graph_dot(u, *, show_params: bool = False) -> str:
    """DOT of the unrolled picture: inputs below, the hidden chain left to right, losses above."""
    lines = ["digraph unrolled {", "  rankdir=BT;", "  node [shape=circle, fontname=Helvetica];",
             f'  label="Unrolled RNN, {describe(u)}; shared weights W_xh, W_hh, b_h, W_hy, b_y";',
             "  labelloc=t;"]
    T = u.T
    lines.append('  h0 [label="h0", shape=doublecircle];')
    for t in range(1, T + 1):
        lines.append(f'  x{t} [label="x{t}", shape=box];')
        lines.append(f'  a{t} [label="a{t}"];')
        lines.append(f'  h{t} [label="h{t}"];')
    for t in u.loss_steps:
        lines.append(f'  o{t} [label="o{t}"];')
        lines.append(f'  y{t} [label="y{t}", shape=box];')
        lines.append(f'  L{t} [label="L{t}", shape=diamond];')
    lines.append('  L [label="L", shape=diamond];')
    chain = " ".join(["h0"] + [n for t in range(1, T + 1) for n in (f"a{t}", f"h{t}")])
    lines.append(f"  {{ rank=same; {chain}; }}")
    lines.append(f"  {{ rank=same; {' '.join(f'x{t}' for t in range(1, T + 1))}; }}")
    # the losses in time order, left to right: with --params the dashed parameter edges would
    # otherwise let dot reorder L1 .. LT (a rank fixes the row, invisible edges the order)
    losses = [f"L{t}" for t in u.loss_steps]
    if len(losses) > 1:
        lines.append(f"  {{ rank=same; {' '.join(losses)}; }}")
        lines.append(f"  {' -> '.join(losses)} [style=invis];")
    label = {("x", "a"): "W_xh", ("h", "a"): "W_hh", ("a", "h"): u.activation, ("h", "o"): "W_hy"}
    for src, dst in u.edges:
        if src in PARAM_NAMES:
            continue
        key = (src.rstrip("0123456789"), dst.rstrip("0123456789"))
        attrs = f' [label="{label[key]}"]' if key in label else ""
        lines.append(f"  {src} -> {dst}{attrs};")
    if show_params:
        for name in PARAM_NAMES:
            lines.append(f'  {name} [label="{name}", shape=box, style=dashed];')
        lines += [f"  {src} -> {dst} [style=dashed];" for src, dst in u.edges
                  if src in PARAM_NAMES]
    lines.append("}")
    return "\n".join(lines)
