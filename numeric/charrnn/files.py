"""save_model / load_model: a CharModel as one .npz file that loads back bit-identically.

Layout (``np.savez``, no pickles): the five arrays under their Params names, ``vocab``
(V,) int32 Unicode code points, ``settings`` a 0-d str holding JSON (with ``format`` =
``FORMAT`` and ``version``), and, when there is a history, ``history_loss`` (N,) and
``history_seconds`` (0-d). Arrays are stored raw, so every bit of every weight survives.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import tempfile
import threading
import zipfile
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from .model import CharModel, TrainHistory
from .vocab import Vocab
from ..params import PARAM_NAMES, Params
from ..validate import check_activation, check_params

FORMAT = "bptt-toolkit/char-rnn"
VERSION = 1


TMP_PREFIX = ".tmp-bptt-save-"
"""Temporary files of a save are named ``.tmp-bptt-save-XXXXXXXX.npz`` in the target's
directory. One is removed on any error, Ctrl-C or SIGTERM; only SIGKILL (or a power cut), which
no process can catch, can leave one behind: such a file is an unfinished save, safe to delete."""


def check_save_path(path: str | os.PathLike) -> Path:
    """The path a model may be saved to: a new name, or an existing regular file to overwrite.

    Refused with one line (never replaced): a directory, a symbolic link (saving would replace
    the link itself, not write to its target: give the target), a FIFO, a device or socket, and a
    path whose directory does not exist. Cheap, so a caller can check before long work.
    """
    path = Path(path)
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        st = None
    except OSError as e:
        raise _save_error(path, e) from None
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise ValueError(f"cannot save the model to {str(path)!r}: it is {_kind(path, st.st_mode)}; "
                         "give the name of a regular file (new or to overwrite), such as model.npz.")
    if not path.parent.is_dir():
        raise FileNotFoundError(f"cannot save the model: directory {str(path.parent)!r} does not exist.")
    return path


def _kind(path: Path, mode: int) -> str:
    """What a non-regular file is, in words (for the refusal message)."""
    if stat.S_ISLNK(mode):
        return f"a symbolic link (to {os.readlink(path)!r}), which a save would replace, not follow"
    kinds = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
             (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
             (stat.S_ISSOCK, "a socket"))
    return next((name for test, name in kinds if test(mode)), "not a regular file")


def _save_error(path: Path, e: OSError) -> OSError:
    """The OSError of a failed save, naming the user's path (never the temporary file)."""
    err = type(e)(f"cannot save the model to {str(path)!r}: {e.strerror or e}")
    err.errno = e.errno                             # str(err) stays the message alone
    return err


@contextmanager
def _terminate_as_exception():
    """While a save runs, SIGTERM raises (so the temporary file is removed) and is then re-sent.

    Only when SIGTERM has its default action and this is the main thread (Python's rule for
    signal handlers); a handler the program installed itself is left alone.
    """
    if threading.current_thread() is not threading.main_thread() \
            or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        yield
        return
    received = []

    def handler(signum, frame):
        received.append(signum)
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        if received:                                # die as SIGTERM would have, after the cleanup
            signal.raise_signal(signal.SIGTERM)


def _model_arrays(model: CharModel) -> dict[str, np.ndarray]:
    """The arrays of the .npz layout (module docstring)."""
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
    return arrays


def _new_file_mode(path: Path) -> int:
    """An overwritten file keeps its permission bits; a new one gets what open() would give."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def save_model(path: str | os.PathLike, model: CharModel) -> Path:
    """Write ``model`` to ``path`` exactly (no ``.npz`` is appended); returns the path.

    ``path`` must be new or a regular file (``check_save_path``: directories, symbolic links,
    FIFOs and devices are refused, never replaced). The file is written to a temporary name
    (``TMP_PREFIX``) in the same directory and renamed over ``path``, so a failed or interrupted
    save never leaves a half-written model behind; an overwritten file keeps its permissions.
    """
    if not isinstance(model, CharModel):
        raise TypeError(f"model must be a numeric.charrnn.CharModel; got {type(model).__name__}.")
    path = check_save_path(path)
    arrays = _model_arrays(model)
    with _terminate_as_exception():
        tmp = None
        try:
            fd, tmp = tempfile.mkstemp(prefix=TMP_PREFIX, suffix=".npz", dir=path.parent)
            with os.fdopen(fd, "wb") as f:
                np.savez(f, **arrays)
            os.chmod(tmp, _new_file_mode(path))
            check_save_path(path)                   # not swapped for a link or FIFO meanwhile
            os.replace(tmp, path)
            tmp = None
        except OSError as e:
            raise _save_error(path, e) from None
        finally:
            if tmp is not None:
                Path(tmp).unlink(missing_ok=True)
    return path


def _bad(path: Path, why: str) -> ValueError:
    return ValueError(f"model file {str(path)!r} is not a usable bptt char model: {why}")


def load_model(path: str | os.PathLike) -> CharModel:
    """Read a model written by ``save_model``; arrays come back bit-identical.

    Raises FileNotFoundError for a missing file and ValueError for a path that is not a regular
    file (a FIFO is refused without being opened) or a file that is not such a model (not an .npz, truncated, missing arrays, shapes that disagree with the vocabulary,
    unknown format or version, an unknown activation).
    """
    path = Path(path)
    try:
        mode = os.stat(path).st_mode                # never opened before: a FIFO would block
    except FileNotFoundError:
        raise FileNotFoundError(f"model file {str(path)!r} does not exist.") from None
    if not stat.S_ISREG(mode):
        raise _bad(path, f"it is {_kind(path, mode)}, not a regular file.")
    if not zipfile.is_zipfile(path):
        raise _bad(path, "it is not an .npz (zip) archive; models are written by `bptt train --save` "
                         "or numeric.charrnn.save_model.")
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
        check_activation(settings.get("activation", "tanh"))
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
