"""A model-free gradient check: any fn(params) -> (loss, grads) against central differences.

``gradcheck_fn(fn, params)`` -> FnGradcheckReport, the escape hatch of ``bptt gradcheck
FILE.py:fn`` for models ``bptt check`` cannot express (docs/check.md). ``params`` is a dict of
arrays (the point); ``grads`` must hold one array per key, of the same shape. The verdicts
(pass / fail / inconclusive) and their soundness rules are those of numeric.gradcheck.
"""

from __future__ import annotations

from .answer import FnError, as_point, draw_point
from .core import gradcheck_fn
from .report import FnGradcheckReport

__all__ = ["gradcheck_fn", "FnGradcheckReport", "FnError", "as_point", "draw_point"]
