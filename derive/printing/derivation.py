"""The formats of a Derivation: text, pretty, LaTeX and the JSON contract of ``bptt derive``.

Every function takes the derivation, the gradient names to show (``names``), and whether to
add the expanded forms (``expanded``) and to print those with common subexpressions (``cse``).
JSON (schema 1, issue 3)::

    {"schema": 1, "T": N, "settings": {...}, "delta": [{"t", "symbol", "compact"[, "tau"]}...],
     "gradients": {"W_hh": {"compact": S, "expanded": S or null[, "dropped": S][, "matrix": M]
                            , "contributions": [{"t", "value"[, "tau"]}...]}, ...}
     [, "cse": [[name, S], ...]] [, "windows": [...]]}

S parses with ``sympy.sympify`` into the same expression in the contract's symbol names
(docs/symbols.md); a Matrix prints as ``Matrix([[...]])``. With ``cse`` the expanded
forms are written over temporaries c0, c1, ... listed in order under "cse". M (vector sizes)
is the matrix notation, for reading only.
"""

from __future__ import annotations

import functools
from typing import Any

import sympy as sp

from ..symbols import GRADIENT_NAMES
from .expressions import (activation_line, deep, describe, entries, latex, latex_symbol_names, parsable,
                          text, unicode_text)
from .expressions import pretty as _pretty
from .unicode import letter_subscripts
from .graph import GRAPH_EQUATIONS
from .latex_layout import TEXT_WIDTH, aligned_rows, entry_rows, text_rows
from .latex_width import tex_width

# derive.gradients.Derivation, taken by what it has, not imported: printing depends on the names
# (derive.symbols) only, so the core imports printing one way, without an import circle.
Derivation = Any

GENERIC_TEXT = {
    "W_hh": "Σ_t (f'(a_t) ⊙ δ_t) h_{t-1}ᵀ", "W_xh": "Σ_t (f'(a_t) ⊙ δ_t) x_tᵀ",
    "W_hy": "Σ_t (∂L_t/∂o_t) h_tᵀ", "b_h": "Σ_t f'(a_t) ⊙ δ_t", "b_y": "Σ_t ∂L_t/∂o_t",
    "h0": "W_hhᵀ (f'(a_1) ⊙ δ_1)"}
GENERIC_LATEX = {
    "W_hh": r"\sum_{t} \left(f'(a_t) \odot \delta_t\right) h_{t-1}^{\top}",
    "W_xh": r"\sum_{t} \left(f'(a_t) \odot \delta_t\right) x_{t}^{\top}",
    "W_hy": r"\sum_{t} \frac{\partial L_t}{\partial o_t} h_{t}^{\top}",
    "b_h": r"\sum_{t} f'(a_t) \odot \delta_t", "b_y": r"\sum_{t} \frac{\partial L_t}{\partial o_t}",
    "h0": r"W_{hh}^{\top} \left(f'(a_1) \odot \delta_1\right)"}
LATEX_NAME = {"W_hh": "W_{hh}", "W_xh": "W_{xh}", "W_hy": "W_{hy}", "b_h": "b_{h}", "b_y": "b_{y}",
              "h0": "h_{0}"}
DELTA_TEXT = "δ_t = ∂L_t/∂h_t + W_hhᵀ (f'(a_{t+1}) ⊙ δ_{t+1}),  ∂L_t/∂h_t = W_hyᵀ ∂L_t/∂o_t,  δ_T = ∂L_T/∂h_T"


def _names(names) -> list[str]:
    return list(GRADIENT_NAMES if names is None else names)


def _expanded(d: Derivation, names, cse: bool):
    """(cse replacements or None, {name: expanded or cse-reduced expression})."""
    if cse:
        return d.expanded_cse(names)
    return None, {n: d.expanded(n) for n in names}


def _term_label(t: int, tau: int | None, name: str) -> str:
    step = "h0" if name == "h0" else f"t = {t}"
    return step if tau is None else f"τ = {tau}, {step}"


