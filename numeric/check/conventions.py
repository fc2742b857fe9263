"""Calling the user's function in its convention, checking the form of its answer, and the reference.

column (the article's):  fn(params: dict, xs (T, D), targets (T,), h0 (H,)) -> (loss, grads: dict)
    grads has W_xh, W_hh, b_h, W_hy, b_y and optionally h0 (∂L/∂h0); reference numeric.bptt.
row (course layout):     fn(x (N, T, D), h0 (N, H), Wx (D, H), Wh (H, H), b (H,), dh (N, T, H))
    -> (dx, dh0, dWx, dWh, db); reference numeric.rnn_backward (Wx = W_xh.T, Wh = W_hh.T).

Every call gets fresh copies of its inputs, so a function that modifies them in place cannot
disturb the reference or the next call; such modifications are noted in the report.
"""

from __future__ import annotations

import os
import traceback
import warnings
from collections.abc import Mapping, Sequence
from typing import Any, Callable

import numpy as np

from ..bptt import bptt
from ..rnn_backward import rnn_backward
from .problems import Case
from .spec import BIASES, CheckSpec


class ContractError(Exception):
    """The function raised, or its answer does not have the promised form."""


def describe_exception(e: BaseException) -> str:
    """'ValueError: message (at file.py:12 in fn)': the innermost frame, where the error arose
    (none when the call itself failed, e.g. with the wrong number of arguments)."""
    frames = [f for f in traceback.extract_tb(e.__traceback__) if f.filename != __file__]
    where = ""
    if frames:
        f = frames[-1]
        where = f" (at {os.path.basename(f.filename)}:{f.lineno} in {f.name})"
    msg = str(e).strip().splitlines()[0] if str(e).strip() else ""
    return f"{type(e).__name__}{': ' + msg if msg else ''}{where}"


def inputs_for(case: Case, spec: CheckSpec) -> tuple[list[Any], dict[str, Any]]:
    """Positional and keyword arguments for the user's function (fresh arrays of spec.dtype);
    without biases b / b_h, b_y are left out, and h0 when fn takes none (``spec.pass_h0``)."""
    dt, p = spec.dtype, case.params
    kw = {n: getattr(case, n) for n in spec.passes}
    if spec.row:
        args = [("x", np.swapaxes(case.xs, 0, 1)), ("h0", case.h0), ("Wx", p.W_xh.T), ("Wh", p.W_hh.T),
                ("b", p.b_h), ("dh", np.swapaxes(case.dhs, 0, 1))]
        return [a.astype(dt) for n, a in args if _passed(n, spec)], kw
    targets = case.targets.copy() if case.targets.dtype.kind in "iu" else case.targets.astype(dt)
    params = {n: a.astype(dt) for n, a in p if spec.bias or n not in BIASES}
    return [params, case.xs.astype(dt), targets] + ([case.h0.astype(dt)] if spec.pass_h0 else []), kw


def arg_names(spec: CheckSpec) -> list[str]:
    """The names of the positional arguments ``inputs_for`` gives, in order."""
    names = ["x", "h0", "Wx", "Wh", "b", "dh"] if spec.row else ["params", "xs", "targets", "h0"]
    return [n for n in names if _passed(n, spec)]


def _passed(name: str, spec: CheckSpec) -> bool:
    return not ((name == "b" and not spec.bias) or (name == "h0" and not spec.pass_h0))


def call(fn: Callable, case: Case, spec: CheckSpec) -> tuple[dict[str, Any], tuple[str, ...], dict[str, str]]:
    """Run ``fn`` on the case; return its answer as {name: float64 array or float}, the names
    of inputs it modified in place and {name: the dtype fn returned it in}. Raises
    ContractError on an exception or bad form."""
    args, kw = inputs_for(case, spec)
    before = [_copy(a) for a in args]
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            out = fn(*args, **kw)
        except (Exception, SystemExit) as e:  # the user's code: any failure is reported, not raised
            raise ContractError(f"fn raised {describe_exception(e)}") from None
    dtypes: dict[str, str] = {}
    got = _row_answer(out, case, spec, dtypes) if spec.row else _column_answer(out, case, spec, dtypes)
    return got, _mutated(args, before, spec), dtypes


def _copy(a: Any) -> Any:
    return {k: v.copy() for k, v in a.items()} if isinstance(a, dict) else np.copy(a)


def _mutated(args: list[Any], before: list[Any], spec: CheckSpec) -> tuple[str, ...]:
    out = []
    for name, a, b in zip(arg_names(spec), args, before):
        if isinstance(b, dict):
            out += [f"params[{k!r}]" for k in b if not np.array_equal(a.get(k), b[k], equal_nan=True)]
        elif not np.array_equal(a, b, equal_nan=True):
            out.append(name)
    return tuple(out)


