"""save_model / load_model: a CharModel as one .npz file that loads back bit-identically.

Layout (``np.savez``, no pickles): the five arrays under their Params names, ``vocab``
(V,) int32 Unicode code points, ``settings`` a 0-d str holding JSON (with ``format`` =
``FORMAT`` and ``version``), and, when there is a history, ``history_loss`` (N,) and
``history_seconds`` (0-d). Arrays are stored raw, so every bit of every weight survives.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from .charmodel import CharModel, TrainHistory
from .chars import Vocab
from .params import PARAM_NAMES, Params
from .validate import check_params

FORMAT = "bptt-toolkit/char-rnn"
VERSION = 1


def save_model(path: str | os.PathLike, model: CharModel) -> Path:
    """Write ``model`` to ``path`` exactly (no ``.npz`` is appended); returns the path.

    The file is written to a temporary name and renamed, so a failed save never leaves a
    half-written model behind.
    """
    if not isinstance(model, CharModel):
        raise TypeError(f"model must be a numeric.CharModel; got {type(model).__name__}.")
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"model path {str(path)!r} is a directory; give a file name such as model.npz.")
    if not path.parent.exists():
        raise FileNotFoundError(f"cannot save the model: directory {str(path.parent)!r} does not exist.")
    settings = dict(model.settings, format=FORMAT, version=VERSION)
    try:
        text = json.dumps(settings, sort_keys=True, allow_nan=True)
    except TypeError as e:
        raise TypeError(f"model settings must be JSON-serialisable: {e}") from None
    arrays = {n: a for n, a in model.params}
    arrays["vocab"] = model.vocab.to_codepoints()
    arrays["settings"] = np.array(text)
    if model.history is not None:
        arrays["history_loss"] = model.history.loss
        arrays["history_seconds"] = np.array(model.history.seconds)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".npz", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)       # mkstemp's 0600 -> what open() would have given
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _bad(path: Path, why: str) -> ValueError:
    return ValueError(f"model file {str(path)!r} is not a usable bptt char model: {why}")


def load_model(path: str | os.PathLike) -> CharModel:
    """Read a model written by ``save_model``; arrays come back bit-identical.

    Raises FileNotFoundError for a missing file and ValueError for a file that is not such a
    model (not an .npz, truncated, missing arrays, shapes that disagree with the vocabulary,
    unknown format or version).
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"model file {str(path)!r} does not exist.")
    if path.is_dir():
        raise _bad(path, "it is a directory.")
    if not zipfile.is_zipfile(path):
        raise _bad(path, "it is not an .npz (zip) archive; models are written by `bptt train --save` "
                         "or numeric.save_model.")
    try:
        with np.load(path, allow_pickle=False) as z:
            data = {k: z[k] for k in z.files}
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, KeyError) as e:
        raise _bad(path, f"cannot read it as an .npz archive ({type(e).__name__}: {e}).") from None
    missing = [k for k in (*PARAM_NAMES, "vocab", "settings") if k not in data]
    if missing:
        raise _bad(path, f"arrays {missing} are missing (found {sorted(data)}).")
    try:
        settings = json.loads(str(data["settings"][()]))
    except (json.JSONDecodeError, TypeError, IndexError) as e:
        raise _bad(path, f"its settings are not valid JSON ({e}).") from None
    if not isinstance(settings, dict) or settings.get("format") != FORMAT:
        got = settings.get("format") if isinstance(settings, dict) else settings
        raise _bad(path, f"format is {got!r}, expected {FORMAT!r}.")
    if settings.get("version") != VERSION:
        raise _bad(path, f"format version {settings.get('version')!r} is not supported (this toolkit reads {VERSION}).")
    try:
        vocab = Vocab.from_codepoints(data["vocab"])
        params = check_params(Params(*(data[n] for n in PARAM_NAMES)))
        history = None
        if "history_loss" in data:
            loss = data["history_loss"]
            if loss.ndim != 1 or not np.issubdtype(loss.dtype, np.floating):
                raise ValueError(f"history_loss must be a 1-D float array; got {loss.dtype} {loss.shape}.")
            history = TrainHistory.from_losses(loss, float(data.get("history_seconds", 0.0)))
        return CharModel(params, vocab, settings, history)
    except (ValueError, TypeError) as e:
        raise _bad(path, str(e)) from None
