"""PyTorch CPU baseline of benchmarks/bench_cells.py: nn.LSTM / nn.GRU + nn.Linear + cross-entropy.

The same model, loss and gradients as ``numeric.cells.bptt(cell, params, xs, targets, state0,
loss="cross_entropy", loss_at="all")``: the recurrent module and nn.Linear with PyTorch's own
initialisation (seeded), mapped to the engine's per-gate parameters by
``numeric.cells.from_torch``; ``F.cross_entropy(..., reduction="sum")`` over all T·B steps. xs and
the initial states require grad, so PyTorch computes ∂L/∂x_t and ∂L/∂s_0 as the engine does (the
same flop count). Imported only when torch is; torch is never a dependency of the toolkit.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from numeric.cells.layout import LAYOUTS, from_torch

MODULES = {"lstm": "LSTM", "gru": "GRU", "elman": "RNN"}


def available() -> str | None:
    """torch's version when it imports, else None."""
    try:
        import torch
    except ImportError:
        return None
    return torch.__version__


def make_model(cell: str, D: int, H: int, V: int, dtype, seed: int = 0):
    """(rnn, linear, params): PyTorch modules with their default initialisation under ``seed``, and
    the same weights as the engine's {name: array} (``from_torch``), dtype float32 or float64."""
    import torch

    tdtype = {np.dtype(np.float32): torch.float32, np.dtype(np.float64): torch.float64}[np.dtype(dtype)]
    torch.manual_seed(seed)
    rnn = getattr(torch.nn, MODULES[cell])(D, H).to(tdtype)
    lin = torch.nn.Linear(H, V).to(tdtype)
    return rnn, lin, from_torch(cell, rnn.state_dict(), lin.state_dict())


def make_step(cell: str, rnn, lin, xs: np.ndarray, targets: np.ndarray, state0: dict[str, np.ndarray],
              threads: int) -> tuple[Callable[[], object], Callable[[], dict[str, np.ndarray]]]:
    """One forward+backward call of the PyTorch model on copies of the inputs.

    Args:
      cell: "lstm", "gru" or "elman"; rnn, lin: from ``make_model``.
      xs: (T, B, D); targets: class indices (T, B); state0: {"h": (B, H)} (and "c" for lstm).
      threads: torch.set_num_threads value.
    Returns:
      (step, result): step() runs forward+backward once; result() runs it and returns the loss
      and the gradients under the engine's names (``from_torch`` applied to the gradients; the
      gradient of a summed bias b = bias_ih + bias_hh is PyTorch's ∂L/∂bias_ih, which equals
      ∂L/∂bias_hh), plus "dxs" (T, B, D) and "d<state>0" (B, H).
    """
    import torch
    import torch.nn.functional as F

    torch.set_num_threads(threads)
    T, B, D = xs.shape
    V = lin.out_features
    x = torch.from_numpy(xs.copy()).requires_grad_(True)
    s0 = {k: torch.from_numpy(v[None].copy()).requires_grad_(True) for k, v in state0.items()}
    hx = (s0["h"], s0["c"]) if cell == "lstm" else s0["h"]
    y = torch.from_numpy(targets.reshape(-1).astype(np.int64))
    leaves = [*rnn.parameters(), *lin.parameters(), x, *s0.values()]

    def step() -> torch.Tensor:
        for leaf in leaves:
            leaf.grad = None
        out, _ = rnn(x, hx)
        loss = F.cross_entropy(lin(out).reshape(T * B, V), y, reduction="sum")
        loss.backward()
        return loss

    def result() -> dict[str, np.ndarray]:
        loss = step()
        g = {name: p.grad.detach().numpy().copy() for name, p in rnn.named_parameters()}
        summed = np.concatenate([np.full(rnn.hidden_size, gate.b_hh is None) for gate in LAYOUTS[cell].gates])
        g["bias_hh_l0"][summed] = 0.0        # a summed bias's gradient is bias_ih's alone
        lg = {name: p.grad.detach().numpy().copy() for name, p in lin.named_parameters()}
        out = {"loss": np.asarray(loss.item()), **from_torch(cell, g, lg), "dxs": x.grad.numpy().copy()}
        out.update({f"d{k}0": v.grad.numpy()[0].copy() for k, v in s0.items()})
        return out

    return step, result
