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
