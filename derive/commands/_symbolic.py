"""Options shared by `bptt derive`, `bptt jacobian` and `bptt graph`, read strictly.

Values are taken as strings and checked in ``run`` so that every bad value (T < 1, an
unknown activation, "abc" for a size) is one line, ``bptt <cmd>: error: ...``, exit status 2.
"""

from __future__ import annotations

import argparse

from numeric.rules import ACTIVATIONS, LOSS_AT, LOSSES


def braces(choices) -> str:
    return "{" + ",".join(choices) + "}"


def add_model_arguments(p: argparse.ArgumentParser, *, loss: bool = True) -> None:
    """--T, --hidden-size, --input-size, --output-size, --activation[, --loss, --loss-at]."""
    g = p.add_argument_group("model")
    g.add_argument("--T", default="3", metavar="N", help="sequence length T >= 1 (default 3)")
    g.add_argument("--hidden-size", default="1", metavar="H", help="H (default 1)")
    g.add_argument("--input-size", default="1", metavar="D", help="D (default 1)")
    g.add_argument("--output-size", default="1", metavar="V", help="V (default 1); all three 1: scalar names")
    g.add_argument("--activation", default="tanh", metavar=braces(sorted(ACTIVATIONS)),
                   help="hidden activation f (default tanh; relu'(0) = 0)")
    if loss:
        g.add_argument("--loss", default="half_sse", metavar=braces(sorted(LOSSES)),
                       help="per-step loss (default half_sse = ½‖o_t − y_t‖²; cross_entropy takes "
                            "target probabilities y_t)")
        g.add_argument("--loss-at", dest="loss_at", default="all", metavar=braces(LOSS_AT),
                       help="a loss at every step (all, default) or only at the last (last)")


def integer(flag: str, text: str, *, minimum: int = 1) -> int:
    s = str(text).strip()
    if not (s.lstrip("-").isdigit() and s.isascii()) or int(s) < minimum:
        raise ValueError(f"{flag} must be an integer >= {minimum}; got {text!r}.")
    return int(s)


def choice(flag: str, value: str, choices) -> str:
    if value not in choices:
        raise ValueError(f"{flag} {value!r} is not known; choose one of {', '.join(sorted(choices))}.")
    return value


def unroll_from(args: argparse.Namespace, *, loss: bool = True):
    """The Unrolled graph the options describe (checked values, one-line errors)."""
    from derive.graph import unroll

    kw = dict(hidden_size=integer("--hidden-size", args.hidden_size),
              input_size=integer("--input-size", args.input_size),
              output_size=integer("--output-size", args.output_size),
              activation=choice("--activation", args.activation, ACTIVATIONS))
    if loss:
        kw.update(loss=choice("--loss", args.loss, LOSSES), loss_at=choice("--loss-at", args.loss_at, LOSS_AT))
    return unroll(integer("--T", args.T), **kw)


def emit(out) -> int:
    """Print text, or a dict as indented JSON."""
    import json
    print(json.dumps(out, indent=2, ensure_ascii=False) if isinstance(out, dict) else out)
    return 0
