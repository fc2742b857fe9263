"""PyTorch's stacked weight layout <-> the cells' per-gate parameter names (plain NumPy, no torch).

PyTorch stores a recurrent layer's gates stacked row-wise, the same column convention as ours
(a gate's pre-activation is W x_t + ... with W (H, D)), so the mapping is slicing, never transposing:

    nn.LSTM  weight_ih_l0 (4H, D) = [W_xi; W_xf; W_xg; W_xo]   (gate order i, f, g, o)
             weight_hh_l0 (4H, H) = [W_hi; W_hf; W_hg; W_ho]
             bias_ih_l0 + bias_hh_l0 (4H,) = [b_i; b_f; b_g; b_o]   (summed: they only ever appear added)
    nn.GRU   weight_ih_l0 (3H, D) = [W_xr; W_xz; W_xn]          (gate order r, z, n)
             weight_hh_l0 (3H, H) = [W_hr; W_hz; W_hn]
             b_r = b_ir + b_hr,  b_z = b_iz + b_hz,  b_xn = b_in,  b_hn = b_hn
             (n = tanh(W_xn x + b_xn + r ⊙ (W_hn h + b_hn)): r multiplies b_hn, so the two n biases
             stay separate)
    nn.RNN   weight_ih_l0 (H, D) = W_xh, weight_hh_l0 (H, H) = W_hh, b_h = bias_ih_l0 + bias_hh_l0
    nn.Linear  weight (V, H) = W_hy, bias (V,) = b_y

The LSTM's output gate keeps the names W_xo, W_ho, b_o (its node is ``og``; docs/lstm.md).

``to_torch`` inverts this; a summed bias goes into ``bias_ih_l0`` and ``bias_hh_l0`` holds zeros
there (the module computes the same function; PyTorch's split of a sum cannot be recovered).
So ``from_torch(to_torch(p))`` is ``p`` exactly, and ``to_torch(from_torch(sd))`` is ``sd`` up to
that split of the summed biases.

Only single-layer, unidirectional modules without projections (``num_layers=1``,
``bidirectional=False``, ``proj_size=0``, ``bias=True``) map onto one cell; their other keys are
refused with an error naming the key.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from typing import Any, Mapping

import numpy as np


@dataclass(frozen=True)
class Gate:
    """One row block of the stacked weights: its input weight, recurrent weight and bias names.

    ``b_hh`` is None when bias_ih and bias_hh are summed into ``b_ih``; otherwise bias_hh's block
    is its own parameter (GRU's b_hn).
    """

    W_ih: str
    W_hh: str
    b_ih: str
    b_hh: str | None = None


@dataclass(frozen=True)
class TorchLayout:
    module: str                  # the PyTorch class, for messages
    gates: tuple[Gate, ...]      # in the order of their row blocks


# The one statement of PyTorch's gate orders (torch.nn.LSTM / GRU / RNN documentation).
LAYOUTS: dict[str, TorchLayout] = {
    "elman": TorchLayout("nn.RNN", (Gate("W_xh", "W_hh", "b_h"),)),
    "gru": TorchLayout("nn.GRU", (Gate("W_xr", "W_hr", "b_r"), Gate("W_xz", "W_hz", "b_z"),
                                  Gate("W_xn", "W_hn", "b_xn", "b_hn"))),
    "lstm": TorchLayout("nn.LSTM", (Gate("W_xi", "W_hi", "b_i"), Gate("W_xf", "W_hf", "b_f"),
                                    Gate("W_xg", "W_hg", "b_g"), Gate("W_xo", "W_ho", "b_o"))),
}
RNN_KEYS = ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0")
LINEAR_KEYS = ("weight", "bias")
OUTPUT = ("W_hy", "b_y")         # nn.Linear's weight and bias


def from_torch(cell: str | ModuleType, state_dict: Mapping[str, Any], linear: Mapping[str, Any] | None = None,
               *, prefix: str = "", linear_prefix: str = "") -> dict[str, np.ndarray]:
    """The cell's parameters (a dict of NumPy arrays) from PyTorch state dicts.

    Args:
      cell: "lstm", "gru" or "elman" (or a generated cell module whose ``CELL`` is one of them).
      state_dict: the recurrent layer's tensors, ``nn.LSTM(...).state_dict()`` or a whole model's
        with the layer's keys under ``prefix`` (e.g. ``prefix="rnn."``: ``rnn.weight_ih_l0``, ...).
        Keys outside ``prefix`` are ignored; unknown keys under it (``weight_ih_l1``,
        ``..._reverse``, ``weight_hr_l0``) are refused.
      linear: the output layer's tensors (nn.Linear: ``weight`` (V, H), ``bias`` (V,)) under
        ``linear_prefix``; may be the same whole-model dict, e.g.
        ``from_torch("lstm", sd, sd, prefix="rnn.", linear_prefix="fc.")``. None: no W_hy, b_y in
        the result (``numeric.cells.bptt`` needs them; add your own).
      Values: NumPy arrays, torch tensors (detached, moved to the CPU) or anything with ``.numpy()``
      or ``__array__``; float32 or float64, all of one dtype.
    Returns:
      {name: array} copies in the column convention, dtype kept: W_x<gate> (H, D), W_h<gate> (H, H),
      b_<gate> (H,) (GRU: b_xn and b_hn for the n gate), then W_hy (V, H), b_y (V,).
    """
    name, layout = _layout(cell)
    arrays = _take(state_dict, prefix, RNN_KEYS, f"{layout.module}'s state_dict", refuse_others=True)
    W_ih, W_hh, b_ih, b_hh = (arrays[k] for k in RNN_KEYS)
    G = len(layout.gates)
    if W_hh.ndim != 2 or W_hh.shape[0] != G * W_hh.shape[1]:
        raise ValueError(f"{prefix}weight_hh_l0 must have shape ({G}H, H) for {layout.module} "
                         f"(gates {_gate_names(layout)}); got {W_hh.shape}.")
    H = W_hh.shape[1]
    if W_ih.ndim != 2 or W_ih.shape[0] != G * H:
        raise ValueError(f"{prefix}weight_ih_l0 must have shape ({G}H, D) = ({G * H}, D) with H = {H} "
                         f"(from weight_hh_l0 {W_hh.shape}); got {W_ih.shape}.")
    for key, b in (("bias_ih_l0", b_ih), ("bias_hh_l0", b_hh)):
        if b.shape != (G * H,):
            raise ValueError(f"{prefix}{key} must have shape ({G * H},) = ({G}H,) with H = {H}; got {b.shape}.")
    out: dict[str, np.ndarray] = {}
    for j, gate in enumerate(layout.gates):
        rows = slice(j * H, (j + 1) * H)
        out[gate.W_ih], out[gate.W_hh] = W_ih[rows].copy(), W_hh[rows].copy()
        if gate.b_hh is None:
            out[gate.b_ih] = b_ih[rows] + b_hh[rows]
        else:
            out[gate.b_ih], out[gate.b_hh] = b_ih[rows].copy(), b_hh[rows].copy()
    if linear is not None:
        lin = _take(linear, linear_prefix, LINEAR_KEYS, "nn.Linear's state_dict", refuse_others=True)
        W, b = lin["weight"], lin["bias"]
        if W.ndim != 2 or W.shape[1] != H or b.shape != (W.shape[0],):
            raise ValueError(f"{linear_prefix}weight must have shape (V, H) with H = {H} and {linear_prefix}bias "
                             f"(V,); got {W.shape} and {b.shape}.")
        out["W_hy"], out["b_y"] = W.copy(), b.copy()
    dtypes = {a.dtype for a in [*arrays.values(), *out.values()]}
    if len(dtypes) > 1:
        raise ValueError(f"the tensors must share one dtype (float32 or float64); got {sorted(map(str, dtypes))}.")
    return out


def to_torch(cell: str | ModuleType, params: Mapping[str, Any], *, prefix: str = "",
             linear_prefix: str = "") -> tuple[dict[str, np.ndarray], dict[str, np.ndarray] | None]:
    """PyTorch state dicts (of NumPy arrays) from the cell's per-gate parameters.

    Args:
      cell: as for ``from_torch``.
      params: {name: array} as ``from_torch`` returns it (or ``numeric.cells.init_params``): the
        cell's W_x<gate> (H, D), W_h<gate> (H, H), b_<gate> (H,), and optionally W_hy (V, H),
        b_y (V,) (both or neither). Other names are refused.
      prefix, linear_prefix: prepended to the keys (e.g. "rnn.", "fc." for one model's dict).
    Returns:
      (rnn, linear): rnn = {weight_ih_l0 (G·H, D), weight_hh_l0 (G·H, H), bias_ih_l0 (G·H,),
      bias_hh_l0 (G·H,)} stacked in PyTorch's gate order, a summed bias in bias_ih_l0 with zeros in
      bias_hh_l0 at its rows; linear = {weight, bias} or None without W_hy, b_y. Arrays are
      copies; ``module.load_state_dict({k: torch.from_numpy(v) for k, v in rnn.items()})`` loads them.
    """
    name, layout = _layout(cell)
    if not isinstance(params, Mapping):
        if not hasattr(params, "as_dict"):
            raise TypeError(f"params must be a dict of arrays; got {type(params).__name__}.")
        params = params.as_dict()
    needed = [n for g in layout.gates for n in (g.W_ih, g.W_hh, g.b_ih) + ((g.b_hh,) if g.b_hh else ())]
    missing = [n for n in needed if n not in params]
    unknown = sorted(set(params) - set(needed) - set(OUTPUT))
    if missing or unknown:
        raise ValueError(f"params for cell {name!r} must hold {', '.join(needed)} (and W_hy, b_y); "
                         + (f"missing {', '.join(missing)}" if missing else "")
                         + ("; " if missing and unknown else "") + (f"unknown {', '.join(unknown)}" if unknown else "")
                         + ".")
    p = {n: _array(params[n], n) for n in params}
    first = layout.gates[0]
    H, D = p[first.W_ih].shape if p[first.W_ih].ndim == 2 else (None, None)
    if H is None:
        raise ValueError(f"{first.W_ih} must have shape (H, D); got {p[first.W_ih].shape}.")
    for g in layout.gates:
        for n, shape in ((g.W_ih, (H, D)), (g.W_hh, (H, H)), (g.b_ih, (H,)), (g.b_hh, (H,))):
            if n is not None and p[n].shape != shape:
                raise ValueError(f"{n} must have shape {shape} (H = {H}, D = {D} from {first.W_ih}); "
                                 f"got {p[n].shape}.")
    dtypes = {a.dtype for a in p.values()}
    if len(dtypes) > 1:
        raise ValueError(f"params must share one dtype (float32 or float64); got {sorted(map(str, dtypes))}.")
    zeros = np.zeros(H, dtype=p[first.W_ih].dtype)
    rnn = {
        "weight_ih_l0": np.concatenate([p[g.W_ih] for g in layout.gates]),
        "weight_hh_l0": np.concatenate([p[g.W_hh] for g in layout.gates]),
        "bias_ih_l0": np.concatenate([p[g.b_ih] for g in layout.gates]),
        "bias_hh_l0": np.concatenate([zeros if g.b_hh is None else p[g.b_hh] for g in layout.gates]),
    }
    rnn = {prefix + k: v for k, v in rnn.items()}
    has = [n in p for n in OUTPUT]
    if any(has) and not all(has):
        raise ValueError(f"params must hold both W_hy and b_y or neither; got only {OUTPUT[has.index(True)]}.")
    if not all(has):
        return rnn, None
    W, b = p["W_hy"], p["b_y"]
    if W.ndim != 2 or W.shape[1] != H or b.shape != (W.shape[0],):
        raise ValueError(f"W_hy must have shape (V, H) with H = {H} and b_y (V,); got {W.shape} and {b.shape}.")
    return rnn, {linear_prefix + "weight": W.copy(), linear_prefix + "bias": b.copy()}


def _layout(cell) -> tuple[str, TorchLayout]:
    name = getattr(cell, "CELL", cell) if isinstance(cell, ModuleType) else cell
    if not isinstance(name, str) or name not in LAYOUTS:
        raise ValueError(f"cell={name!r} has no PyTorch layout; choose one of {', '.join(sorted(LAYOUTS))} "
                         "(nn.RNN, nn.GRU, nn.LSTM).")
    return name, LAYOUTS[name]


def _gate_names(layout: TorchLayout) -> str:
    return ", ".join(g.W_hh.removeprefix("W_h") for g in layout.gates)


def _take(sd, prefix: str, keys: tuple[str, ...], what: str, *, refuse_others: bool) -> dict[str, np.ndarray]:
    """The arrays at prefix + key; a missing key, or (refuse_others) an unknown key under prefix, is refused."""
    if not isinstance(sd, Mapping):
        raise TypeError(f"{what} must be a mapping of names to arrays (module.state_dict()); "
                        f"got {type(sd).__name__}.")
    if not isinstance(prefix, str):
        raise TypeError(f"prefix must be a string such as 'rnn.'; got {prefix!r}.")
    missing = [prefix + k for k in keys if prefix + k not in sd]
    if missing:
        near = sorted(k for k in sd if isinstance(k, str))[:8]
        raise ValueError(f"{what} has no {', '.join(map(repr, missing))} (needs {', '.join(prefix + k for k in keys)}); "
                         f"got keys {near}{' ...' if len(sd) > 8 else ''}"
                         + ("; pass prefix= for a model's state_dict" if not prefix else "") + ".")
    if refuse_others:
        for key in sd:
            if isinstance(key, str) and key.startswith(prefix) and key[len(prefix):] not in keys:
                raise ValueError(f"{what} holds {key!r}: {_why(key[len(prefix):], keys)}")
    return {k: _array(sd[prefix + k], prefix + k) for k in keys}


def _why(key: str, keys: tuple[str, ...]) -> str:
    """Why a key under the prefix is refused."""
    if keys == RNN_KEYS and key.endswith("_reverse"):
        return "bidirectional modules are not supported; use bidirectional=False."
    if keys == RNN_KEYS and key[-1:].isdigit() and not key.endswith("_l0"):
        return "multi-layer modules (num_layers > 1) are not supported; use one layer per cell."
    if keys == RNN_KEYS and key.startswith("weight_hr"):
        return "projections (proj_size > 0) are not supported."
    which = "linear_prefix" if keys == LINEAR_KEYS else "prefix"
    return f"not one of {', '.join(keys)}; pass {which}= to select the layer's keys of a model's state_dict."


def _array(value, name: str) -> np.ndarray:
    """A float32 / float64 NumPy copy of an array-like (a torch tensor is detached and moved to the CPU)."""
    for attr in ("detach", "cpu"):
        if callable(getattr(value, attr, None)) and not isinstance(value, np.ndarray):
            value = getattr(value, attr)()
    if callable(getattr(value, "numpy", None)) and not isinstance(value, np.ndarray):
        value = value.numpy()
    a = np.array(value, copy=True)
    if a.dtype not in (np.float32, np.float64):
        raise ValueError(f"{name} must be float32 or float64; got dtype {a.dtype}.")
    return a
