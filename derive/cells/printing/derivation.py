"""The formats of a cell derivation: text, pretty, LaTeX and JSON (schema 1, with "cell").

The JSON layout is ``bptt derive --format json``'s (derive/printing/derivation.py) with the
cell's names: "delta" lists every adjoint (states and gate pre-activations, with "target"),
"gradients" every parameter and initial state; settings gain "cell". Strings parse with
``sympy.sympify`` in the names of docs/symbols.md; "matrix" (vector sizes) is for reading.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from ...printing.expressions import deep, entries, latex, latex_symbol_names, parsable, pretty
from ...printing.latex_layout import aligned_rows, entry_rows, text_rows
from ..derivation import CellDerivation
from ..notation import notation
from .common import describe_graph, text
from .truncated import dropped, paths, window_lines


def _meaning(a) -> str:
    return f"∂L/∂(pre-activation of {a.target})" if a.pre_activation else f"∂L/∂{a.target}"


def describe(d: CellDerivation) -> str:
    return (describe_graph(d.graph) + ("" if d.truncation is None else f", {d.truncation}"))


def derivation_text(d: CellDerivation, names=None, *, expanded: bool = False, cse: bool = False) -> str:
    names = list(names or d.gradient_names)
    g, n = d.graph, notation(d)
    lines = [f"BPTT derivation: {describe(d)}", *(f"  {line}" for line in str(d.cell).splitlines()[1:]), ""]
    if d.truncation is not None:
        lines += [*window_lines(d), ""]
    lines.append("δ recursion (the VJP table applied in reverse over one step; latest step first):")
    for a, m in zip(d.adjoints, n.adjoints):
        lines.append(f"  {text(m.symbol)} = {text(m.compact)}    [{_meaning(a)}]" if not g.scalar
                     else f"  {text(a.symbol)} = {text(a.compact)}    [{_meaning(a)}]")
    lines += ["", "Gradients (one term per step and use):"]
    reps, exp = _expanded(d, names, cse) if expanded else (None, {})
    for name in names:
        lines.append(f"  ∂L/∂{name} = {text(n.gradient(name))}")
        if not g.scalar:
            lines += [f"    {idx} = {text(v)}" for idx, v in entries(d.gradients[name])]
        if expanded:
            lines += [f"    expanded{idx} = {deep(text, v)}" for idx, v in entries(exp[name])]
        if d.truncation is not None:
            lines += _dropped_lines(d, name)
    if reps:
        lines += ["", "Common subexpressions of the expanded forms:"]
        lines += [f"  {s} = {deep(text, v)}" for s, v in reps]
    if d.truncation is not None:
        lines += ["", "Dropped adjoints (full - truncated): a window whose δ stops at step start > 1 drops "
                  "the adjoints it would pass to the states at start - 1; carried back to step 1:"]
        lines += [f"  {text(a.symbol)} = {text(a.compact)}" for a in _public(d, dropped(d).adjoints)] or ["  none (every window reaches step 1)"]
    return "\n".join(lines)


def _public(d, adjoints):
    pub = d.graph.public
    return [type(a)(a.target, a.t, a.tau, pub(a.symbol), pub(a.compact), a.pre_activation) for a in adjoints]


def _dropped_lines(d, name: str) -> list[str]:
    keep, drop = paths(d, name)
    total = dropped(d).total(name)
    return ([f"    dropped (full - truncated){idx} = {text(v)}" for idx, v in entries(total)]
            + [f"    surviving paths: {keep}", f"    dropped paths:   {drop}"])


def _expanded(d: CellDerivation, names, cse: bool):
    if cse:
        return d.expanded_cse(names)
    return None, {n: d.expanded(n) for n in names}


def derivation_pretty(d: CellDerivation, names=None, *, expanded: bool = False, cse: bool = False) -> str:
    names, n = list(names or d.gradient_names), notation(d)
    blocks = [f"BPTT derivation: {describe(d)}"]
    blocks += [pretty(sp.Eq(a.symbol, a.compact, evaluate=False)) for a in d.adjoints]
    for name in names:
        blocks.append(pretty(sp.Eq(sp.Symbol(f"∂L/∂{name}"), d.gradients[name], evaluate=False)))
    return "\n\n".join(blocks)


def derivation_latex(d: CellDerivation, names=None, *, expanded: bool = False, cse: bool = False) -> str:
    """An ``aligned`` block in matrix notation whose lines fit a 345 pt text width (latex_layout)."""
    names, n = list(names or d.gradient_names), notation(d)
    reps, exp = _expanded(d, names, cse) if expanded else (None, {})
    rows: list = [(r,) for r in text_rows("BPTT: " + describe(d) + ",")]
    rows += [(latex(m.symbol), m.compact) for m in n.adjoints]
    for name in names:
        lhs = f"\\frac{{\\partial L}}{{\\partial {latex(sp.Symbol(name))}}}"
        rows.append((lhs, n.gradient(name)))
        if expanded:
            rows += entry_rows(lhs, _breakable(exp[name], name), latex, r"\quad\text{(expanded)}")
        if d.truncation is not None:
            rows += entry_rows(f"\\Delta{lhs}", dropped(d).total(name), latex,
                               r"\quad\text{(dropped: full $-$ truncated)}")
    rows += [(latex(sym), _breakable(v, str(sym))) for sym, v in reps or []]
    if d.truncation is not None:
        rows += [(latex(s), v) for a in _public(d, dropped(d).adjoints) for s, v in zip(_flat(a.symbol), _flat(a.compact))]
    lines: list[str] = []
    for row in rows:
        lines += [row[0]] if len(row) == 1 else deep(aligned_rows, [row], names=latex_symbol_names)
    return "\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}"


def _breakable(e, name: str):
    """``e`` if the line breaker can break it (latex_layout.BREAK_LIMIT), else a one-line error."""
    from ...printing.latex_layout import BREAK_LIMIT
    size = max(len(latex(v)) for v in _flat(e))
    if size > BREAK_LIMIT:
        raise ValueError(f"--expanded --format latex: the expanded {name} is {size} characters, too long to break "
                         f"into lines that fit the page; add --cse, or use --format text or json.")
    return e


def _flat(v):
    return list(v) if isinstance(v, sp.MatrixBase) else [v]


def derivation_json(d: CellDerivation, names=None, *, expanded: bool = False, cse: bool = False) -> dict:
    names, g, tr, n = list(names or d.gradient_names), d.graph, d.truncation, notation(d)
    settings = dict(g.settings, truncation=None if tr is None else {"k1": tr.k1, "k2": tr.k2})
    reps, exp = _expanded(d, names, cse) if expanded else (None, {})

    def delta(a):
        item = {"t": a.t, "target": a.target, "symbol": parsable(a.symbol), "compact": parsable(a.compact)}
        return item if tr is None else dict(item, tau=a.tau)

    grads: dict[str, Any] = {}
    for name in names:
        item: dict[str, Any] = {"compact": parsable(d.gradients[name]),
                                "expanded": deep(parsable, exp[name]) if expanded else None}
        if tr is not None:
            item["dropped"] = parsable(dropped(d).total(name))
        if not g.scalar:
            item["matrix"] = text(n.gradient(name))
        item["contributions"] = [dict({"t": c.t, "value": parsable(c.value)}, **({} if tr is None else {"tau": c.tau}))
                                 for c in d.contributions(name)]
        grads[name] = item
    out: dict[str, Any] = {"schema": 1, "T": g.T, "settings": settings,
                           "delta": [delta(a) for a in d.adjoints], "gradients": grads}
    if reps is not None:
        out["cse"] = [[str(s), deep(parsable, v)] for s, v in reps]
    if tr is not None:
        out["windows"] = [{"tau": w.tau, "start": w.start, "losses": list(w.losses)} for w in d.windows]
    return out
