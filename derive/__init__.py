"""derive: the symbolic (SymPy) half of bptt-toolkit.

Kept light on purpose: importing ``derive`` does not import SymPy, so ``bptt train`` and
other numeric commands start fast. The public names below are loaded on first use:
``derive.unroll`` (derive.graph), ``derive.derive_bptt`` (derive.gradients),
``derive.jacobian_product`` (derive.jacobian), ``derive.worked_example`` (derive.example).
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_LAZY = {
    "unroll": "derive.graph",
    "Unrolled": "derive.graph",
    "derive_bptt": "derive.gradients",
    "Derivation": "derive.gradients",
    "jacobian_product": "derive.jacobian",
    "evaluate_problem": "derive.route",
    "worked_example": "derive.example",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'derive' has no attribute {name!r}")
