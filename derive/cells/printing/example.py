"""The formats of a gated cell's worked example (``bptt example --cell lstm|gru``).

text (``example_text``), markdown (tables by step), LaTeX (an ``aligned`` block whose lines fit
the page; ``--standalone`` wraps it) and JSON, schema 1 in the elman example's layout
(parameters with x and targets, settings, forward by step, loss, backward by step, gradients;
each number ``{"exact": S, "value": float}``) plus "cell" (top level and in settings). A node's
"exact" is its closed form over the earlier nodes at the canonical values (``pre_r2`` = -h1/2 - 1/2),
which ``sympy.sympify`` parses in the names of docs/symbols.md; "value" is its float.
"""

from __future__ import annotations

import re
from typing import Any

import sympy as sp

from ...printing.expressions import latex, latex_symbol_names
from ...printing.latex_layout import aligned_rows, text_rows


def _head(ex) -> str:
    return f"Worked example: cell {ex.cell}, T = {ex.T}, H = D = V = 1, half_sse at every step"


def example_text(ex) -> str:
    """The example as text: the values, then forward nodes, δ and gradients (exact = decimal)."""
    lines = [_head(ex), f"  {ex.note}", "", "Values: " + ", ".join(f"{k} = {v}" for k, v in ex.values.items()), "",
             "Forward:"]
    lines += [f"  {v.name} = {v.exact} = {v.decimal}" for v in ex.nodes.values()]
    lines += ["", "δ recursion (backward):"]
    lines += [f"  {v.name} = {v.decimal}" for v in ex.deltas.values()]
    lines += ["", "Gradients:"]
    lines += [f"  ∂L/∂{v.name} = {v.decimal}" for v in ex.gradients.values()]
    return "\n".join(lines)


_STEP = re.compile(r"^(.*?)(\d+)$")


def by_step(values: dict) -> tuple[dict[int, dict], dict]:
    """({t: {base name: Value}}, {name: Value} without a step): ``i2`` -> step 2, ``i``; ``L`` none."""
    steps: dict[int, dict] = {}
    rest: dict = {}
    for name, v in values.items():
        m = _STEP.match(name)
        if m and m.group(1):
            steps.setdefault(int(m.group(2)), {})[m.group(1)] = v
        else:
            rest[name] = v
    return steps, rest


def _table(steps: dict[int, dict]) -> list[str]:
    cols = list(dict.fromkeys(c for row in steps.values() for c in row))
    out = ["| t | " + " | ".join(cols) + " |", "|---" * (len(cols) + 1) + "|"]
    for t, row in sorted(steps.items()):
        out.append(f"| {t} | " + " | ".join(f"`{row[c].decimal}`" if c in row else "" for c in cols) + " |")
    return out


def example_markdown(ex) -> str:
    """Markdown: the cell, the values, the forward and backward tables by step, the gradients."""
    fwd, total = by_step(ex.nodes)
    bwd, _ = by_step(ex.deltas)
    lines = [f"# Backpropagation through time, exactly: cell {ex.cell}, T = {ex.T}", "", ex.note, "",
             "## Values", "", "`" + "   ".join(f"{k} = {v}" for k, v in ex.values.items()) + "`", "",
             "## Forward pass (decimals)", "", *_table(fwd), ""]
    lines += [f"`{k} = {v.decimal}`" for k, v in total.items()] + ["", "Exact, over the earlier nodes:", ""]
    lines += [f"- `{v.name} = {v.exact}`" for v in ex.nodes.values()]
    lines += ["", "## Backward pass: the δ recursion (decimals)", "", *_table(bwd), "", "## Gradients", "",
              "| parameter | ∂L/∂parameter |", "|---|---|"]
    lines += [f"| `{v.name}` | `{v.decimal}` |" for v in ex.gradients.values()]
    return "\n".join(lines) + "\n"


def _row(left: sp.Basic, v) -> tuple:
    return (latex(left), v.exact, f"\\approx {v.decimal}")


def example_latex(ex) -> str:
    """An ``aligned`` block: heading, values, every node, δ and gradient (exact \\approx decimal)."""
    rows: list = [(r,) for r in text_rows(_head(ex) + ", values:")]
    rows += [(r,) for r in text_rows(", ".join(f"{k} = {v}" for k, v in ex.values.items()) + ",")]
    rows += [(r,) for r in text_rows("forward,")] + [_row(sp.Symbol(v.name), v) for v in ex.nodes.values()]
    rows += [(r,) for r in text_rows("backward (the delta recursion),")]
    rows += [_row(sp.Symbol(v.name), v) for v in ex.deltas.values()]
    rows += [(r,) for r in text_rows("gradients,")]
    rows += [(f"\\frac{{\\partial L}}{{\\partial {latex(sp.Symbol(v.name))}}}", v.exact, f"\\approx {v.decimal}")
             for v in ex.gradients.values()]
    lines: list[str] = []
    for row in rows:
        lines += [row[0]] if len(row) == 1 else aligned_rows([row], names=latex_symbol_names)
    return "\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}"


def _number(v) -> dict:
    return {"exact": sp.sstr(v.exact), "value": float(v.decimal)}


def example_json(ex) -> dict[str, Any]:
    """Schema 1, the elman example's layout with the cell's names, plus "cell"."""
    inputs = {"x": "x{}", "targets": "y{}"}
    params = {k: {"exact": str(v), "value": float(v)} for k, v in ex.values.items() if not re.match(r"^[xy]\d+$", k)}
    for key, pattern in inputs.items():
        params[key] = [{"exact": str(ex.values[pattern.format(t)]), "value": float(ex.values[pattern.format(t)])}
                       for t in range(1, ex.T + 1)]
    fwd, total = by_step(ex.nodes)
    bwd, _ = by_step(ex.deltas)
    return {"schema": 1, "cell": ex.cell, "parameters": params,
            "settings": {"loss": ex.loss, "loss_at": ex.loss_at, "cell": ex.cell},
            "forward": [dict({"t": t}, **{k: _number(v) for k, v in row.items()}) for t, row in sorted(fwd.items())],
            "loss": _number(total["L"]),
            "backward": [dict({"t": t}, **{k: _number(v) for k, v in row.items()}) for t, row in sorted(bwd.items())],
            "gradients": {v.name: _number(v) for v in ex.gradients.values()}}
