"""The ``bptt`` command line: ``bptt = "derive.cli:main"``.

- ``app``: the parser and ``main`` (one line and exit status 2 for every bad value);
- ``values``: the checks of flag values every subcommand shares;
- ``commands/``: one module per subcommand (``HELP``, ``add_arguments``, ``run``);
- ``figures``: the matplotlib figures, imported only by the commands that draw.
"""

from .app import COMMANDS, build_parser, flag_message, main
from .values import UsageError

__all__ = ["COMMANDS", "UsageError", "build_parser", "flag_message", "main"]
