"""sample(model, ...): generate characters from a char-level RNN, with temperature.

The prefix is fed through the network (``numeric.forward``); then, one character at a time,
the next character is drawn from softmax(o_t / temperature) and fed back as the next input.
Temperature 0 means greedy decoding: always the most likely character (ties: the first).
"""

from __future__ import annotations

import math

import numpy as np

from .model import CharModel
from ..forward import forward
from ..kernels import ACTIVATE


def _check_sampling(length, temperature, seed) -> None:
    if isinstance(length, bool) or not isinstance(length, (int, np.integer)) or length < 0:
        raise ValueError(f"length must be an integer >= 0; got {length!r}.")
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float, np.floating)) \
            or not math.isfinite(temperature) or temperature < 0:
        raise ValueError(f"temperature must be a finite number >= 0 (0 = greedy); got {temperature!r}.")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0):
        raise ValueError(f"seed must be None or an integer >= 0; got {seed!r}.")


def next_index(o: np.ndarray, temperature: float, rng: np.random.Generator) -> int:
    """Draw a class from the logits o (V,): argmax when temperature is 0, else softmax(o / T)."""
    if temperature == 0:
        return int(np.argmax(o))
    # shifted first, so z <= 0 and exp never overflows (the max entry is exp(0) = 1); for tiny
    # temperatures (1e-310) the division overflows to -inf, whose exp is the exact limit 0
    with np.errstate(over="ignore"):
        z = (o - o.max()) / temperature
    p = np.exp(z)
    p /= p.sum()
    return int(rng.choice(p.shape[0], p=p))


def sample(model: CharModel, *, prefix: str | None = None, length: int = 50, temperature: float = 1.0,
           seed: int | None = None) -> str:
    """The ``length`` characters that follow ``prefix`` (the prefix itself is not returned).

    Args:
      model: CharModel; params W_xh (H, V), W_hh (H, H), b_h (H,), W_hy (V, H), b_y (V,).
      prefix: non-empty text of vocabulary characters, fed in first from h_0 = 0; default the
        model's default prefix (the first character of its training text).
      length: number of characters to generate (>= 0).
      temperature: >= 0; 0 is greedy, 1 samples the model's distribution, higher is flatter.
      seed: seeds ``np.random.default_rng``; the same seed gives the same text.
    Returns:
      A str of ``length`` characters.
    """
    if not isinstance(model, CharModel):
        raise TypeError(f"model must be a numeric.charrnn.CharModel; got {type(model).__name__}.")
    prefix = model.default_prefix if prefix is None else prefix
    if not isinstance(prefix, str) or not prefix:
        raise ValueError(f"prefix must be a non-empty str of vocabulary characters; got {prefix!r}.")
    _check_sampling(length, temperature, seed)
    vocab, prm = model.vocab, model.params
    ids = vocab.encode(prefix, name="prefix")
    cache = forward(prm, vocab.one_hot(ids, prm.dtype), activation=model.activation)
    h, o = cache.hs[-1].copy(), cache.os[-1].copy()
    act = ACTIVATE[model.activation]
    rng = np.random.default_rng(seed)
    out = np.empty(length, dtype=np.intp)
    for i in range(length):
        idx = next_index(o, float(temperature), rng)
        out[i] = idx
        a = prm.W_hh @ h                              # a = W_xh x + W_hh h + b_h with x one-hot
        a += prm.W_xh[:, idx]
        a += prm.b_h
        act(a)
        h = a
        o = prm.W_hy @ h + prm.b_y
    return vocab.decode(out)
