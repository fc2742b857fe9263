"""The article's worked example, exactly: ``derive.example.worked_example()``.

- ``exact``: parsing and printing exact numbers (1/4, 0.1 = 1/10, tanh(1/2));
- ``canonical``: the canonical values (``worked_example.json``), without SymPy;
- ``values``: a value's compact form, closed form and decimals;
- ``worked``: the computation (forward, backward, gradients) and ``worked_example``;
- ``notes``: the article's statements, checked on the numbers;
- ``render`` / ``latex``: text, Markdown, JSON and LaTeX.

Importing the package is light (no SymPy): ``worked_example`` and ``WorkedExample`` are loaded
on first use from ``derive.example.worked`` (tests/test_layout.py imports every such path).
"""

from __future__ import annotations

import importlib

LAZY = {"worked_example": "derive.example.worked", "WorkedExample": "derive.example.worked"}

__all__ = list(LAZY)


def __getattr__(name: str):
    if name in LAZY:
        value = getattr(importlib.import_module(LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'derive.example' has no attribute {name!r}")