def _truncation_lines(d: Derivation) -> list[str]:
    tr = d.truncation
    lines = [f"Truncation(k1={tr.k1}, k2={tr.k2}) (docs/derivation.md (10)): at each update point τ the "
             "losses τ_prev < t <= τ are back-propagated through steps max(1, τ-k2+1) .. τ:"]
    for w in d.windows:
        ls = ", ".join(f"L{t}" for t in w.losses)
        lines.append(f"  τ = {w.tau}: losses {ls}; δ reaches steps {w.start}..{w.tau}")
    return lines


def _paths_line(d: Derivation, name: str) -> str:
    terms = d.path_terms(name)
    def fmt(ok):
        by_t: dict[int, list[int]] = {}
        for p in terms:
            if p.surviving == ok:
                by_t.setdefault(p.t, []).append(p.s)
        return "; ".join(f"L{t} -> " + ",".join("h0" if s == 0 else f"s{s}" for s in sorted(ss))
                         for t, ss in by_t.items()) or "none"
    return f"    surviving paths: {fmt(True)}\n    dropped paths:   {fmt(False)}"


def derivation_text(d: Derivation, names=None, *, expanded: bool = False, cse: bool = False,
                    unicode: bool = False) -> str:
    """Plain text, or with ``unicode`` the same lines in Unicode names (h₁², δ₂; ``--format unicode``)."""
    names, u = _names(names), d.unrolled
    letters = letter_subscripts(*(e.compact for e in d.deltas))

    def show(e):
        return unicode_text(e, letters=letters) if unicode else text(e)

    lines = [f"BPTT derivation: {describe(u)}", f"  {GRAPH_EQUATIONS}", f"  {activation_line(u.activation)}", ""]
    if d.truncation is not None:
        lines += _truncation_lines(d) + [""]
    lines += [f"δ recursion (docs/derivation.md (2)-(3)): {DELTA_TEXT}"]
    for e in d.deltas:
        lines += [f"  {show(s)} = {show(v)}" for (_, s), (_, v) in zip(entries(e.symbol), entries(e.compact))]
    lines += ["", "Gradients (compact form: one term per step; docs/derivation.md (4)-(8)):"]
    reps, exp = _expanded(d, names, cse) if expanded else (None, {})
    for n in names:
        g = d.gradients[n]
        lines.append(f"  ∂L/∂{n} = {GENERIC_TEXT[n]}")
        if g.matrix is not None:
            lines.append(f"    matrix notation: {show(g.matrix)}")
        if u.scalar:
            terms = [f"{show(c.value)}    ({_term_label(c.t, c.tau, n)})" for c in g.contributions] or ["0"]
            lines.append("    = " + "\n    + ".join(terms))
        else:
            lines += [f"    {idx} = {show(v)}" for idx, v in entries(g.compact)]
        if expanded:
            lines += [f"    expanded{idx} = {deep(show, v)}" for idx, v in entries(exp[n])]
        if d.truncation is not None:
            lines += [f"    dropped (full - truncated){idx} = {show(v)}" for idx, v in entries(g.dropped)]
            lines.append(_paths_line(d, n))
    if reps:
        lines += ["", "Common subexpressions of the expanded forms:"]
        lines += [f"  {show(s)} = {deep(show, v)}" for s, v in reps]
    return "\n".join(lines)


def derivation_unicode(d: Derivation, names=None, *, expanded: bool = False, cse: bool = False) -> str:
    """``bptt derive --format unicode``: the text lines with h₁², δ₂, ∂."""
    return derivation_text(d, names, expanded=expanded, cse=cse, unicode=True)


