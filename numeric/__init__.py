"""numeric: the fast NumPy half of bptt-toolkit (never imports SymPy)."""

from .bptt import BPTTResult, Segment, bptt, tbptt_segments
from .forward import ForwardCache, forward
from .params import PARAM_NAMES, Params
from .rules import ACTIVATIONS, LOSSES
from .truncation import Truncation, update_points

__all__ = [
    "ACTIVATIONS", "LOSSES", "PARAM_NAMES", "BPTTResult", "ForwardCache", "Params", "Segment",
    "Truncation", "bptt", "forward", "tbptt_segments", "update_points",
]

from .clip import clip_by_global_norm, clip_by_value
from .gradcheck import GradcheckEntry, GradcheckReport, gradcheck, numerical_gradient
from .reference import naive_bptt

__all__ += ["clip_by_global_norm", "clip_by_value", "GradcheckEntry", "GradcheckReport", "gradcheck",
            "numerical_gradient", "naive_bptt"]

from .charmodel import CharModel, TrainHistory
from .chars import DEFAULT_TEXT, Vocab
from .jacobians import (VanishingReport, analyze, decay_crossing, jacobian_product, log_norms_to_last,
                        loss_grad_norms, random_inputs, random_rnn, spectral_norm, spectral_radius,
                        step_jacobians)
from .memory import article_memory, engine_bound, engine_memory, format_bytes, measure_peak, sizes
from .model_io import load_model, save_model
from .sample import sample
from .train import TrainConfig, TrainResult, train

__all__ += ["CharModel", "TrainHistory", "DEFAULT_TEXT", "Vocab", "VanishingReport", "analyze",
            "decay_crossing", "jacobian_product", "log_norms_to_last", "loss_grad_norms", "random_inputs",
            "random_rnn", "spectral_norm", "spectral_radius", "step_jacobians", "article_memory",
            "engine_bound", "engine_memory", "format_bytes", "measure_peak", "sizes", "load_model",
            "save_model", "sample", "TrainConfig", "TrainResult", "train"]

from .check import check_implementation
from .rnn_backward import RNNBackward, RowGrads, rnn_backward, rnn_backward_rows
from .testing import assert_bptt_correct

__all__ += ["check_implementation", "RNNBackward", "RowGrads", "rnn_backward", "rnn_backward_rows",
            "assert_bptt_correct"]

from .compare import magnitudes, relative_error, roundoff_error
from .rtrl import rtrl
from .truncation_bound import TruncationBound, truncation_bound
from .windowed import windowed_bptt

__all__ += ["magnitudes", "relative_error", "roundoff_error", "rtrl", "TruncationBound", "truncation_bound",
            "windowed_bptt"]
