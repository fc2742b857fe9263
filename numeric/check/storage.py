"""Where hypothesis keeps its files when the checker runs: the user's cache, not the cwd."""

from __future__ import annotations

import os


def cache_outside_cwd() -> None:
    """Point hypothesis's storage (its constants cache, written even with database=None) at
    ``$XDG_CACHE_HOME/bptt-toolkit/hypothesis`` (default ``~/.cache/...``) instead of a
    ``.hypothesis/`` folder in the current directory. An explicit HYPOTHESIS_STORAGE_DIRECTORY
    is kept; hypothesis reads the variable when it first needs storage, so call this before."""
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", os.path.join(cache, "bptt-toolkit", "hypothesis"))
