"""A seeded check draws the same cases whatever else is loaded.

Hypothesis mixes constants read from every loaded project module into its draws; without
``numeric.check.storage.drawn_from_the_seed_alone`` a check's cases (and so its counts and
counterexample) changed when the process had imported more of the project (measured: the
log-epsilon note's "76 cases" became "82 cases" after importing derive.cells and friends).
Here hypothesis's pool is filled with the constants of many project modules, as a process that
imported them would have, and the seeded check must report exactly what it reports without.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
from pathlib import Path

from hypothesis.internal.conjecture import providers

from numeric.check import check_implementation


def _load(name: str):
    """A file of tests/broken_impls as a module, without touching sys.path."""
    path = Path(__file__).parent / "broken_impls" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"reproducible_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


correct_log_eps = _load("correct_log_eps")   # its report counts the drawn cases where the idiom mattered

MODULES = ("derive.cells.printing.derivation", "derive.cells.jacobian", "derive.codegen.cells.module",
           "numeric.checkpoint.schedule", "numeric.check.mistakes.catalog", "derive.verify.cells.properties")


def _report(fn):
    return json.loads(check_implementation(fn, examples=50, seed=0).to_json())


def test_seeded_check_is_the_same_whatever_constants_hypothesis_has_collected(monkeypatch):
    monkeypatch.setattr(providers, "_get_local_constants", lambda: type(providers._local_constants)())
    before = _report(correct_log_eps.column)
    pool = type(providers._local_constants)()
    for name in MODULES:
        pool |= providers.constants_from_module(importlib.import_module(name))
    assert len(pool) > 50          # the pool is not trivially empty
    monkeypatch.setattr(providers, "_get_local_constants", lambda: pool)
    providers.CONSTANTS_CACHE.cache.clear()     # as hypothesis does when its pool grows
    assert _report(correct_log_eps.column) == before
