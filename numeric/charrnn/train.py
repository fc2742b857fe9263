"""train(text, config): the classic char-RNN training loop on top of ``numeric.tbptt_segments``.

A step is one parameter update. The text is read as one stream per pass (epoch): the model
sees x_t = text[t-1] and predicts y_t = text[t] for t = 1 .. N-1. Gradients come from
truncated BPTT over that stream, ``Truncation(k1, k2)``; the default ``Truncation(25, 25)`` is
the classic char-RNN: 25-character chunks, the hidden state carried from chunk to chunk, the
gradient not. Each pass starts from h_0 = 0. The loop, as plain Python::

    for segment in tbptt_segments(params, one_hot(text[:-1]), text[1:], Truncation(k1, k2)):
        grads = clip(segment.grads)                        # clip_by_value / clip_by_global_norm
        cache += grads**2;  params -= lr * grads / sqrt(cache + 1e-8)      # adagrad (sgd: no cache)

Long texts are streamed in blocks of about ``BLOCK_STEPS`` characters so that only a block's
one-hot inputs are held; when k2 > k1 each block starts a few chunks early (with those losses
masked) so that every window still reaches k2 steps back, and the last block takes the
remainder, so a pass gives exactly the update points of ``Truncation(k1, k2)`` on the whole text.
"""

from __future__ import annotations

import math
import sys
import time
import warnings
from dataclasses import asdict, dataclass
from typing import Any, Iterator

import numpy as np

from ..bptt import Segment, tbptt_segments
from .model import CharModel, TrainHistory
from ..finite import quiet
from .vocab import DEFAULT_TEXT, Vocab, check_text
from ..clip import clip_by_global_norm, clip_by_value
from ..params import Params
from ..truncation import Truncation
from ..validate import check_activation, check_choice, check_positive_int, check_positive_real

OPTIMIZERS = ("adagrad", "sgd")
BLOCK_STEPS = 4096
ADAGRAD_EPS = 1e-8


def _check_rate(name: str, value: Any, *, allow_none: bool = False) -> float | None:
    if value is None and allow_none:
        return None
    return check_positive_real(name, value)


@dataclass(frozen=True)
class TrainConfig:
    """Settings of ``train``; the defaults are the classic char-RNN's.

    hidden: H. seq_length: chunk length, i.e. Truncation(seq_length, seq_length).
    truncation: None, an int k or Truncation(k1, k2); when given it replaces seq_length
      (k1 characters per update, back-propagated k2 steps). steps: parameter updates.
    optimizer: "adagrad" or "sgd", with learning rate lr. clip_value: element-wise clipping
      bound (None: off); clip_norm: global-norm clipping bound (None: off); at most one.
    seed: seeds the weight initialisation (N(0, scale²) weights, zero biases).
    """

    hidden: int = 100
    seq_length: int = 25
    steps: int = 2000
    lr: float = 0.1
    optimizer: str = "adagrad"
    clip_value: float | None = 5.0
    clip_norm: float | None = None
    truncation: Truncation | None = None
    seed: int = 0
    scale: float = 0.01
    activation: str = "tanh"

    def __post_init__(self) -> None:
        check_positive_int("hidden", self.hidden)
        check_positive_int("seq_length", self.seq_length)
        if isinstance(self.steps, bool) or not isinstance(self.steps, (int, np.integer)) or self.steps < 0:
            raise ValueError(f"steps must be an integer >= 0; got {self.steps!r}.")
        _check_rate("lr", self.lr)
        check_choice("optimizer", self.optimizer, OPTIMIZERS)
        _check_rate("clip_value", self.clip_value, allow_none=True)
        _check_rate("clip_norm", self.clip_norm, allow_none=True)
        if self.clip_value is not None and self.clip_norm is not None:
            raise ValueError(f"choose one clipping: clip_value={self.clip_value} or clip_norm={self.clip_norm}, "
                             "not both (set the other to None).")
        if self.truncation is not None:
            object.__setattr__(self, "truncation", Truncation.parse(self.truncation))
        if isinstance(self.seed, bool) or not isinstance(self.seed, (int, np.integer)) or self.seed < 0:
            raise ValueError(f"seed must be an integer >= 0; got {self.seed!r}.")
        if not isinstance(self.scale, (int, float)) or not math.isfinite(self.scale) or self.scale < 0:
            raise ValueError(f"scale must be a finite number >= 0; got {self.scale!r}.")
        check_activation(self.activation)

    @property
    def schedule(self) -> Truncation:
        """The truncation actually used: ``truncation`` or Truncation(seq_length, seq_length)."""
        return self.truncation or Truncation(self.seq_length, self.seq_length)

    def as_dict(self) -> dict[str, Any]:
        """JSON-able settings (truncation as [k1, k2])."""
        d = asdict(self)
        d["truncation"] = [self.schedule.k1, self.schedule.k2]
        return d


@dataclass(frozen=True, eq=False)
class TrainResult:
    """params (trained in place from the seeded init), vocab, config, history, h_last (H,)."""

    params: Params
    vocab: Vocab
    config: TrainConfig
    history: TrainHistory
    h_last: np.ndarray
    prefix: str

    @property
    def model(self) -> CharModel:
        settings = dict(self.config.as_dict(), prefix=self.prefix, final_loss=self.history.final_loss,
                        seconds=self.history.seconds)
        return CharModel(self.params, self.vocab, settings, self.history)