def _array(label: str, value: Any, shape: tuple[int, ...], like: str, dtypes: dict[str, str],
           key: str) -> np.ndarray:
    try:
        a = np.asarray(value)
    except Exception as e:  # e.g. a ragged list
        raise ContractError(f"{label} is not an array: {describe_exception(e)}") from None
    if a.dtype == object or not (np.issubdtype(a.dtype, np.floating) or np.issubdtype(a.dtype, np.integer)):
        raise ContractError(f"{label} must be an array of real numbers; got dtype {a.dtype} "
                            f"({type(value).__name__}).")
    if a.shape != shape:
        raise ContractError(f"{label} has shape {a.shape}; it must be {shape}, {like}.")
    dtypes[key] = a.dtype.name
    return a.astype(np.float64)


def _column_answer(out: Any, case: Case, spec: CheckSpec, dtypes: dict[str, str]) -> dict[str, Any]:
    if not isinstance(out, Sequence) or isinstance(out, (str, bytes)) or len(out) != 2:
        n = f"a sequence of {len(out)} values" if isinstance(out, Sequence) else type(out).__name__
        tip = (" (A classic char-RNN lossFun returns 7: wrap it with the adapter of docs/check.md.)"
               if isinstance(out, Sequence) and len(out) > 2 else "")
        raise ContractError(f"fn must return (loss, grads); got {n}.{tip}")
    loss, grads = out
    la = np.asarray(loss) if not isinstance(loss, (str, bytes)) else np.asarray(np.nan, object)
    if la.dtype == object or la.size != 1 or not (np.issubdtype(la.dtype, np.number)):
        raise ContractError(f"the loss fn returns must be one real number; got {type(loss).__name__} "
                            f"{la.shape if la.dtype != object else ''}".rstrip() + ".")
    if not isinstance(grads, Mapping):
        raise ContractError(f"grads must be a dict {{name: array}}; got {type(grads).__name__}.")
    keys = spec.names(with_h0=False)[1:]
    missing = [n for n in keys if n not in grads]
    if missing:
        raise ContractError(f"grads is missing {missing}; it must have the keys {keys} "
                            f"(and may have 'h0'); got keys {sorted(map(str, grads))}."
                            + ("" if spec.bias else " (--no-bias: no b_h, b_y)"))
    got: dict[str, Any] = {"loss": float(la.reshape(-1)[0].real)}
    dtypes["loss"] = la.dtype.name if np.issubdtype(la.dtype, np.floating) else "float64"
    for n, a in case.params:
        if n in keys:
            got[n] = _array(f"grads[{n!r}]", grads[n], a.shape, f"the shape of params[{n!r}]", dtypes, n)
    if "h0" in grads and grads["h0"] is not None:
        got["h0"] = _array("grads['h0']", grads["h0"], case.h0.shape, "the shape of h0", dtypes, "h0")
    return got


def _row_answer(out: Any, case: Case, spec: CheckSpec, dtypes: dict[str, str]) -> dict[str, Any]:
    names = spec.names()
    if not isinstance(out, Sequence) or isinstance(out, (str, bytes)) or len(out) != len(names):
        n = f"a sequence of {len(out)} values" if isinstance(out, Sequence) else type(out).__name__
        raise ContractError(f"fn must return ({', '.join(names)}); got {n}.")
    T, B, D = case.xs.shape
    H = case.params.hidden_size
    shapes = {"dx": ((B, T, D), "like x (N, T, D)"), "dh0": ((B, H), "like h0 (N, H)"),
              "dWx": ((D, H), "like Wx (D, H)"), "dWh": ((H, H), "like Wh (H, H)"),
              "db": ((H,), "like b (H,)")}
    return {n: _array(n, v, *shapes[n], dtypes, n) for n, v in zip(names, out)}


def reference(case: Case, spec: CheckSpec) -> dict[str, Any]:
    """The engine's answer for the case, named as the user's function names its results."""
    p, names = case.params, spec.names()
    if spec.row:
        r = rnn_backward(p, case.xs, case.h0, case.dhs, activation=case.activation)
        out = {"dx": np.swapaxes(r.dxs, 0, 1), "dh0": r.dh0, "dWx": r.dW_xh.T, "dWh": r.dW_hh.T,
               "db": r.db_h}
        return {n: out[n] for n in names}
    r = bptt(p, case.xs, case.targets, h0=case.h0, activation=case.activation, loss=case.loss,
             loss_at=case.loss_at, truncation=case.truncation)
    c = 1.0 / mean_count(case, spec)
    out = {"loss": r.loss * c, **{n: g * c for n, g in r.grads}, "h0": r.dh0 * c}
    return {n: out[n] for n in names}


def mean_count(case: Case, spec: CheckSpec) -> int:
    """What the loss is divided by: 1 (reduction sum), the number of steps with a loss (mean)."""
    if spec.row or spec.reduction == "sum":
        return 1
    return case.T if case.loss_at == "all" else 1
