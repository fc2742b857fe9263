"""Checkpointing: exact BPTT in memory that does not grow with T (docs/checkpointing.md).

``numeric.bptt(..., checkpoint=Checkpointing(slots=50))`` stores 50 hidden states and
recomputes the others by Griewank-Walther's binomial ("revolve") schedule.
"""

from .draw import draw
from .schedule import (POLICIES, Checkpointing, Schedule, beta, min_forward_steps, min_forward_steps_dp,
                       repetitions)

__all__ = ["POLICIES", "Checkpointing", "Schedule", "beta", "draw", "min_forward_steps", "min_forward_steps_dp",
           "repetitions"]