def epoch_segments(params: Params, ids: np.ndarray, vocab: Vocab, trunc: Truncation,
                   activation: str) -> Iterator[tuple[Segment, int]]:
    """One pass over the stream ids (N,): yield (segment, number of loss terms) per update.

    Updates made to ``params`` between segments are seen by the following windows.
    """
    T, (k1, k2) = len(ids) - 1, (trunc.k1, trunc.k2)
    m = -(-(k2 - k1) // k1)                          # lead-in chunks so windows reach k2 back
    block = k1 * max(-(-BLOCK_STEPS // k1), m + 1)   # >= k2, so the final window fits in its block
    states = {0: np.zeros(params.hidden_size, params.dtype)}
    pos = 0
    while pos < T:
        lead = min(m * k1, pos)
        start = pos - lead
        end = T if pos + 2 * block > T else pos + block  # the last block takes the remainder
        xs = vocab.one_hot(ids[start:end], params.dtype)
        w = None if lead == 0 else np.r_[np.zeros(lead), np.ones(end - pos)]
        prev, seen = lead, {}
        for seg in tbptt_segments(params, xs, ids[start + 1:end + 1], trunc, h0=states[start],
                                  activation=activation, loss_weights=w):
            seen[start + seg.tau] = seg.h
            if seg.tau <= lead:                      # a masked lead-in chunk: no update
                continue
            yield seg, seg.tau - prev
            prev = seg.tau
        states, pos = seen, end


class _Optimizer:
    """adagrad (cache += g², p -= lr g / sqrt(cache + eps)) or sgd (p -= lr g), in place."""

    def __init__(self, name: str, lr: float, params: Params) -> None:
        self.name, self.lr = name, lr
        self.cache = params.zeros_like() if name == "adagrad" else None

    def update(self, params: Params, grads: Params) -> None:
        if self.cache is None:
            for (_, p), (_, g) in zip(params, grads):
                p -= self.lr * g
            return
        for (_, p), (_, g), (_, c) in zip(params, grads, self.cache):
            c += g * g
            p -= self.lr * g / np.sqrt(c + ADAGRAD_EPS)


def train(text: str = DEFAULT_TEXT, config: TrainConfig | None = None, *, progress: bool = False,
          params: Params | None = None) -> TrainResult:
    """Train a char-level RNN on ``text`` with truncated BPTT; deterministic for a given seed.

    Args:
      text: the training text (>= 2 characters); its sorted distinct characters are the
        vocabulary (V = D = number of distinct characters).
      config: TrainConfig (defaults: H = 100, 25-character chunks, adagrad lr 0.1, clip 5).
      progress: show a tqdm bar on stderr with the smoothed loss and steps/s.
      params: start from these weights (W_xh (H, V), ..., updated in place) instead of the
        seeded initialisation.
    Returns:
      TrainResult(params, vocab, config, history, h_last, prefix); ``.model`` is a CharModel.
    Raises:
      ValueError if the loss becomes non-finite (divergence), naming the step.
    """
    from tqdm import tqdm

    config = config or TrainConfig()
    text = check_text(text)
    vocab = Vocab.from_text(text)
    ids = vocab.encode(text)
    V = len(vocab)
    if params is None:
        params = Params.init(V, config.hidden, V, scale=config.scale, seed=config.seed)
    else:
        CharModel(params, vocab)                       # checks the shapes against the vocabulary
    clip = (lambda g: clip_by_value(g, config.clip_value)) if config.clip_value is not None else \
        (lambda g: clip_by_global_norm(g, config.clip_norm)[0]) if config.clip_norm is not None else \
        (lambda g: g)
    opt = _Optimizer(config.optimizer, config.lr, params)
    losses = np.empty(config.steps)
    h_last = np.zeros(config.hidden, params.dtype)
    bar = tqdm(total=config.steps, disable=not progress, file=sys.stderr, unit="step",
               dynamic_ncols=True, mininterval=0.2)
    t0, step, smooth = time.perf_counter(), 0, None
    with warnings.catch_warnings(), np.errstate(**quiet):
        # divergence is reported below as one clear error: neither the engine's overflow
        # warning (numeric/finite.py) nor NumPy's raw ones are shown on the way there
        warnings.filterwarnings("ignore", message=r"numeric\.tbptt_segments", category=RuntimeWarning)
        while step < config.steps:
            for seg, n in epoch_segments(params, ids, vocab, config.schedule, config.activation):
                loss = seg.loss / n
                opt.update(params, clip(seg.grads))
                # a sum is non-finite iff an entry is (or it overflows, which is divergence too)
                if not (math.isfinite(loss) and math.isfinite(sum(float(a.sum()) for _, a in params))):
                    bar.close()
                    raise ValueError(f"training diverged at step {step + 1} (loss {loss}, or non-finite weights "
                                     f"after the update); lower lr={config.lr} or clip the gradients.")
                losses[step], h_last = loss, seg.h
                a = TrainHistory.SMOOTHING
                smooth = loss if smooth is None else a * smooth + (1 - a) * loss
                step += 1
                if progress and (step % 25 == 0 or step == config.steps):
                    bar.set_postfix(loss=f"{smooth:.4f}", refresh=False)
                    bar.update(step - bar.n)
                if step == config.steps:
                    break
    bar.close()
    history = TrainHistory.from_losses(losses, time.perf_counter() - t0)
    return TrainResult(params, vocab, config, history, h_last, text[0])
