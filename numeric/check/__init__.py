"""Check anyone's BPTT: verify a user's implementation against the engine and pinpoint the bug.

``check_implementation(fn, ...)`` -> CheckReport (text and JSON); ``load_target("file.py:fn")``
imports a user's file the way ``bptt check`` does. See docs/check.md. Hypothesis is imported
only when a check runs, so importing this package stays light.
"""

from __future__ import annotations

from .core import check_implementation
from .report import SCHEMA, CheckReport, Counterexample
from .spec import CONVENTIONS, TOLERANCES, CheckSpec, Tolerance
from .target import TargetError, load_target

__all__ = ["check_implementation", "CheckReport", "Counterexample", "CheckSpec", "Tolerance",
           "TOLERANCES", "CONVENTIONS", "SCHEMA", "TargetError", "load_target"]
