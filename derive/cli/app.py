"""The ``bptt`` command line: a thin front end over one module per subcommand.

Each module in ``derive/cli/commands/`` defines ``HELP`` (one line), ``add_arguments(parser)``
and ``run(args) -> int``; heavy imports (SymPy, matplotlib) happen inside ``run``. Errors a
user can act on (ValueError/TypeError from the library, UsageError here) print one line on
stderr and exit with status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import re
import sys

from .. import __version__
from .commands import (analyze, check, derive, example, generate, gradcheck, graph, jacobian, memory, plot,
                       sample, train, verify)
from .values import UsageError

# Subcommands, in the order `bptt --help` lists them; each is derive/cli/commands/<name>.py
# (light modules: SymPy, matplotlib and hypothesis are imported inside their ``run``).
COMMANDS = {"example": example, "derive": derive, "jacobian": jacobian, "graph": graph,
            "generate": generate, "verify": verify, "check": check, "train": train, "sample": sample,
            "memory": memory, "analyze": analyze, "plot": plot, "gradcheck": gradcheck}


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad flag or value is one line on stderr (exit 2), like every other error."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="bptt",
        allow_abbrev=False,            # `--t 2` must not silently mean `--truncation 2`
        description="Derive, print, generate and verify Backpropagation Through Time for vanilla RNNs.",
    )
    parser.add_argument("--version", action="version", version=f"bptt-toolkit {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, mod in COMMANDS.items():
        p = sub.add_parser(name, help=mod.HELP, description=getattr(mod, "DESCRIPTION", mod.HELP),
                           allow_abbrev=False)
        mod.add_arguments(p)
        p.set_defaults(_run=mod.run, _flags=getattr(mod, "PARAM_FLAGS", {}))
    return parser


def flag_message(message: str, flags: dict[str, str]) -> str:
    """Name the flag, not the library's parameter: "H must be ..." -> "--hidden must be ...".

    flags: a command's PARAM_FLAGS (parameter name -> flag); only a leading name is replaced.
    """
    m = re.match(r"(\w+)(?=[ =])", message)
    return flags[m.group(1)] + message[m.end():] if m and m.group(1) in flags else message


def main(argv: list[str] | None = None) -> int:
    # hypothesis (bptt check / verify) keeps a cache; put it in the user's cache directory, not
    # a .hypothesis/ folder in whatever directory the command was run from
    from numeric.check.storage import cache_outside_cwd

    cache_outside_cwd()
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:                                   # name the subcommand whose flags were wrong
        sub = next(a for a in parser._actions if a.dest == "command").choices
        (sub[args.command] if args.command in sub else parser).error(
            f"unrecognized arguments: {' '.join(extra)}")
    if not getattr(args, "_run", None):
        parser.print_help()
        return 0
    try:
        code = args._run(args)
    except BrokenPipeError:                     # output piped into `head`: not an error
        return 0
    except (UsageError, ValueError, TypeError, OSError) as e:   # OSError: unwritable/directory paths
        print(f"bptt {args.command}: error: {flag_message(str(e), args._flags)}", file=sys.stderr)
        return 2
    except MemoryError as e:
        print(f"bptt {args.command}: error: not enough memory ({e}); choose smaller sizes", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"bptt {args.command}: interrupted", file=sys.stderr)
        return 130
    return int(code or 0)


if __name__ == "__main__":
    sys.exit(main())
