"""The user's layouts: the arguments fn is called with, its answer read back, the engine's
answer named and stacked as fn names it (numeric/check/cells/spec.py states the layouts).

Stacking (row layout, gates in ``spec.gate_order``): Wx = [W_x<g>ᵀ ...] (D, G·H), Wh =
[W_h<g>ᵀ ...] (H, G·H), b = [b_<g> ...] (G·H,); the column convention's W (H, D) is the row
convention's Wᵀ. Torch layout: numeric.cells.to_torch's stacking in PyTorch's order, with the
summed biases split between bias_ih and bias_hh (both drawn, so a function that drops one is seen).
Every call gets fresh copies, so a function that modifies its inputs cannot disturb the next call.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ...cells.layout import to_torch
from ..conventions import ContractError, describe_exception
from .cases import CellCase
from .spec import CellSpec, gates

RNN = ("rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0", "rnn.bias_hh_l0")


def stack(cell: str, per_gate: Mapping[str, np.ndarray], order: tuple[str, ...], what: str) -> np.ndarray:
    """One stacked row-layout array from per-gate column-convention ones: what is "Wx", "Wh", "b"."""
    g = gates(cell)
    k = {"Wx": 0, "Wh": 1, "b": 2}[what]
    if what == "b":
        return np.concatenate([per_gate[g[x][2]] for x in order])
    return np.concatenate([per_gate[g[x][k]].T for x in order], axis=1)


def unstack(cell: str, Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray, order: tuple[str, ...]) -> dict:
    """The inverse of ``stack``: per-gate W_x<g> (H, D), W_h<g> (H, H), b_<g> (H,) (GRU: b_hn = 0)."""
    H = Wh.shape[0]
    out = {}
    for j, x in enumerate(order):
        wx, wh, bi, bh = gates(cell)[x]
        cols = slice(j * H, (j + 1) * H)
        out[wx], out[wh], out[bi] = Wx[:, cols].T.copy(), Wh[:, cols].T.copy(), b[cols].copy()
        if bh is not None:
            out[bh] = np.zeros(H)
    return out


def torch_grads(cell: str, grads: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Per-gate gradients -> PyTorch's names: a summed bias's gradient is bias_ih's and bias_hh's."""
    rnn, lin = to_torch(cell, grads, prefix="rnn.", linear_prefix="fc.")
    g = gates(cell)
    rnn["rnn.bias_hh_l0"] = np.concatenate([grads[bh if bh is not None else bi] for _, _, bi, bh in g.values()])
    return {**rnn, **lin}


def inputs_for(case: CellCase, spec: CellSpec) -> tuple[list[Any], list[str]]:
    """Positional arguments for fn (fresh arrays of spec.dtype) and their names."""
    dt = spec.dtype
    if spec.row:
        o = spec.gate_order
        args = [np.swapaxes(case.xs, 0, 1), case.state0[spec.module.OUTPUT],
                stack(spec.cell, case.params, o, "Wx"), stack(spec.cell, case.params, o, "Wh"),
                stack(spec.cell, case.params, o, "b")]
        names = ["x", "h0", "Wx", "Wh", "b"]
        if not spec.pair:
            args.append(np.swapaxes(case.dhs, 0, 1))
            names.append("dh")
        return [a.astype(dt) for a in args], names
    params = case.torch if spec.layout == "torch" else case.params
    return ([{n: a.astype(dt) for n, a in params.items()}, case.xs[:, 0].astype(dt), case.targets.copy(),
             {s: v[0].astype(dt) for s, v in case.state0.items()}], ["params", "xs", "targets", "state0"])


def call(fn: Any, case: CellCase, spec: CellSpec, expected: Mapping[str, Any]):
    """fn's answer {name: float64 array / float}, the inputs it modified, {name: dtype}; ContractError."""
    args, names = inputs_for(case, spec)
    before = [{k: v.copy() for k, v in a.items()} if isinstance(a, dict) else a.copy() for a in args]
    dtypes: dict[str, str] = {}
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            if spec.pair:
                fwd, bwd = fn
                out = fwd(*args)
                if not isinstance(out, Sequence) or len(out) != 2:
                    raise ContractError(f"forward must return (h, cache); got {type(out).__name__}.")
                got = {"h": _array("h (forward's)", out[0], expected["h"].shape, "(N, T, H)", dtypes, "h")}
                out = bwd(np.swapaxes(case.dhs, 0, 1).astype(spec.dtype), out[1])
            else:
                out = fn(*args)
        except ContractError:
            raise
        except (Exception, SystemExit) as e:
            text = describe_exception(e)                 # the call itself failed: no frame of ours named
            text = text.split(f" (at {os.path.basename(__file__)}:")[0]
            raise ContractError(f"fn raised {text}") from None
    if spec.row:
        got = (got if spec.pair else {}) | _row_answer(out, spec, expected, dtypes)
    else:
        got = _column_answer(out, spec, expected, dtypes)
    mutated = []
    for n, a, b in zip(names, args, before):
        if isinstance(b, dict):
            mutated += [f"{n}[{k!r}]" for k in b if not np.array_equal(a.get(k), b[k], equal_nan=True)]
        elif not np.array_equal(a, b, equal_nan=True):
            mutated.append(n)
    return got, tuple(mutated), dtypes


