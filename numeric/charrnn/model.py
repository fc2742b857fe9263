"""CharModel: a char-level RNN (weights, vocabulary, settings) and TrainHistory, its loss record.

These are the values that ``numeric.charrnn.train`` produces, ``numeric.charrnn.sample`` reads and
``numeric.charrnn.save_model`` / ``numeric.charrnn.load_model`` write and read back bit-identically.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np

from .vocab import Vocab
from ..params import Params


@dataclass(frozen=True, eq=False)
class TrainHistory:
    """One entry per training step (parameter update).

    loss: (N,) the mean cross-entropy per character (nats) of the losses that step
      back-propagated, i.e. the segment's Σ L_t divided by its number of loss terms.
    smooth: (N,) exponential moving average of ``loss`` (factor ``SMOOTHING``), what the
      progress bar shows.
    seconds: wall-clock time of the whole run.
    """

    loss: np.ndarray
    smooth: np.ndarray
    seconds: float = 0.0

    SMOOTHING = 0.95

    @classmethod
    def from_losses(cls, loss, seconds: float = 0.0) -> "TrainHistory":
        loss = np.asarray(loss, dtype=np.float64)
        return cls(loss, smooth_losses(loss), float(seconds))

    @property
    def steps(self) -> int:
        return int(self.loss.shape[0])

    @property
    def final_loss(self) -> float:
        """The smoothed loss after the last step (nan when there were no steps)."""
        return float(self.smooth[-1]) if self.steps else float("nan")


def smooth_losses(loss: np.ndarray, factor: float = TrainHistory.SMOOTHING) -> np.ndarray:
    """s_0 = loss_0, s_i = factor · s_{i-1} + (1 - factor) · loss_i; (N,) -> (N,)."""
    out = np.empty_like(loss)
    s = loss[0] if loss.size else 0.0
    for i, v in enumerate(loss):
        s = factor * s + (1.0 - factor) * v
        out[i] = s
    return out


@dataclass(frozen=True, eq=False)
class CharModel:
    """A trained (or fresh) character-level RNN.

    params: Params with W_xh (H, V), W_hh (H, H), b_h (H,), W_hy (V, H), b_y (V,): inputs
      are one-hot characters, so D = V.
    vocab: the characters; index i of the one-hot input/output is ``vocab.chars[i]``.
    settings: JSON-able settings: at least ``activation`` and ``prefix`` (the default sampling
      prefix, the training text's first character), plus the training configuration.
    history: the training losses, or None.
    """

    params: Params
    vocab: Vocab
    settings: Mapping[str, Any] = field(default_factory=dict)
    history: TrainHistory | None = None

    def __post_init__(self) -> None:
        V, H = len(self.vocab), self.params.hidden_size
        if self.params.input_size != V or self.params.output_size != V:
            raise ValueError(f"a char model needs W_xh ({H}, {V}) and W_hy ({V}, {H}) for its {V}-character "
                             f"vocabulary; got W_xh {self.params.W_xh.shape}, W_hy {self.params.W_hy.shape}.")

    @property
    def activation(self) -> str:
        return str(self.settings.get("activation", "tanh"))

    @property
    def default_prefix(self) -> str:
        p = self.settings.get("prefix")
        return p if isinstance(p, str) and p and not self.vocab.unseen(p) else self.vocab.chars[0]
