"""JAX CPU baseline for benchmarks/bench_engine.py: ``jit(value_and_grad(scan))``.

The same model, loss and gradients as ``numeric.bptt(..., activation="tanh",
loss="cross_entropy", loss_at="all")``, written the way a careful JAX user would: the input
and output projections of all steps are single matmuls outside ``lax.scan`` (only the
recurrence is scanned), the loss is log-sum-exp, and the gradient is taken with respect
to the weights, xs and h0 (the engine's flop count). Imported only when jax is.
"""

from __future__ import annotations

from typing import Callable

import numpy as np


def available() -> str | None:
    """jax's version when it imports, else None."""
    try:
        import jax
    except ImportError:
        return None
    return jax.__version__


def make_step(params, xs: np.ndarray, targets: np.ndarray, h0: np.ndarray
              ) -> tuple[Callable[[], object], Callable[[], dict[str, np.ndarray]]]:
    """Build (and compile) one forward+backward call.

    Args:
      params: numeric.Params; W_xh (H, D), W_hh (H, H), b_h (H,), W_hy (V, H), b_y (V,).
      xs: (T, B, D); targets: class indices (T, B); h0: (B, H). float32 or float64.
    Returns:
      (step, result) as in _torch_baseline.make_step.
    """
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)   # float64 runs need it; dtypes below are explicit

    def loss_fn(weights, xs, h0, ys):
        W_xh, W_hh, b_h, W_hy, b_y = weights
        proj = xs @ W_xh.T + b_h                                 # (T, B, H), one GEMM

        def cell(h, p):
            h = jnp.tanh(p + h @ W_hh.T)
            return h, h

        _, hs = jax.lax.scan(cell, h0, proj)                     # (T, B, H)
        o = hs @ W_hy.T + b_y                                    # (T, B, V), one GEMM
        lse = jax.nn.logsumexp(o, axis=-1)
        oy = jnp.take_along_axis(o, ys[..., None], axis=-1)[..., 0]
        return jnp.sum(lse - oy)

    fn = jax.jit(jax.value_and_grad(loss_fn, argnums=(0, 1, 2)))
    weights = tuple(jnp.asarray(a) for _, a in params)
    args = (weights, jnp.asarray(xs), jnp.asarray(h0), jnp.asarray(targets.astype(np.int32)))
    jax.block_until_ready(fn(*args))                            # compile outside the timing

    def step():
        return jax.block_until_ready(fn(*args))

    def result() -> dict[str, np.ndarray]:
        loss, (gw, gx, gh) = step()
        out = {"loss": np.asarray(loss), "dh0": np.asarray(gh), "dxs": np.asarray(gx)}
        out.update({name: np.asarray(g) for (name, _), g in zip(params, gw)})
        return out

    return step, result
