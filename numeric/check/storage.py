"""Where hypothesis keeps its files when the checker runs: the user's cache, not the cwd."""

from __future__ import annotations

import os
from contextlib import contextmanager


def cache_outside_cwd() -> None:
    """Point hypothesis's storage (its constants cache, written even with database=None) at
    ``$XDG_CACHE_HOME/bptt-toolkit/hypothesis`` (default ``~/.cache/...``) instead of a
    ``.hypothesis/`` folder in the current directory. An explicit HYPOTHESIS_STORAGE_DIRECTORY
    is kept; hypothesis reads the variable when it first needs storage, so call this before."""
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", os.path.join(cache, "bptt-toolkit", "hypothesis"))


@contextmanager
def drawn_from_the_seed_alone():
    """Within this block, hypothesis draws from the seed alone.

    Hypothesis (6.1xx) also mixes in constants it reads from the source of every loaded
    project module (``_get_local_constants``), so the cases a seeded check draws would change
    with the toolkit's code, the user's file and whatever else was imported: "seed 0" would not
    name one run. The constants pool is switched off here (a private hook; where a hypothesis
    release lacks it, nothing is changed).
    """
    try:
        from hypothesis.internal.conjecture import providers
        original, empty = providers._get_local_constants, type(providers._local_constants)()
    except (ImportError, AttributeError, TypeError):
        yield
        return
    clear = getattr(getattr(providers, "CONSTANTS_CACHE", None), "cache", {}).clear  # values drawn from the pool
    providers._get_local_constants = lambda: empty
    clear()
    try:
        yield
    finally:
        providers._get_local_constants = original
        clear()
