"""Guards shared by the subcommands: unbounded work is refused up front, flags that do nothing
in the given combination are refused rather than ignored, and output files need their directory.

Every refusal is a ValueError (one line, exit status 2, see derive/cli/app.py). Work guards state
the estimated size or time and name ``--force``, the one flag that lifts them in every command.
"""

from __future__ import annotations

import argparse
from pathlib import Path

FORCE = "--force"
MAX_BYTES = 2_000_000          # printed or held: beyond ~2 MB a terminal or a pipe is swamped
MAX_MEMORY = 1_000_000_000     # held in memory (verb="need"): 1 GB, far below a laptop's RAM
MAX_SECONDS = 30.0             # beyond half a minute a refusal with the estimate is kinder


def add_force_argument(p: argparse.ArgumentParser) -> None:
    """``--force``: run even when the estimate exceeds the limits of ``check_work``."""
    p.add_argument("--force", action="store_true",
                   help=f"run even when the estimated output (> {_size(MAX_BYTES)}), memory "
                        f"(> {_size(MAX_MEMORY)}) or time (> {MAX_SECONDS:g} s) is beyond the limit")


def _size(n: float) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{n:.0f} bytes"


def _duration(s: float) -> str:
    if s >= 7200:
        return f"{s / 3600:.3g} hours"
    return f"{s / 60:.3g} minutes" if s >= 120 else f"{s:.2g} s"


def check_work(args: argparse.Namespace, what: str, *, nbytes: float = 0.0, seconds: float = 0.0,
               remedy: str, verb: str = "print") -> None:
    """Refuse ``what`` when it would take more than MAX_SECONDS or MAX_BYTES, unless --force.

    nbytes: the estimated output (or, with verb="need", memory) size; seconds: the estimated
    time; remedy: what to change instead, e.g. "choose a smaller --T".
    """
    most = MAX_MEMORY if verb == "need" else MAX_BYTES
    if getattr(args, "force", False) or (nbytes <= most and seconds <= MAX_SECONDS):
        return
    est = [f"{verb} about {_size(nbytes)}" if nbytes > most else "",
           f"take about {_duration(seconds)}" if seconds > MAX_SECONDS else ""]
    raise ValueError(f"{what} would {' and '.join(e for e in est if e)} (limits: {_size(most)}, "
                     f"{MAX_SECONDS:g} s); {remedy}, or add {FORCE} to run it anyway.")


def refuse_unused(args: argparse.Namespace, flags: dict[str, str], reason: str) -> None:
    """Refuse every flag in ``flags`` (flag -> argparse dest) that was given: it would do nothing.

    A flag counts as given when its value is not None and not False (store_true flags default to
    False, the others to None for this check); ``reason`` says when the flags apply.
    """
    given = [f for f, dest in flags.items()              # `is`: a given 0 (== False) is given
             if getattr(args, dest, None) is not None and getattr(args, dest) is not False]
    if given:
        names = " ".join(given)
        verb = "applies" if len(given) == 1 else "apply"
        raise ValueError(f"{names} {verb} only {reason}; drop {names}.")


def check_out_dir(flag: str, path: str | None) -> None:
    """An output file's directory must exist (no command creates directories for its output)."""
    if path is None or path == "-":
        return
    parent = Path(path).expanduser().parent
    if not parent.is_dir():
        raise FileNotFoundError(f"{flag} {path!r}: directory {str(parent)!r} does not exist; create it first.")
    if Path(path).is_dir():
        raise ValueError(f"{flag} {path!r} is a directory; give a file name.")
