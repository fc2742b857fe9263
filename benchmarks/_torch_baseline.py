"""PyTorch CPU baseline for benchmarks/bench_engine.py: nn.RNN + nn.Linear + cross-entropy.

The same model, loss and gradients as ``numeric.bptt(..., activation="tanh",
loss="cross_entropy", loss_at="all")``: nn.RNN(tanh) with the engine's weights (b_h as
``bias_ih``, ``bias_hh`` held at zero), nn.Linear for W_hy, b_y, and
``F.cross_entropy(..., reduction="sum")``. xs and h0 require grad, so PyTorch computes
∂L/∂x_t and ∂L/∂h0 as the engine does (the same flop count). Imported only when torch is.
"""

from __future__ import annotations

from typing import Callable

import numpy as np


def available() -> str | None:
    """torch's version when it imports, else None."""
    try:
        import torch
    except ImportError:
        return None
    return torch.__version__


def make_step(params, xs: np.ndarray, targets: np.ndarray, h0: np.ndarray,
              threads: int) -> tuple[Callable[[], object], Callable[[], dict[str, np.ndarray]]]:
    """Build one forward+backward call on copies of the inputs.

    Args:
      params: numeric.Params; W_xh (H, D), W_hh (H, H), b_h (H,), W_hy (V, H), b_y (V,).
      xs: (T, B, D); targets: class indices (T, B); h0: (B, H). float32 or float64.
      threads: torch.set_num_threads value.
    Returns:
      (step, result): step() runs forward+backward once; result() runs it and returns the
      loss and gradients as NumPy arrays under the engine's names, for a cross-check.
    """
    import torch
    import torch.nn.functional as F

    torch.set_num_threads(threads)
    dtype = {np.dtype(np.float32): torch.float32, np.dtype(np.float64): torch.float64}[xs.dtype]
    T, B, D = xs.shape
    H, V = params.hidden_size, params.output_size
    rnn = torch.nn.RNN(D, H, nonlinearity="tanh", bias=True).to(dtype)
    lin = torch.nn.Linear(H, V).to(dtype)
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(torch.from_numpy(params.W_xh))
        rnn.weight_hh_l0.copy_(torch.from_numpy(params.W_hh))
        rnn.bias_ih_l0.copy_(torch.from_numpy(params.b_h))
        rnn.bias_hh_l0.zero_()
        lin.weight.copy_(torch.from_numpy(params.W_hy))
        lin.bias.copy_(torch.from_numpy(params.b_y))
    x = torch.from_numpy(xs.copy()).requires_grad_(True)
    h = torch.from_numpy(h0[None].copy()).requires_grad_(True)
    y = torch.from_numpy(targets.reshape(-1).astype(np.int64))
    leaves = [*rnn.parameters(), *lin.parameters(), x, h]

    def step() -> torch.Tensor:
        for leaf in leaves:
            leaf.grad = None
        out, _ = rnn(x, h)
        loss = F.cross_entropy(lin(out).reshape(T * B, V), y, reduction="sum")
        loss.backward()
        return loss

    def result() -> dict[str, np.ndarray]:
        loss = step()
        g = lambda t: t.grad.detach().numpy().copy()  # noqa: E731
        return {"loss": np.asarray(loss.item()), "W_xh": g(rnn.weight_ih_l0),
                "W_hh": g(rnn.weight_hh_l0), "b_h": g(rnn.bias_ih_l0), "W_hy": g(lin.weight),
                "b_y": g(lin.bias), "dh0": g(h)[0], "dxs": g(x)}

    return step, result