def derivation_pretty(d: Derivation, names=None, *, expanded: bool = False, cse: bool = False) -> str:
    names, u = _names(names), d.unrolled
    letters = letter_subscripts(*(e.compact for e in d.deltas))
    pretty = functools.partial(_pretty, letters=letters)             # one subscript rule per output
    blocks = [f"BPTT derivation: {describe(u)}"]
    blocks += [pretty(sp.Eq(e.symbol, e.compact, evaluate=False)) for e in d.deltas]
    reps, exp = _expanded(d, names, cse) if expanded else (None, {})
    for n in names:
        g, lhs = d.gradients[n], sp.Symbol(f"∂L/∂{n}")
        if g.matrix is not None:
            blocks.append(pretty(sp.Eq(lhs, g.matrix, evaluate=False)))
        blocks.append(pretty(sp.Eq(lhs, g.compact, evaluate=False)))
        if expanded:
            blocks.append("expanded:\n" + deep(pretty, sp.Eq(lhs, exp[n], evaluate=False)))
        if d.truncation is not None:
            blocks.append("dropped (full - truncated):\n" + pretty(sp.Eq(lhs, g.dropped, evaluate=False)))
    for s, v in reps or []:
        blocks.append(deep(pretty, sp.Eq(s, v, evaluate=False)))
    return "\n\n".join(blocks)


def derivation_latex(d: Derivation, names=None, *, expanded: bool = False, cse: bool = False) -> str:
    """An ``aligned`` block whose lines fit a 345 pt text width (long sums break at + and -,
    wide matrices are written entry by entry; derive.printing.latex_layout)."""
    names, u = _names(names), d.unrolled
    rows: list[tuple] = []
    for e in d.deltas:
        pairs = list(zip(entries(e.symbol), entries(e.compact)))
        if len(pairs) > 1 and tex_width(latex(e.compact)) > 0.7 * TEXT_WIDTH:
            rows += [(latex(s), v) for (_, s), (_, v) in pairs]
        else:
            rows.append((latex(e.symbol), e.compact))
    reps, exp = _expanded(d, names, cse) if expanded else (None, {})
    for n in names:
        g = d.gradients[n]
        lhs = f"\\frac{{\\partial L}}{{\\partial {LATEX_NAME[n]}}}"
        rows.append((lhs, GENERIC_LATEX[n]))
        if g.matrix is not None:
            rows.append(("", g.matrix))
        rows += entry_rows("", g.compact, latex, label=lhs)
        if expanded:
            rows += entry_rows("", exp[n], latex, label=lhs)
        if d.truncation is not None:
            rows += entry_rows(f"\\Delta{lhs}", g.dropped, latex, r"\quad\text{(dropped: full $-$ truncated)}")
    rows += [(latex(s), v) for s, v in reps or []]
    lines = text_rows("BPTT: " + describe(u), TEXT_WIDTH - 60.0)
    lines += deep(aligned_rows, rows, names=latex_symbol_names)
    return "\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}"


def derivation_json(d: Derivation, names=None, *, expanded: bool = False, cse: bool = False) -> dict:
    names, u = _names(names), d.unrolled
    tr = d.truncation
    settings = dict(u.settings, truncation=None if tr is None else {"k1": tr.k1, "k2": tr.k2})

    def delta(e):
        item = {"t": e.t, "symbol": parsable(e.symbol), "compact": parsable(e.compact)}
        return item if tr is None else dict(item, tau=e.tau)

    reps, exp = _expanded(d, names, cse) if expanded else (None, {})
    grads = {}
    for n in names:
        g = d.gradients[n]
        item: dict[str, Any] = {"compact": parsable(g.compact),
                                "expanded": deep(parsable, exp[n]) if expanded else None}
        if tr is not None:
            item["dropped"] = parsable(g.dropped)
        if g.matrix is not None:
            item["matrix"] = text(g.matrix)
        item["contributions"] = [dict({"t": c.t, "value": parsable(c.value)}, **({} if tr is None or c.tau is None
                                                                                  else {"tau": c.tau}))
                                 for c in g.contributions]
        grads[n] = item
    out: dict[str, Any] = {"schema": 1, "T": u.T, "settings": settings,
                           "delta": [delta(e) for e in d.deltas], "gradients": grads}
    if reps is not None:
        out["cse"] = [[str(s), deep(parsable, v)] for s, v in reps]
    if tr is not None:
        out["windows"] = [{"tau": w.tau, "start": w.start, "losses": list(w.losses)} for w in d.windows]
    return out
