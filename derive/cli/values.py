"""Reading command-line values: the one family of checks every subcommand uses.

Flags are read as strings and checked in each command's ``run``, so that a bad value is one
line naming the flag and the accepted values (``bptt <cmd>: error: --T must be ...``), exit 2.
The library's own argument checks (numeric.validate) name Python parameters; these name flags.
"""

from __future__ import annotations

import argparse
from typing import Any, Iterable


class UsageError(Exception):
    """A bad command-line value; printed as one line, exit status 2."""


def braces(choices: Iterable[str]) -> str:
    """{a,b,c}: how --help shows a flag's choices."""
    return "{" + ",".join(choices) + "}"


def integer(flag: str, text: object, *, minimum: int = 1, maximum: int | None = None) -> int:
    """An ASCII decimal integer in [minimum, maximum] ('²' and '1e3' are refused)."""
    s = str(text).strip()
    ok = s.isascii() and s.lstrip("-").isdigit() and s.count("-") <= 1     # at most one leading minus
    n = int(s) if ok else None
    if n is None or n < minimum or (maximum is not None and n > maximum):
        accepted = f">= {minimum}" if maximum is None else f"from {minimum} to {maximum}"
        raise ValueError(f"{flag} must be an integer {accepted}; got {text!r}.")
    return n


def choice(flag: str, value: str | None, choices: Iterable[str]) -> str | None:
    """value if it is one of choices (None passes through: the flag was not given).

    The message lists a tuple or list of choices in its order, a table (dict, set) sorted."""
    listed = list(choices) if isinstance(choices, (tuple, list)) else sorted(choices)
    if value is not None and value not in listed:
        raise ValueError(f"{flag} {value!r} is not known; choose one of {', '.join(listed)}.")
    return value


def add_flag(group: Any, flag: str, *aliases: str, **kwargs: Any) -> None:
    """``group.add_argument(flag, **kwargs)`` plus hidden aliases: other spellings that scripts
    rely on keep working (``--hidden`` for ``--hidden-size``) while --help shows one per concept."""
    action = group.add_argument(flag, **kwargs)
    for alias in aliases:
        group.add_argument(alias, dest=action.dest, type=kwargs.get("type"), metavar=kwargs.get("metavar"),
                           default=argparse.SUPPRESS, help=argparse.SUPPRESS)
