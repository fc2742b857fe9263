"""Analysis around the engine: why gradients vanish or explode, what BPTT costs in memory, and
how much a truncation can drop.

- ``jacobians``: step Jacobians ∂h_t/∂h_{t−1}, their products and norms, ``analyze``;
- ``memory``: the memory BPTT needs (the article's accounting, the engine's, measured);
- ``truncation_bound``: the bound on ‖full − truncated‖ for each gradient.
"""

from .jacobians import (VanishingReport, analyze, decay_crossing, jacobian_chain, log_norms_to_last,
                        loss_grad_norms, random_inputs, random_rnn, spectral_norm, spectral_radius,
                        step_jacobians)
from .memory import (MemoryReport, Sizes, article_memory, engine_bound, engine_memory, format_bytes,
                     measure_peak, sizes)
from .truncation_bound import TruncationBound, truncation_bound

__all__ = ["MemoryReport", "Sizes", "TruncationBound", "VanishingReport", "analyze", "article_memory",
           "decay_crossing", "engine_bound", "engine_memory", "format_bytes", "jacobian_chain",
           "log_norms_to_last", "loss_grad_norms", "measure_peak", "random_inputs", "random_rnn", "sizes",
           "spectral_norm", "spectral_radius", "step_jacobians", "truncation_bound"]
