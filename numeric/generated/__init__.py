"""Generated BPTT engines, one module per activation x loss (committed output of `bptt generate`).

Each ``numeric.generated.bptt_<activation>_<loss>`` module is a drop-in second engine for
``numeric.bptt``: its ``bptt`` has the same signature and BPTTResult (full and truncated) for
its own activation and loss, and its ``forward`` matches ``numeric.forward``. The modules are
never edited by hand; `bptt generate --activation A --loss L` rewrites one, and
tests/test_codegen.py fails when a committed file differs from a fresh generation.

    >>> from numeric.generated import load
    >>> engine = load("tanh", "cross_entropy")
    >>> engine.ACTIVATION, engine.LOSS
    ('tanh', 'cross_entropy')
"""

from __future__ import annotations

import importlib
from types import ModuleType

from ..rules import ACTIVATIONS, LOSSES
from ..validate import check_activation, check_loss

MODULES: dict[tuple[str, str], str] = {
    (a, l): f"numeric.generated.bptt_{a}_{l}" for a in sorted(ACTIVATIONS) for l in sorted(LOSSES)
}


def load(activation: str, loss: str) -> ModuleType:
    """The generated module for one activation and loss (imported on first use)."""
    key = (check_activation(activation), check_loss(loss))
    return importlib.import_module(MODULES[key])


__all__ = ["MODULES", "load"]
