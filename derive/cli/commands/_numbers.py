"""``--values NAME=v,...`` of `bptt derive` and `bptt jacobian`: the printed expressions in numbers.

The numbers are read exactly (derive.example.exact: 1/2, 0.1, 1e-3) and substituted into the
printed expressions, which are shown exactly and in decimals, as `bptt example` does. Every leaf
of the graph (the parameters, h0, the inputs x1..xT and, for derive, the targets y1..yT) needs a
value; the nodes a_t, h_t, o_t and δ_t are computed from them step by step (derive.evaluate).
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from ..values import UsageError

from ._symbolic import VALUES_FLAG as FLAG
DIGITS = 15            # significant digits of the decimals (mpmath: the same on every machine)
EXACT_CHARS = 300      # a longer exact form (nested tanh) is summarised by its length


def parse_values(text: str) -> dict[str, sp.Rational]:
    """{name: exact number} from ``W_hh=1/2,x1=0.25``; one line naming --values on bad input."""
    from derive.example.exact import ACCEPTED, parse_number

    out: dict[str, sp.Rational] = {}
    for i, item in enumerate(text.split(","), start=1):
        name, eq, value = item.partition("=")
        name = name.strip()
        if not eq or not name.isidentifier():
            raise UsageError(f"{FLAG} item {i} must be NAME=value (value {ACCEPTED}); got {item.strip()!r}.")
        if name in out:
            raise UsageError(f"{FLAG} gives {name} twice; give each name once.")
        out[name] = parse_number(value, name=f"{FLAG} {name}")
    return out


def check_scalar(u) -> None:
    if not u.scalar:
        raise UsageError(f"{FLAG} takes the scalar sizes only (H = D = V = 1) for now; got H = {u.hidden_size}, "
                         f"D = {u.input_size}, V = {u.output_size}. Drop {FLAG} or the sizes.")


def numbers(value: Any) -> dict[str, str]:
    """{"exact": sympify-able string, "decimal": DIGITS significant digits} of one number."""
    from derive.printing.expressions import parsable

    return {"exact": parsable(value), "decimal": str(sp.N(value, DIGITS))}


def resolve(u, given: dict[str, sp.Rational]) -> dict:
    """Leaf values for derive.evaluate, with its message (missing or unknown names) under --values."""
    from derive.evaluate import resolve_values

    try:
        resolve_values(u, dict(given))
    except ValueError as e:
        raise UsageError(f"{FLAG} {str(e).removeprefix('values ')}") from None
    return dict(given)


def lines(rows: list[tuple[str, Any]], show) -> list[str]:
    """Text lines ``label = exact ≈ decimal``; ``show`` prints the exact form (text or unicode)."""
    out = []
    for label, value in rows:
        exact = show(value)
        if len(exact) > EXACT_CHARS:
            exact = f"(exact form of {len(exact)} characters: --format json)"
        out.append(f"  {label} = {exact} ≈ {sp.N(value, DIGITS)}")
    return out


def attach(out: Any, given: dict, rows: list[tuple[str, str, Any]], *, unicode: bool = False) -> Any:
    """The printed output with the values: a "values" key in JSON ({"given", key: {"exact",
    "decimal"}}), else a section after the text. rows: (JSON key, label, exact value)."""
    from derive.printing.expressions import parsable, text, unicode_text

    if isinstance(out, dict):
        return dict(out, values={"given": {n: parsable(v) for n, v in given.items()},
                                 **{key: numbers(v) for key, _, v in rows}})
    show = unicode_text if unicode else text
    at = ", ".join(f"{n} = {show(v)}" for n, v in given.items())
    return "\n".join([out, "", f"Values at {at} (exact ≈ decimal, {DIGITS} significant digits):",
                      *lines([(label, v) for _, label, v in rows], show)])


def check_format(fmt: str) -> None:
    if fmt in ("latex", "dot"):
        raise UsageError(f"{FLAG} adds numbers to --format text, unicode, pretty or json; got --format {fmt}.")


def jacobian_rows(u, J, text_values: str) -> tuple[dict, list[tuple[str, str, Any]]]:
    """(given values, rows) of `bptt jacobian --values`: the product ∂h_t/∂h_k and its bound."""
    check_scalar(u)
    given = parse_values(text_values)
    leaves = {str(s): s for s in u.leaves}
    unknown = [n for n in given if n not in leaves]
    if unknown:
        raise UsageError(f"{FLAG} has unknown names {unknown}; the leaves are {', '.join(leaves)}.")
    val = {leaves[n]: v for n, v in given.items()}
    for sym, rhs in u.definitions.items():          # the nodes, forward, as far as the leaves reach
        if rhs.free_symbols <= set(val):
            val[sym] = rhs.xreplace(val)
    product = J.product.xreplace(val)
    missing = sorted(str(s) for s in J.expanded().free_symbols if s not in val)
    if missing or not product.is_number:
        raise UsageError(f"{FLAG} is missing {missing}: ∂h_{J.t}/∂h_{J.k} depends on them.")
    rows = [("product", f"∂h_{J.t}/∂h_{J.k}", product),
            ("bound", f"(γ|W_hh|)^{J.t - J.k}", J.bound.xreplace(val))]
    return given, rows


def derivation_rows(d, names, text_values: str) -> tuple[dict, list[tuple[str, str, Any]]]:
    """(given values, rows) of `bptt derive --values`: L and each gradient shown."""
    from derive.evaluate import evaluate

    check_scalar(d.unrolled)
    given = resolve(d.unrolled, parse_values(text_values))
    ev = evaluate(d, given)
    return given, [("L", "L", ev.loss)] + [(n, f"∂L/∂{n}", ev[n]) for n in names]
