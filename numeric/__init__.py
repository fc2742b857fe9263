"""numeric: the fast NumPy half of bptt-toolkit (never imports SymPy).

The root is the engine: the names below. Around it, subpackages with a small public face each:

- ``numeric.routes``: the independent routes the cross-checks compare (naive loop, RTRL,
  windowed truncation) and the round-off-aware comparison of their results;
- ``numeric.analysis``: Jacobians and vanishing/exploding gradients, memory, the truncation bound;
- ``numeric.charrnn``: the char-level RNN application (vocabulary, model, train, sample, files);
- ``numeric.check``: checking a user's implementation; ``numeric.strategies``: hypothesis
  strategies; ``numeric.generated``: the committed output of ``bptt generate``.

``check_implementation`` and ``assert_bptt_correct`` load the checker (and hypothesis) on first
use, so ``import numeric`` stays light. The names the root exported before the subpackages
existed (``numeric.train``, ``numeric.analyze``, ...) still work, loaded on first use from their
new homes (``OLD_NAMES``), but are not part of ``__all__``.
"""

from __future__ import annotations

import importlib

from .bptt import BPTTResult, Segment, bptt, tbptt_segments
from .checkpoint import Checkpointing
from .clip import clip_by_global_norm, clip_by_value
from .forward import ForwardCache, forward
from .gradcheck import GradcheckEntry, GradcheckReport, gradcheck, numerical_gradient
from .params import PARAM_NAMES, Params
from .rnn_backward import RNNBackward, RowGrads, rnn_backward, rnn_backward_rows
from .routes.rtrl import rtrl
from .rules import ACTIVATIONS, LOSSES
from .truncation import Truncation, update_points

# name -> module that defines it, imported on first use
LAZY = {"check_implementation": "numeric.check", "assert_bptt_correct": "numeric.check.testing"}

__all__ = ["ACTIVATIONS", "LOSSES", "PARAM_NAMES", "BPTTResult", "Checkpointing", "ForwardCache", "GradcheckEntry",
           "GradcheckReport", "Params", "RNNBackward", "RowGrads", "Segment", "Truncation", "bptt",
           "clip_by_global_norm", "clip_by_value", "forward", "gradcheck", "numerical_gradient",
           "rnn_backward", "rnn_backward_rows", "rtrl", "tbptt_segments", "update_points", *LAZY]

# The root's names before the subpackages: old name -> (module, name there).
OLD_NAMES = {
    **{n: ("numeric.routes", n) for n in ("naive_bptt", "windowed_bptt", "magnitudes", "relative_error",
                                          "roundoff_error")},
    **{n: ("numeric.analysis", n) for n in (
        "VanishingReport", "analyze", "decay_crossing", "log_norms_to_last", "loss_grad_norms",
        "random_inputs", "random_rnn", "spectral_norm", "spectral_radius", "step_jacobians",
        "article_memory", "engine_bound", "engine_memory", "format_bytes", "measure_peak", "sizes",
        "TruncationBound", "truncation_bound")},
    "jacobian_product": ("numeric.analysis", "jacobian_chain"),   # derive.jacobian_product is symbolic
    **{n: ("numeric.charrnn", n) for n in ("CharModel", "TrainHistory", "DEFAULT_TEXT", "Vocab", "load_model",
                                           "save_model", "sample", "TrainConfig", "TrainResult", "train")},
}


def __getattr__(name: str):
    if name in LAZY:
        module, attr = LAZY[name], name
    elif name in OLD_NAMES:
        module, attr = OLD_NAMES[name]
    else:
        raise AttributeError(f"module 'numeric' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), attr)
    globals()[name] = value
    return value
