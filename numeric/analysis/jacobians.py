"""∂h_t/∂h_k products and norms: the measurements behind vanishing and exploding gradients.

One step's Jacobian is J_t = ∂h_t/∂h_{t-1} = diag(f'(a_t)) W_hh (H, H), and
∂h_t/∂h_k = J_t J_{t-1} ··· J_{k+1} (the identity when k = t). Since ‖diag(f')‖ <= γ = sup|f'|,
‖∂h_t/∂h_k‖₂ <= (γ‖W_hh‖₂)^(t-k): Pascanu, Mikolov & Bengio (2013) read off that γ‖W_hh‖₂ < 1
is sufficient for the gradients to vanish, and γ‖W_hh‖₂ > 1 necessary for them to explode.
All functions here take one sequence (unbatched): xs (T, D), h0 (H,).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np

from ..forward import forward
from ..kernels import loss_and_grad_
from ..params import Params
from ..rules import ACTIVATIONS, gamma
from ..finite import quiet, warn_overflow
from ..validate import (check_activation, check_loss, check_params, check_positive_int, check_positive_real,
                       check_square_matrices, check_targets)


def spectral_norm(W: np.ndarray) -> float:
    """‖W‖₂, the largest singular value of W (H, H), finite and real."""
    W = check_square_matrices("W", W, stacked=False)
    with np.errstate(**quiet):
        return float(np.linalg.norm(W, 2))


def spectral_radius(W: np.ndarray) -> float:
    """ρ(W) = max |λ_i| over the eigenvalues of W (H, H), finite and real; ρ(W) <= ‖W‖₂."""
    W = check_square_matrices("W", W, stacked=False)
    with np.errstate(**quiet):
        return float(np.max(np.abs(np.linalg.eigvals(W))))


def step_jacobians(params: Params, xs, *, h0=None, activation: str = "tanh") -> np.ndarray:
    """J (T, H, H) with J[t-1] = ∂h_t/∂h_{t-1} = diag(f'(a_t)) W_hh for t = 1..T.

    params: Params or a dict of its five arrays (as ``numeric.bptt``).
    xs: (T, D); h0: (H,) or None (zeros). f'(a_t) is computed from h_t (rules table).
    """
    params = check_params(params)
    return _jacobians(params, _one_sequence(params, xs, h0, activation), activation)


def _one_sequence(params: Params, xs, h0, activation: str):
    if np.ndim(xs) != 2:
        raise ValueError(f"xs must be one sequence (T, D) here; got shape {np.shape(xs)}.")
    return forward(params, xs, h0=h0, activation=check_activation(activation))


def _jacobians(params: Params, cache, activation: str) -> np.ndarray:
    with np.errstate(**quiet):                      # f' of a saturated state underflows to 0: exact enough
        d = np.asarray(ACTIVATIONS[activation].deriv(np, cache.hs[1:]), dtype=params.dtype)  # f'(a_t), (T, H)
        return d[:, :, None] * params.W_hh[None, :, :]


def jacobian_chain(J: np.ndarray, t: int, k: int) -> np.ndarray:
    """∂h_t/∂h_k = J_t ··· J_{k+1} (H, H) from step Jacobians J (T, H, H); 0 <= k <= t <= T.

    A product that overflows (‖W_hh‖ large, t - k long) holds inf, with one RuntimeWarning.
    """
    J = check_square_matrices("J", J, stacked=True)
    T, H = J.shape[0], J.shape[1]
    ints = all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in (t, k))
    if not (ints and 0 <= k <= t <= T):
        raise ValueError(f"need integers 0 <= k <= t <= T = {T}; got t={t!r}, k={k!r}.")
    M = np.eye(H, dtype=J.dtype)
    with np.errstate(**quiet):
        for s in range(k + 1, t + 1):
            M = J[s - 1] @ M
    if not np.isfinite(M).all():
        warnings.warn(f"numeric.analysis.jacobian_chain: ∂h_{t}/∂h_{k} overflowed in {J.dtype} (a product of {t - k} "
                      "step Jacobians); use log_norms_to_last for norms of long products.",
                      RuntimeWarning, stacklevel=2)
    return M


def log_norms_to_last(J: np.ndarray) -> np.ndarray:
    """log ‖∂h_T/∂h_k‖₂ for k = 0..T, (T + 1,); entry T is 0 (the identity).

    The product is renormalised after every factor so that neither underflow nor overflow
    occurs however long T is; -inf means the product is exactly zero. J: (T, H, H), finite.
    """
    return _log_norms_to_last(check_square_matrices("J", J, stacked=True))


def _log_norms_to_last(J: np.ndarray) -> np.ndarray:
    """log_norms_to_last on a checked J."""
    T, H = J.shape[0], J.shape[1]
    out = np.empty(T + 1)
    out[T] = 0.0
    M, log_scale = np.eye(H, dtype=np.float64), 0.0
    with np.errstate(**quiet):                      # renormalised: tiny entries underflow, harmlessly
        for k in range(T - 1, -1, -1):
            M = M @ J[k]                              # ∂h_T/∂h_k = (∂h_T/∂h_{k+1}) J_{k+1}
            n = float(np.linalg.norm(M, 2))
            if n == 0.0:
                out[:k + 1] = -np.inf
                break
            log_scale += math.log(n)
            M /= n
            out[k] = log_scale
    return out


def loss_grad_norms(params: Params, xs, targets, *, h0=None, activation: str = "tanh",
                    loss: str = "cross_entropy") -> np.ndarray:
    """G (T, T) with G[t-1, k-1] = ‖∂L_t/∂h_k‖₂ for 1 <= k <= t (0 above the diagonal: L_t
    does not depend on later states). Rows are losses t, columns hidden states k.

    ∂L_t/∂h_k = (∂L_t/∂h_t) J_t ··· J_{k+1}; all rows are carried back together, one GEMM per k.
    xs (T, D); targets as for ``numeric.bptt`` with one sequence ((T,) indices or (T, V)).
    params: Params or a dict of its five arrays. Norms that overflow are inf, with one warning.
    """
    params, loss = check_params(params), check_loss(loss)
    cache = _one_sequence(params, xs, h0, activation)
    J = _jacobians(params, cache, activation)
    T, V = J.shape[0], params.output_size
    y = check_targets(targets, loss, T, 1, V, False, params.dtype)     # (T, 1[, V])
    with np.errstate(**quiet):
        G = _carry_back(params, cache, J, y, loss)
    if np.isfinite(cache.hs[-1]).all() and not np.isfinite(G).all():   # else forward has warned
        warn_overflow("numeric.analysis.loss_grad_norms", ["G"], params, cache.activation, T)
    return G


def _carry_back(params: Params, cache, J: np.ndarray, y: np.ndarray, loss: str) -> np.ndarray:
    """The (T, T) norms of ``loss_grad_norms``: all loss rows carried back together."""
    T = J.shape[0]
    do = cache.os[:, None, :].copy()                  # (T, 1, V) -> ∂L_t/∂o_t in place
    loss_and_grad_(loss, do, y, None, 1.0)
    g = do[:, 0, :] @ params.W_hy                     # (T, H): row t-1 is ∂L_t/∂h_t
    G = np.zeros((T, T))
    Vt = np.zeros_like(g)                             # row t-1 holds ∂L_t/∂h_k for the current k
    for k in range(T, 0, -1):
        Vt[k - 1] = g[k - 1]
        G[k - 1:, k - 1] = np.linalg.norm(Vt[k - 1:], axis=1)
        if k > 1:
            Vt[k - 1:] = Vt[k - 1:] @ J[k - 1]        # ∂L_t/∂h_{k-1} = (∂L_t/∂h_k) J_k
    return G


def decay_crossing(factor: float, threshold: float = 0.01) -> tuple[float, int] | None:
    """Where factor**n falls below ``threshold``: (exact n = ln threshold / ln factor, first
    integer step with factor**n < threshold); None when it never does (factor >= 1)."""
    if not (0 < threshold < 1):
        raise ValueError(f"threshold must be in (0, 1); got {threshold}.")
    if not (math.isfinite(factor) and factor >= 0):
        raise ValueError(f"factor must be a finite number >= 0; got {factor}.")
    if factor >= 1:
        return None
    if factor == 0:
        return 0.0, 1
    n = math.log(threshold) / math.log(factor)
    first = math.floor(n) + 1
    return n, first


@dataclass(frozen=True)
class VanishingReport:
    """What ``bptt analyze`` prints; see the module docstring for the conditions.

    log_norms: (T + 1,) log ‖∂h_T/∂h_k‖₂ for k = 0..T.
    decay_factor: the per-step factor with the same total attenuation, ‖∂h_T/∂h_0‖^(1/T).
    """

    activation: str
    hidden: int
    spectral_norm: float
    spectral_radius: float
    gamma: float
    log_norms: np.ndarray

    @property
    def bound(self) -> float:
        """γ‖W_hh‖₂: a bound on every step's ‖∂h_t/∂h_{t-1}‖₂."""
        return self.gamma * self.spectral_norm

    @property
    def vanishing_sufficient(self) -> bool:
        """γ‖W_hh‖₂ < 1: the gradients vanish, whatever the inputs."""
        return self.bound < 1

    @property
    def exploding_necessary(self) -> bool:
        """γ‖W_hh‖₂ > 1: necessary (not sufficient) for exploding gradients."""
        return self.bound > 1

    @property
    def T(self) -> int:
        return self.log_norms.shape[0] - 1

    @property
    def norms(self) -> np.ndarray:
        return np.exp(self.log_norms)

    @property
    def decay_factor(self) -> float:
        return float(math.exp(self.log_norms[0] / self.T)) if np.isfinite(self.log_norms[0]) else 0.0

    @property
    def steps_to_one_percent(self) -> float | None:
        c = decay_crossing(self.decay_factor)
        return None if c is None else c[0]


def analyze(params: Params, xs, *, h0=None, activation: str = "tanh") -> VanishingReport:
    """Spectral norm and radius of W_hh, γ, and ‖∂h_T/∂h_k‖₂ measured along xs (T, D).

    params: Params or a dict of its five arrays (as ``numeric.bptt``).
    """
    params = check_params(params)
    J = step_jacobians(params, xs, h0=h0, activation=activation)
    W = params.W_hh
    return VanishingReport(activation, W.shape[0], spectral_norm(W), spectral_radius(W), gamma(activation),
                           _log_norms_to_last(J))


def random_rnn(input_size: int, hidden_size: int, output_size: int, *, scale: float = 0.01,
               radius: float | None = None, seed: int = 0) -> Params:
    """``Params.init`` weights, with W_hh rescaled to spectral radius ``radius`` when given.

    Rescaling W_hh is how one dials a random RNN between vanishing (radius well below 1)
    and exploding (well above 1) gradients. The rescaled W_hh is the same Gaussian draw at
    unit scale times radius / ρ, so a tiny ``scale`` (1e-320, subnormal) loses no precision;
    a radius whose W_hh would overflow float64 is refused.
    """
    params = Params.init(input_size, hidden_size, output_size, scale=scale, seed=seed)
    if radius is None:
        return params
    radius = check_positive_real("radius", radius, allow_zero=True)
    if scale == 0:
        raise ValueError(f"cannot rescale W_hh to radius {radius}: it is zero (scale={scale}).")
    unit = Params.init(input_size, hidden_size, output_size, scale=1.0, seed=seed).W_hh  # same draw
    with np.errstate(**quiet):
        W = unit * (radius / spectral_radius(unit))
    if not np.isfinite(W).all():
        limit = np.finfo(np.float64).max / float(np.abs(unit).max()) * spectral_radius(unit)
        raise ValueError(f"radius={radius!r} is too large: W_hh's entries would overflow float64; "
                         f"choose radius <= {limit:.3g}.")
    params.W_hh[...] = W
    return params


def random_inputs(T: int, D: int, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A random one-hot sequence xs (T, D) and its next-symbol targets (T,), seeded."""
    check_positive_int("T", T)
    check_positive_int("D", D)
    rng = np.random.default_rng(seed)
    ids = rng.integers(0, D, T + 1)
    xs = np.zeros((T, D))
    xs[np.arange(T), ids[:T]] = 1.0
    return xs, ids[1:]