def _array(label, value, shape, like, dtypes, key) -> np.ndarray:
    try:
        a = np.asarray(value)
    except Exception as e:
        raise ContractError(f"{label} is not an array: {describe_exception(e)}") from None
    if a.dtype == object or not (np.issubdtype(a.dtype, np.floating) or np.issubdtype(a.dtype, np.integer)):
        raise ContractError(f"{label} must be an array of real numbers; got dtype {a.dtype}.")
    if a.shape != tuple(shape):
        raise ContractError(f"{label} has shape {a.shape}; it must be {tuple(shape)}, {like}.")
    dtypes[key] = a.dtype.name
    return a.astype(np.float64)


def _row_answer(out, spec: CellSpec, expected, dtypes) -> dict:
    names = [n for n in spec.names() if n != "h"]
    if not isinstance(out, Sequence) or isinstance(out, (str, bytes)) or len(out) != len(names):
        n = f"a sequence of {len(out)} values" if isinstance(out, Sequence) else type(out).__name__
        raise ContractError(f"fn must return ({', '.join(names)}); got {n}.")
    like = {"dx": "like x (N, T, D)", "dh0": "like h0 (N, H)", "dWx": "like Wx (D, G·H)",
            "dWh": "like Wh (H, G·H)", "db": "like b (G·H,)"}
    return {n: _array(n, v, np.shape(expected[n]), like[n], dtypes, n) for n, v in zip(names, out)}


def _column_answer(out, spec: CellSpec, expected, dtypes) -> dict:
    if not isinstance(out, Sequence) or isinstance(out, (str, bytes)) or len(out) != 2:
        raise ContractError(f"fn must return (loss, grads); got {type(out).__name__}.")
    loss, grads = out
    la = np.asarray(loss) if not isinstance(loss, (str, bytes)) else np.asarray(None, object)
    if la.dtype == object or la.size != 1 or not np.issubdtype(la.dtype, np.number):
        raise ContractError(f"the loss fn returns must be one real number; got {type(loss).__name__}.")
    if not isinstance(grads, Mapping):
        raise ContractError(f"grads must be a dict {{name: array}}; got {type(grads).__name__}.")
    keys = spec.names(with_h0=False)[1:]
    missing = [n for n in keys if n not in grads]
    if missing:
        raise ContractError(f"grads is missing {missing}; it must have the keys {keys} (and may have "
                            f"{', '.join(repr(s + '0') for s in spec.states)}); got keys {sorted(map(str, grads))}.")
    got: dict[str, Any] = {"loss": float(la.reshape(-1)[0])}
    dtypes["loss"] = la.dtype.name if np.issubdtype(la.dtype, np.floating) else "float64"
    for n in keys:
        got[n] = _array(f"grads[{n!r}]", grads[n], np.shape(expected[n]), f"the shape of params[{n!r}]", dtypes, n)
    for s in spec.states:
        if grads.get(f"{s}0") is not None:
            got[f"{s}0"] = _array(f"grads[{s + '0'!r}]", grads[f"{s}0"], np.shape(expected[f"{s}0"]),
                                  f"the shape of state0[{s!r}]", dtypes, f"{s}0")
    return got


def named(raw: Mapping[str, Any], case: CellCase, spec: CellSpec, order: tuple[str, ...] | None = None) -> dict:
    """An answer in the engine's terms (loss, per-gate grads, "<state>0", dxs (T, B, D), hs
    (T, B, H)) named and laid out as fn names its results (``order``: the row layout's gates)."""
    if spec.row:
        o = order or spec.gate_order
        out = {"dx": np.swapaxes(raw["dxs"], 0, 1), "dh0": raw[f"{spec.module.OUTPUT}0"],
               "dWx": stack(spec.cell, raw, o, "Wx"), "dWh": stack(spec.cell, raw, o, "Wh"),
               "db": stack(spec.cell, raw, o, "b")}
        if spec.pair:
            out = {"h": np.swapaxes(raw["hs"], 0, 1)} | out
        return out
    grads = {n: raw[n] for n in spec.module.PARAMS}
    out = {"loss": raw["loss"]} | (torch_grads(spec.cell, grads) if spec.layout == "torch" else grads)
    return out | {f"{s}0": raw[f"{s}0"][0] for s in spec.states}

