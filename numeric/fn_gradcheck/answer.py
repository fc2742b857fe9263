"""The point fn is checked at, and the form of fn's answer: validated, with one-line errors.

The point: a dict {name: array} of real arrays (ints are taken as floats), copied to float64.
The answer: a pair (loss, grads) with loss a real number (or a size-1 array) and grads a dict
with exactly the point's keys, each an array of that key's shape. Anything else is FnError
(a ValueError: ``bptt gradcheck`` prints its one line and exits with 2).
"""

from __future__ import annotations

import traceback
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Callable

import numpy as np

_HERE = Path(__file__).resolve().parent.parent          # numeric/: frames inside it are not the user's


class FnError(ValueError):
    """fn (or the point) cannot be checked: it raised, or answered in the wrong form."""


def _kind_ok(a: np.ndarray) -> bool:
    return a.dtype.kind in "iuf"


def as_point(params: Any, what: str = "params") -> dict[str, np.ndarray]:
    """A private float64 copy of the point {name: array}; FnError naming ``what`` if it is not one."""
    if not isinstance(params, Mapping) or not params:
        raise FnError(f"{what} must be a non-empty dict of arrays (name -> array); got "
                      f"{type(params).__name__}{' (empty)' if isinstance(params, Mapping) else ''}.")
    point = {}
    for k, v in params.items():
        if not isinstance(k, str):
            raise FnError(f"{what} keys must be strings (parameter names); got {k!r}.")
        a = np.asarray(v)
        if not _kind_ok(a):
            raise FnError(f"{what}[{k!r}] must be a real array (float or int); got dtype {a.dtype}.")
        if a.size == 0:
            raise FnError(f"{what}[{k!r}] is empty (shape {a.shape}); every array must have an entry to perturb.")
        a = a.astype(np.float64)                     # a copy: perturbing it leaves the caller's alone
        if not np.all(np.isfinite(a)):
            raise FnError(f"{what}[{k!r}] has NaN or inf; the point must be finite.")
        point[k] = a
    return point


def draw_point(shapes: Mapping[str, tuple[int, ...]], *, scale: float = 0.5, seed: int = 0) -> dict:
    """{name: scale · N(0, 1) array of that shape}, drawn in the order given, from seed."""
    rng = np.random.default_rng(seed)
    return {k: scale * rng.standard_normal(tuple(s)) for k, s in shapes.items()}


def _where(e: BaseException) -> str:
    """' (file.py line 12)': the innermost frame outside numeric/ (the user's code)."""
    frames = [f for f in traceback.extract_tb(e.__traceback__)
              if _HERE not in Path(f.filename).resolve().parents]
    return f" ({Path(frames[-1].filename).name} line {frames[-1].lineno})" if frames else ""


def call(fn: Callable, point: dict[str, np.ndarray], at: str = "", changed: list | None = None) -> Any:
    """fn on fresh copies of the point (so an fn that updates its params in place harms nothing);
    the names of the arrays fn changed are appended to ``changed`` when it is given."""
    copies = {k: v.copy() for k, v in point.items()}
    try:
        answer = fn(copies)
        if changed is not None:
            changed += [k for k in point if not np.array_equal(copies[k], point[k], equal_nan=True)]
        return answer
    except (Exception, SystemExit) as e:
        text = str(e).strip().splitlines()
        given = ", ".join(f"{k} {v.shape}" for k, v in point.items())
        raise FnError(f"fn raised {type(e).__name__}{': ' + text[0] if text else ''}{_where(e)}{at}; "
                      f"it is called as fn(params), params a dict {{{given}}}.") from None


def call0(make: Callable, what: str) -> dict[str, np.ndarray]:
    """The point a function of no arguments returns (``what`` names it in errors)."""
    try:
        value = make()
    except (Exception, SystemExit) as e:
        text = str(e).strip().splitlines()
        raise FnError(f"{what} raised {type(e).__name__}{': ' + text[0] if text else ''}{_where(e)}.") from None
    return as_point(value, f"{what} (the point)")


EXPECTED = "fn(params) must return (loss, grads): loss a number, grads a dict {name: array} with params' keys"


def read_loss(answer: Any) -> tuple[float, np.dtype]:
    """The loss of an answer, as a float, and its dtype (float64 for Python numbers)."""
    if not isinstance(answer, (tuple, list)) or len(answer) != 2:
        n = f"a {type(answer).__name__} of {len(answer)}" if isinstance(answer, (tuple, list)) else \
            type(answer).__name__
        raise FnError(f"{EXPECTED}; it returned {n}.")
    loss = np.asarray(answer[0])
    if not _kind_ok(loss) or loss.size != 1:
        raise FnError(f"{EXPECTED}; its loss is {_describe(loss)}, not a real number.")
    dtype = loss.dtype if loss.dtype.kind == "f" else np.dtype(np.float64)
    return float(loss.reshape(())), dtype


def read_answer(answer: Any, point: dict[str, np.ndarray]) -> tuple[float, np.dtype, dict, set]:
    """(loss, loss dtype, grads as float64 arrays, the dtypes grads came in)."""
    loss, dtype = read_loss(answer)
    grads = answer[1]
    if not isinstance(grads, Mapping):
        raise FnError(f"{EXPECTED}; its grads is a {type(grads).__name__}.")
    missing = [k for k in point if k not in grads]
    extra = [k for k in grads if k not in point]
    if missing or extra:
        parts = ([f"missing {missing}"] if missing else []) + ([f"not in params: {extra}"] if extra else [])
        raise FnError(f"{EXPECTED}; grads has keys {list(grads)}: {', '.join(parts)}.")
    out, dtypes = {}, set()
    for k, want in point.items():
        g = np.asarray(grads[k])
        if not _kind_ok(g):
            raise FnError(f"grads[{k!r}] must be a real array; it is {_describe(g)}.")
        if g.shape != want.shape:
            raise FnError(f"grads[{k!r}] has shape {g.shape}; expected {want.shape}, the shape of params[{k!r}].")
        dtypes.add(g.dtype.name)
        out[k] = g.astype(np.float64)
    return loss, dtype, out, dtypes


def _describe(a: np.ndarray) -> str:
    if a.dtype == object:
        return f"a {type(a.reshape(-1)[0] if a.size else a).__name__}"
    return f"an array of shape {a.shape} and dtype {a.dtype}"
