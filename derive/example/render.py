"""The worked example as text, Markdown and JSON (LaTeX: example_latex.py).

One layout for text and Markdown: setup, forward table, backward table, each step's
contribution to every gradient, the gradients, and the article's statements checked.
Decimals have ``digits`` significant digits; exact forms name each irrational hidden state
h_t by the symbol ``h<t>`` (defined in the forward table); JSON carries the closed forms with
those substituted.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import sympy as sp

from .values import GRADIENTS, PARAMETERS, Value, check_digits
from .notes import DERIV_NAME, article_notes

# "the article" of every page and message, named once (README.md, docs/index.md)
ARTICLE = '"Backpropagation Through Time", a chapter of the Language AI Handbook by Michael Brenndoerfer'

# derive.example.worked.WorkedExample, taken by what it has, not imported: the example's display
# methods import this module at the top of theirs, one way, without an import circle.
WorkedExample = Any

SCHEMA = 1
ACT_TEXT = {"tanh": "tanh(a_t)", "sigmoid": "σ(a_t) = 1/(1 + exp(−a_t))", "relu": "max(a_t, 0)",
            "identity": "a_t"}
DERIV_TEXT = {"tanh": "1 − h_t²", "sigmoid": "h_t·(1 − h_t)", "relu": "1 if a_t > 0 else 0",
              "identity": "1"}
MARK = {True: "✓", False: "✗", None: "·"}


def loss_text(ex: WorkedExample) -> str:
    """L_t in words, e.g. "L_t = ½(ŷ_t − y_t)² at every step"."""
    n = len(ex.loss_steps)
    form = {"half_sse": "½(ŷ_t − y_t)²", "sse": "(ŷ_t − y_t)²",
            "mse": "(ŷ_t − y_t)²" + (f"/{n}" if n > 1 else "")}[ex.loss]
    where = "at every step" if ex.loss_at == "all" else f"at the last step only (t = {ex.T})"
    total = " + ".join(f"L_{s}" for s in ex.loss_steps) if n <= 4 else f"L_1 + … + L_{ex.T}"
    mean = (f"  (mse: L is the mean of the {n} squared errors)" if ex.loss == "mse" and n > 1 else
            "  (mse over one step: the squared error itself)" if ex.loss == "mse" else "")
    return f"L_t = {form} {where};  L = {total}{mean}"


def _align(col: Sequence[str]) -> list[str]:
    """Line decimals up on their point (exact forms are left-aligned as they are)."""
    ints = [c.split(".")[0] if "." in c else c for c in col]
    w = max(len(i) for i in ints)
    return [" " * (w - len(i)) + c for c, i in zip(col, ints)]


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], decimals: bool = True, *,
           indent: str = "  ") -> list[str]:
    cols = [list(c) for c in zip(*rows)] if rows else [[] for _ in headers]
    if decimals:
        cols = [cols[0]] + [_align(c) for c in cols[1:]]
    widths = [max([len(h)] + [len(v) for v in c]) for h, c in zip(headers, cols)]
    fmt = lambda cells: indent + "   ".join(v.ljust(w) for v, w in zip(cells, widths)).rstrip()
    return [fmt(headers)] + [fmt(r) for r in zip(*cols)]


def recursion(ex: WorkedExample, t: int, pr: Callable[[sp.Expr], str] = sp.sstr,
              times: str = "*", delta: str = "δ_{}") -> str:
    """δ_t written as the article's recursion, W_hy ∂L_t/∂ŷ_t + W_hh f'(a_{t+1}) δ_{t+1},
    with the numbers of this example filled in: "h2 - 1/4 + 1/2*(1 - h3**2)*δ_3"."""
    b, p = ex.backward, ex.parameters
    direct = p["W_hy"] * b[t - 1].dyhat.compact
    if t == ex.T:
        return pr(direct)
    c = p["W_hh"]
    carry = product([abs(c), b[t].fprime.compact], pr, times, delta.format(t + 1))
    if c == 0 or carry == "0":
        return pr(direct)
    sign = " - " if c < 0 else " + "
    return (pr(direct) + sign + carry) if direct != 0 else ("-" if c < 0 else "") + carry


def product(factors: Sequence[sp.Expr], pr: Callable[[sp.Expr], str], times: str, last: str) -> str:
    """factors·last as text, dropping factors 1 and bracketing sums: "1/2*(1 - h3**2)*δ_3"."""
    if any(f == 0 for f in factors):
        return "0"
    out = [pr(f) if not isinstance(f, sp.Add) else f"({pr(f)})" for f in factors if f != 1]
    return times.join(out + [last])


def short_form(v: Value, limit: int = 160) -> sp.Expr | None:
    """v's compact form if it prints in at most ``limit`` characters, else None.

    Compact forms grow with the number of later steps they involve; for long sequences the
    tables keep to the recursion and the decimals (JSON has every closed form).
    """
    if not _at_most(v.compact, limit) or len(v.compact.free_symbols) > 6:   # certainly long
        return None
    return v.compact if len(sp.sstr(v.compact)) <= limit else None


def _at_most(expr: sp.Expr, nodes: int) -> bool:
    """True when expr has at most ``nodes`` nodes; stops counting there (no recursion: δ_1 of a
    long sequence nests T levels deep, beyond Python's recursion limit)."""
    stack = [expr]
    while stack and nodes >= 0:
        nodes -= 1
        stack.extend(stack.pop().args)
    return nodes >= 0 and not stack


def _compact(v: Value | sp.Expr) -> str:
    return sp.sstr(v.compact if isinstance(v, Value) else v)


def _chain(name: str, step: str, v: Value) -> str:
    """"δ_2 = <recursion> = <written out>" (the second part only when short and different)."""
    full = short_form(v)
    more = sp.sstr(full) if full is not None else None
    return f"{name} = {step}" + (f" = {more}" if more is not None and more != step else "")


def _numbers(vals: Sequence[Any]) -> str:
    return "(" + ", ".join(sp.sstr(v) for v in vals) + ")"


# ---- the shared walk through the example (text and Markdown differ only in the pen) ---------
def _sections(ex: WorkedExample, digits: int) -> list[tuple[str, list[tuple[str, Any]]]]:
    """[(section title, [(kind, payload), ...])] with kinds "p" (line), "eq" (formula line),
    "table" ((headers, rows, align decimals)), "list" (bullet lines), "exact" (lines of formulas,
    code in Markdown: their ** and * are not emphasis)."""
    d, dn = digits, DERIV_NAME[ex.activation]
    p = ex.parameters
    setup = [
        ("eq", f"a_t = W_xh·x_t + W_hh·h_(t−1) + b_h,   h_t = {ACT_TEXT[ex.activation]},   "
               f"ŷ_t = W_hy·h_t + b_y"),
        ("eq", loss_text(ex)),
        ("eq", "   ".join(f"{k} = {sp.sstr(p[k])}" for k in PARAMETERS) + f"   h_0 = {sp.sstr(p['h0'])}"),
        ("eq", f"x = {_numbers(ex.x)}   y = {_numbers(ex.targets)}   (T = {ex.T})"),
    ]
    fwd_dec = [[str(s.t), s.a.decimal(d), s.h.decimal(d), s.yhat.decimal(d),
                s.loss.decimal(d) if s.t in ex.loss_steps else "—"] for s in ex.forward]
    named = {s.t: sp.Symbol(f"h{s.t}") in ex.hidden for s in ex.forward}
    fwd_ex = [[str(s.t), _compact(s.a), (f"h{s.t} = " if named[s.t] else "") + _compact(s.h),
               _compact(s.yhat), _compact(s.loss) if s.t in ex.loss_steps else "—"] for s in ex.forward]
    forward = [
        ("table", (["t", "a_t", "h_t", "ŷ_t", "L_t"], fwd_dec, True)),
        ("eq", f"L = {ex.total_loss.decimal(d)}"),
        ("p", "Exact" + (", naming each irrational hidden state h_t by a symbol h1, h2, …:" if ex.hidden
                         else " (every value is rational):")),
        ("table", (["t", "a_t", "h_t", "ŷ_t", "L_t"], fwd_ex, False)),
        ("eq", f"L = {_compact(ex.total_loss)}"),
    ]
    back_rows = ex.backward[::-1]
    bwd_dec = [[str(b.t), b.dyhat.decimal(d), b.delta.decimal(d), b.fprime.decimal(d), b.da.decimal(d),
                b.decay.decimal(d)] for b in back_rows]
    backward = [
        ("eq", f"δ_T = W_hy·∂L_T/∂ŷ_T;   δ_t = W_hy·∂L_t/∂ŷ_t + W_hh·{dn}(a_(t+1))·δ_(t+1);   "
               f"∂L/∂a_t = {dn}(a_t)·δ_t,   {dn}(a_t) = {DERIV_TEXT[ex.activation]}"),
        ("table", (["t", "∂L_t/∂ŷ_t", "δ_t = ∂L/∂h_t", f"{dn}(a_t)", "∂L/∂a_t", f"W_hh·{dn}(a_t)"],
                   bwd_dec, True)),
        ("p", "Exact, step by step (then written out in h1, h2, … where that is short):"),
        ("exact", [_chain(f"δ_{b.t}", recursion(ex, b.t), b.delta) for b in back_rows]
                 + [_chain(f"∂L/∂a_{b.t}", product([b.fprime.compact], sp.sstr, "*", f"δ_{b.t}"), b.da)
                    for b in back_rows]),
    ]
    heads = ["t", "W_xh: ∂L/∂a_t·x_t", "W_hh: ∂L/∂a_t·h_(t−1)", "W_hy: ∂L_t/∂ŷ_t·h_t",
             "b_h: ∂L/∂a_t", "b_y: ∂L_t/∂ŷ_t"]
    con = [[str(b.t)] + [b.contrib[k].decimal(d) for k in PARAMETERS] for b in ex.backward]
    con.append(["sum"] + [ex.gradients[k].decimal(d) for k in PARAMETERS])
    contrib = [("table", (heads, con, True)),
               ("p", "Each column sums to that gradient; the exact terms are the header's products "
                     "of the exact values above (all of them: --format json).")]
    gdec = _align([ex.gradients[k].decimal(d) for k in GRADIENTS])
    w = max(len(g) for g in gdec)
    exact = {k: short_form(ex.gradients[k], 400) for k in GRADIENTS}
    grads = [("exact", [f"∂L/∂{k:<4} = {g.ljust(w)}   exact: "
                       + (_compact(exact[k]) if exact[k] is not None else "long; see --format json")
                       for k, g in zip(GRADIENTS, gdec)])]
    if ex.hidden:
        ctx = ex.backward[0].delta.context
        defs = ", ".join(f"{sp.sstr(s)} = {ctx.closed_str(s)}" for s in list(ex.hidden)[:3])
        more = ", …" if len(ex.hidden) > 3 else ""
        grads.append(("p", f"with {defs}{more} (--format json writes every value with these substituted)."))
    notes = [("list", [f"{MARK[n.holds]} {n.text}" + "".join(f"\n      {x}" for x in n.details)
                       for n in article_notes(ex, d)])]
    return [
        (f"Backpropagation through time, exactly: scalar RNN, T = {ex.T}", [
            ("p", f"The worked example of {ARTICLE}, with this toolkit's canonical values "
                  "(derive/example/worked_example.json; why these: docs/worked-example.md); every value can be "
                  "overridden, see bptt example --help." if ex.is_canonical else
                  f"The worked example of {ARTICLE}, with your values (the canonical ones: bptt example "
                  "without flags)."),
        ]),
        ("Setup", setup),
        (f"Forward pass (decimals to {d} significant digits)", forward),
        ("Backward pass" + (f", from t = {ex.T} down to 1" if ex.T > 1 else ""), backward),
        ("Each step's contribution to every gradient", contrib),
        ("Gradients", grads),
        ("What the article says, checked on these numbers", notes),
    ]


def _render(sections, *, title: Callable[[int, str], list[str]], eq: Callable[[str], str],
            table: Callable[[Sequence[str], Sequence[Sequence[str]]], list[str]],
            bullet: str) -> str:
    out: list[str] = []
    for i, (head, items) in enumerate(sections):
        out += title(i, head)
        for kind, payload in items:
            if kind == "p":
                out.append(payload if bullet == "- " else "  " + payload)
            elif kind == "eq":
                out.append(eq(payload))
            elif kind == "table":
                out += table(*payload)
            elif kind == "exact" and bullet == "- ":
                out += [f"- `{line}`" for line in payload]
            else:
                out += [("" if bullet == "- " else "  ") + bullet + line for line in payload]
            if bullet == "- ":
                out.append("")
        if bullet != "- ":
            out.append("")
    return "\n".join(out).rstrip() + "\n"


def to_text(ex: WorkedExample, digits: int = 6) -> str:
    """A plain-text, step-by-step account (what ``bptt example`` prints)."""
    check_digits(digits)

    def title(i: int, head: str) -> list[str]:
        return [head, "=" * len(head), ""] if i == 0 else [head, "-" * len(head)]

    return _render(_sections(ex, digits), title=title, eq=lambda s: "  " + s,
                   table=_table, bullet="")


def to_markdown(ex: WorkedExample, digits: int = 6) -> str:
    """The same account as Markdown (tables, exact forms in code spans)."""
    check_digits(digits)

    def table(headers, rows, decimals) -> list[str]:
        code = lambda v: v if v in ("—", "sum") or v.isdigit() else f"`{v}`"
        lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
        return lines + ["| " + " | ".join(code(v) for v in r) + " |" for r in rows]

    def title(i: int, head: str) -> list[str]:
        return [("# " if i == 0 else "## ") + head, ""]

    text = _render(_sections(ex, digits), title=title, eq=lambda s: f"`{s}`", table=table, bullet="- ")
    return text.replace("\n      ", "\n  - ")


def to_json(ex: WorkedExample) -> dict[str, Any]:
    """The JSON contract (schema 1): every V is {"exact": closed form, "value": float}."""
    V = lambda v: (v if isinstance(v, Value) else Value(sp.sympify(v))).to_json()
    params: dict[str, Any] = {k: V(ex.parameters[k]) for k in PARAMETERS + ("h0",)}
    params["x"] = [V(v) for v in ex.x]
    params["targets"] = [V(v) for v in ex.targets]
    return {
        "schema": SCHEMA,
        "parameters": params,
        "settings": {"activation": ex.activation, "loss": ex.loss, "loss_at": ex.loss_at},
        "forward": [{"t": s.t, "a": V(s.a), "h": V(s.h), "yhat": V(s.yhat), "loss": V(s.loss)}
                    for s in ex.forward],
        "loss": V(ex.total_loss),
        "backward": [{"t": b.t, "delta": V(b.delta), "da": V(b.da),
                      "contrib": {k: V(b.contrib[k]) for k in PARAMETERS}} for b in ex.backward],
        "gradients": {k: V(ex.gradients[k]) for k in GRADIENTS},
    }


__all__ = ["SCHEMA", "loss_text", "product", "recursion", "short_form", "to_json", "to_markdown", "to_text"]
