"""Every input check of numeric.cells: the cell, its parameters, xs, state0, activation.

Each error is one line naming the argument, what was got and what is accepted (TypeError for a
wrong type, ValueError for a wrong value), as numeric/validate.py does for the vanilla engine;
targets and loss_weights are checked by numeric/validate.py itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import ModuleType
from typing import Any

import numpy as np

from ..checks import FLOAT_DTYPES, check_activation
from ..validate import check_finite, check_real_array, check_sequence

# what a generated cell module must define (numeric/generated/cells/, `bptt generate --cell`)
INTERFACE = ("CELL", "STATES", "PARAMS", "OUTPUT", "READOUT", "ACTIVATION", "stack", "forward", "outputs",
             "backward", "backward_step", "step_vjp")


def builtin_names() -> tuple[str, ...]:
    from ..generated.cells import NAMES
    return NAMES


def resolve(cell: Any) -> ModuleType:
    """A generated cell module: a built-in name ("lstm") or the module object itself."""
    if isinstance(cell, ModuleType):
        missing = [n for n in INTERFACE if not hasattr(cell, n)]
        if missing:
            raise TypeError(f"cell module {cell.__name__!r} is not a generated cell engine (no {', '.join(missing)}); "
                            "write one with `bptt generate --cell FILE.py:NAME --out FILE`.")
        return cell
    names = builtin_names()
    if not isinstance(cell, str) or cell not in names:
        raise ValueError(f"cell={cell!r} is not known; choose one of {', '.join(names)} or pass a generated "
                         "module (`bptt generate --cell FILE.py:NAME --out FILE`, then import it).")
    from ..generated.cells import load
    return load(cell)


def check_activation_for(m: ModuleType, activation: Any) -> str | None:
    """The activation of a cell written with act(...) (default m.ACTIVATION); None for fixed cells."""
    if m.ACTIVATION is None:
        if activation is not None:
            raise ValueError(f"activation={activation!r} is not accepted by cell {m.CELL!r}: its activations are "
                             "fixed by its equations; drop activation= (it applies to cells written with act(...), "
                             "e.g. elman, jordan).")
        return None
    return check_activation(m.ACTIVATION if activation is None else activation)


def check_cell_params(m: ModuleType, params: Any) -> tuple[dict[str, np.ndarray], dict[str, int]]:
    """params: exactly the cell's parameters, NumPy arrays of one float dtype, shapes consistent in
    H, D, V, finite. Returns (the dict, {"H": H, "D": D, "V": V})."""
    if not isinstance(params, Mapping):
        raise TypeError(f"params must be a dict of the cell's arrays ({', '.join(m.PARAMS)}); "
                        f"got {type(params).__name__}.")
    missing = [n for n in m.PARAMS if n not in params]
    if missing:
        raise ValueError(f"params is missing {missing[0]!r} for cell {m.CELL!r}; it takes exactly "
                         f"{', '.join(m.PARAMS)}.")
    extra = [n for n in params if n not in m.PARAMS]
    if extra:
        raise ValueError(f"params has unknown parameter {extra[0]!r} for cell {m.CELL!r}; it takes exactly "
                         f"{', '.join(m.PARAMS)}.")
    for n in m.PARAMS:
        if not isinstance(params[n], np.ndarray):
            raise TypeError(f"params[{n!r}] must be a NumPy array; got {type(params[n]).__name__}.")
    dts = {params[n].dtype for n in m.PARAMS}
    if len(dts) != 1 or next(iter(dts)) not in FLOAT_DTYPES:
        got = {n: str(params[n].dtype) for n in m.PARAMS}
        raise TypeError(f"params must all be float32 or all float64; got dtypes {got}.")
    dims: dict[str, int] = {}
    source: dict[str, str] = {}
    for n, letters in m.PARAMS.items():
        a = params[n]
        ok = a.ndim == len(letters) and all(dims.get(d, s) == s for d, s in zip(letters, a.shape))
        if not ok:
            known = ", ".join(f"{d} = {dims[d]} from {source[d]}" for d in letters if d in dims)
            raise ValueError(f"params[{n!r}] must have shape ({', '.join(letters)}{',' if len(letters) == 1 else ''})"
                             f"{' with ' + known if known else ''}; got {a.shape}.")
        for d, s in zip(letters, a.shape):
            if d not in dims:
                dims[d], source[d] = s, f"{n} {a.shape}"
    small = {d: s for d, s in dims.items() if s < 1}
    if small:
        raise ValueError(f"params sizes must be >= 1; got {', '.join(f'{d} = {s}' for d, s in small.items())}.")
    for d in ("H", "D", "V"):
        dims.setdefault(d, 0)
    for n in m.PARAMS:
        check_finite(f"params[{n!r}]", params[n])
    return {n: params[n] for n in m.PARAMS}, dims


def check_cell_xs(xs: Any, D: int, dtype: np.dtype) -> tuple[np.ndarray, bool]:
    """xs (T, D) or (T, B, D) -> ((T, B, D) array in the params' dtype, batched flag)."""
    a, batched = check_sequence(xs, D, dtype, "the params")
    return np.ascontiguousarray(a), batched


def check_state0(m: ModuleType, state0: Any, dims: dict[str, int], B: int, batched: bool,
                 dtype: np.dtype) -> dict[str, np.ndarray]:
    """state0 None or {state: (dim,) / (B, dim)} -> {state: (B, dim)}; a state left out is zeros."""
    sizes = {s: dims[d] for s, d in m.STATES.items()}
    if state0 is None:
        return {s: np.zeros((B, n), dtype) for s, n in sizes.items()}
    if not isinstance(state0, Mapping):
        raise TypeError(f"state0 must be None or a dict {{state: array}} with states {', '.join(sizes)}; "
                        f"got {type(state0).__name__}.")
    extra = [s for s in state0 if s not in sizes]
    if extra:
        raise ValueError(f"state0 has unknown state {extra[0]!r} for cell {m.CELL!r}; its states are "
                         f"{', '.join(sizes)}.")
    out = {}
    for s, n in sizes.items():
        if s not in state0 or state0[s] is None:
            out[s] = np.zeros((B, n), dtype)
            continue
        a = check_real_array(f"state0[{s!r}]", state0[s], dtype)
        want = (B, n) if batched else (n,)
        if a.shape != want:
            raise ValueError(f"state0[{s!r}] must have shape {want} ({m.STATES[s]} = {n}"
                             + (f", B = {B}" if batched else "") + f"); got {a.shape}.")
        check_finite(f"state0[{s!r}]", a)
        out[s] = a.reshape(B, n)
    return out


__all__ = ["INTERFACE", "builtin_names", "check_activation_for", "check_cell_params", "check_cell_xs",
           "check_state0", "resolve"]
