"""load_target("path/to/file.py:function"): import a user's file in-process, as pytest does.

The file is executed as a module (not as ``__main__``, so code under
``if __name__ == "__main__":`` does not run); its directory is put first on sys.path so it can
import its neighbours. Whatever goes wrong is raised as TargetError with a one-line message.
"""

from __future__ import annotations

import importlib.util
import sys
import traceback
from pathlib import Path
from typing import Callable


class TargetError(Exception):
    """The file does not exist or import, or the function is missing or not callable."""


def _where(e: BaseException, path: Path) -> str:
    """' (line 12)' of the user's file if it is in the traceback, else the innermost frame."""
    if isinstance(e, SyntaxError) and e.lineno:
        return f" (line {e.lineno})"
    frames = traceback.extract_tb(e.__traceback__)
    mine = [f for f in frames if Path(f.filename).resolve() == path]
    if mine:
        return f" (line {mine[-1].lineno})"
    return f" (at {Path(frames[-1].filename).name}:{frames[-1].lineno})" if frames else ""


def load_target(target: str) -> tuple[Callable, str]:
    """Import ``path.py`` and return (its function, 'path.py:function').

    ``function`` may be dotted (``Model.backward`` for a static method or a class attribute).
    """
    path_text, sep, func = str(target).rpartition(":")
    if not sep or not path_text or not func:
        raise TargetError(f"target must be path/to/file.py:function; got {target!r}.")
    path = Path(path_text)
    if path.is_dir():
        raise TargetError(f"{path_text} is a directory; the target is path/to/file.py:function.")
    if path.exists() and not path.is_file():
        raise TargetError(f"{path_text} is not a regular file (a device, FIFO or socket); give a .py file.")
    if not path.is_file():
        raise TargetError(f"{path_text}: no such file.")
    path = path.resolve()
    name = f"bptt_check_target_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise TargetError(f"{path_text} cannot be imported as a Python module (is it a .py file?).")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    if str(path.parent) not in sys.path:
        sys.path.insert(0, str(path.parent))
    try:
        spec.loader.exec_module(module)
    except SystemExit as e:
        raise TargetError(f"importing {path_text} called sys.exit({e.code!r}); put the script's own "
                          "work under `if __name__ == \"__main__\":`.") from None
    except Exception as e:
        text = e.msg if isinstance(e, SyntaxError) else str(e)
        msg = text.strip().splitlines()[0] if text and text.strip() else ""
        raise TargetError(f"{path_text} does not import: {type(e).__name__}"
                          f"{': ' + msg if msg else ''}{_where(e, path)}.") from None
    obj = module
    for part in func.split("."):
        if not hasattr(obj, part):
            defined = sorted(n for n, v in vars(module).items()
                             if callable(v) and not n.startswith("_")
                             and getattr(v, "__module__", None) == name)
            raise TargetError(f"{path_text} has no function {func!r}; it defines {defined or 'no functions'}.")
        obj = getattr(obj, part)
    if not callable(obj):
        raise TargetError(f"{path_text}:{func} is not callable; it is {type(obj).__name__} {obj!r:.60}.")
    return obj, f"{path_text}:{func}"
