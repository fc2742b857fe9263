"""Characters as class indices: the vocabulary of a char-level model and the article's text.

The article trains on a repeating "hello world"; ``DEFAULT_TEXT`` is that text, ending in a
space so that it wraps around seamlessly (its last character is followed by its first).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

DEFAULT_TEXT = "hello world " * 100
"""The article's training text: "hello world " repeated (1200 characters, 8 distinct)."""


def check_text(text: object, *, name: str = "text") -> str:
    """A training text: a str with at least 2 characters (one input and one target)."""
    if not isinstance(text, str):
        raise TypeError(f"{name} must be a str; got {type(text).__name__}.")
    if len(text) < 2:
        raise ValueError(f"{name} must hold at least 2 characters (an input and its next character); "
                         f"got {len(text)} ({text!r}).")
    return text


@dataclass(frozen=True)
class Vocab:
    """The distinct characters of a text in sorted order; a character's index is its class.

    ``Vocab.from_text("hello world ")`` has the 8 characters ' ', 'd', 'e', 'h', 'l', 'o',
    'r', 'w' with indices 0..7. V = ``len(vocab)`` is both the input size D (one-hot
    inputs) and the output size V of the model.
    """

    chars: tuple[str, ...]
    _index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        chars = tuple(self.chars)
        if not chars:
            raise ValueError("a vocabulary needs at least one character; got none.")
        bad = [c for c in chars if not (isinstance(c, str) and len(c) == 1)]
        if bad:
            raise ValueError(f"vocabulary entries must be single characters; got {bad[:5]!r}.")
        if len(set(chars)) != len(chars):
            dup = sorted({c for c in chars if chars.count(c) > 1})
            raise ValueError(f"vocabulary characters must be distinct; got duplicates {dup!r}.")
        object.__setattr__(self, "chars", chars)
        object.__setattr__(self, "_index", {c: i for i, c in enumerate(chars)})

    @classmethod
    def from_text(cls, text: str) -> "Vocab":
        """The sorted distinct characters of ``text`` (which must be non-empty)."""
        if not isinstance(text, str) or not text:
            raise ValueError(f"text must be a non-empty str to build a vocabulary; got {text!r}.")
        return cls(tuple(sorted(set(text))))

    def __len__(self) -> int:
        return len(self.chars)

    def __contains__(self, c: object) -> bool:
        return c in self._index

    def unseen(self, text: str) -> list[str]:
        """The characters of ``text`` that are not in the vocabulary, sorted, each once."""
        return sorted(set(text) - set(self._index))

    def encode(self, text: str, *, name: str = "text") -> np.ndarray:
        """Class indices of the characters of ``text``, (N,) intp.

        Raises ValueError naming the unseen characters when ``text`` has any.
        """
        if not isinstance(text, str):
            raise TypeError(f"{name} must be a str; got {type(text).__name__}.")
        missing = self.unseen(text)
        if missing:
            raise ValueError(f"{name} {text[:40]!r} has characters the model has never seen: {missing!r}; "
                             f"the vocabulary is {''.join(self.chars)!r}.")
        return np.fromiter((self._index[c] for c in text), dtype=np.intp, count=len(text))

    def decode(self, ids) -> str:
        """The characters of the class indices ``ids`` (N,)."""
        ids = np.asarray(ids)
        if ids.size and (ids.min() < 0 or ids.max() >= len(self)):
            raise ValueError(f"ids must be in [0, {len(self) - 1}]; got {ids.min()}..{ids.max()}.")
        return "".join(self.chars[int(i)] for i in ids.reshape(-1))

    def one_hot(self, ids, dtype=np.float64) -> np.ndarray:
        """One-hot rows for class indices ``ids`` of shape S: an array of shape S + (V,)."""
        ids = np.asarray(ids, dtype=np.intp)
        out = np.zeros(ids.shape + (len(self),), dtype)
        np.put_along_axis(out, ids[..., None], 1, axis=-1)
        return out

    def to_codepoints(self) -> np.ndarray:
        """The characters as Unicode code points, (V,) int32 (how model files store them)."""
        return np.array([ord(c) for c in self.chars], dtype=np.int32)

    @classmethod
    def from_codepoints(cls, codes) -> "Vocab":
        """Inverse of ``to_codepoints``; invalid code points raise ValueError."""
        codes = np.asarray(codes)
        if codes.ndim != 1 or not np.issubdtype(codes.dtype, np.integer):
            raise ValueError(f"vocabulary code points must be a 1-D integer array; got {codes.dtype} {codes.shape}.")
        if codes.size and (codes.min() < 0 or codes.max() > 0x10FFFF):
            raise ValueError(f"vocabulary code points must be in [0, 0x10FFFF]; got {codes.min()}..{codes.max()}.")
        return cls(tuple(chr(int(c)) for c in codes))
