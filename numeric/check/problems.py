"""Case: one problem for the checker, and the seeded NumPy draws of the diagnostic sweep.

The main search draws its cases with hypothesis (``numeric/check/search.py``, built on
``numeric.strategies``); the sweep below draws a few cases for every combination of factor
levels and every T, from a seeded ``np.random.Generator``, so its coverage is systematic.
All values are rounded to the check's dtype first, so the float32 function and the float64
reference see exactly the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..forward import forward
from ..params import Params
from ..problem import preactivation_margin
from ..truncation import Truncation
from .spec import SCALES, CheckSpec

RELU_MARGIN = 1e-3   # as numeric.strategies: keep every |a_t| away from relu's kink
LOGIT_CAP = 30.0     # column convention: every |o_t| <= 30 (see _cap_logits)


@dataclass(frozen=True)
class Case:
    """One problem, time-major, in float64 holding values exact in the check's dtype.

    params: Params (W_xh (H, D), W_hh (H, H), b_h (H,), W_hy (V, H), b_y (V,)).
    xs: (T, D) for the column convention, (T, B, D) for the row convention.
    targets: class indices (T,) or real (T, V) (column); None for the row convention.
    h0: (H,) or (B, H), zeros when the level is 'zero'.
    dhs: row convention only, the upstream ∂L/∂h_t, (T, B, H); zero before T when loss_at='last'.
    """

    params: Params
    xs: np.ndarray
    targets: np.ndarray | None
    h0: np.ndarray
    dhs: np.ndarray | None
    activation: str
    loss: str
    loss_at: str
    truncation: Truncation | None
    scale: float

    @property
    def T(self) -> int:
        return self.xs.shape[0]

    @property
    def B(self) -> int | None:
        return self.xs.shape[1] if self.xs.ndim == 3 else None

    def sizes(self) -> dict[str, int]:
        p = self.params
        d = {"T": self.T, "D": p.input_size, "H": p.hidden_size}
        if self.B is not None:
            d["B"] = self.B
        if self.dhs is None:
            d["V"] = p.output_size
        return d

    def levels(self, spec: CheckSpec) -> dict[str, str]:
        """The level of every factor of ``spec.factors()`` this case sits at."""
        lv = {"activation": self.activation, spec.place: self.loss_at,
              "h0": "nonzero" if np.any(self.h0 != 0) else "zero", "scale": f"{self.scale:g}"}
        if spec.row:
            lv["batch"] = "1" if self.B == 1 else ">1"
            return lv
        if spec.vary_truncation:
            lv["truncation"] = "none" if self.truncation is None else "truncated"
        else:
            lv["truncation"] = str(spec.truncation) if spec.truncation else "none"
        return lv


def _round(a: np.ndarray, dtype: np.dtype) -> np.ndarray:
    return np.asarray(a, dtype).astype(np.float64)


def make_case(spec: CheckSpec, *, params: Params, xs, targets, h0, dhs, activation: str,
              loss_at: str, truncation: Truncation | None, scale: float) -> Case:
    """A Case with every real array rounded to ``spec.values_dtype`` (then held in float64);
    without biases (``spec.bias`` False) b_h, b_y are zero, and h0 is zero for ``spec.h0 == "zero"``."""
    dt = spec.values_dtype
    if not spec.vary_truncation:
        truncation = spec.truncation
    if not spec.bias:
        params = Params(params.W_xh, params.W_hh, np.zeros_like(params.b_h), params.W_hy,
                        np.zeros_like(params.b_y))
    if spec.h0 == "zero":
        h0 = np.zeros_like(h0)
    if targets is not None and np.issubdtype(np.asarray(targets).dtype, np.floating):
        targets = _round(targets, dt)
    params, xs, h0 = params.map(lambda a: _round(a, dt)), _round(xs, dt), _round(h0, dt)
    if dhs is None:
        params = _cap_logits(params, xs, h0, activation, dt)
    return Case(params, xs, targets, h0,
                None if dhs is None else _round(dhs, dt), activation, spec.loss, loss_at,
                truncation, float(scale))


def _cap_logits(params: Params, xs: np.ndarray, h0: np.ndarray, activation: str, dt) -> Params:
    """Scale W_hy, b_y down so that every |o_t| <= LOGIT_CAP.

    With identity or relu and large weights the states grow like ‖W_hh‖^t; logits in the
    thousands make a textbook softmax overflow (float32: exp(89)) or -log p underflow, which
    is a different matter from BPTT being right. The recurrent part is left as drawn.
    """
    m = float(np.abs(forward(params, xs, h0=h0, activation=activation).os).max())
    if m <= LOGIT_CAP or not np.isfinite(m):    # overflowed: left as drawn, judged unreliable (compare.py)
        return params
    c = LOGIT_CAP / m
    return Params(params.W_xh, params.W_hh, params.b_h, _round(params.W_hy * c, dt), _round(params.b_y * c, dt))


def draw_case(rng: np.random.Generator, spec: CheckSpec, levels: dict[str, str], T: int,
              sizes: dict[str, int] | None = None) -> Case:
    """One sweep case at the given factor levels and length T (sizes D, H, V in 1..max)."""
    for _ in range(200):                      # relu: redraw until away from the kink
        case = _draw_once(rng, spec, levels, T, sizes)
        if case.activation != "relu" or preactivation_margin(case.params, case.xs, case.h0) > RELU_MARGIN:
            return case
    return case                               # practically unreachable (P(reject) < 0.5 each)


def _draw_once(rng: np.random.Generator, spec: CheckSpec, levels: dict[str, str], T: int,
               sizes: dict[str, int] | None) -> Case:
    H, V = int(rng.integers(1, spec.max_H + 1)), int(rng.integers(1, spec.max_V + 1))
    D = int(rng.integers(1, spec.max_D + 1))
    B = (1 if levels["batch"] == "1" else int(rng.integers(2, spec.max_B + 1))) if spec.row else None
    if sizes:
        H, V, D, B = sizes["H"], sizes["V"], sizes["D"], sizes["B"] if spec.row else None
    if spec.inputs == "one_hot":
        D = V
    s = float(levels["scale"])
    u = lambda *shape, r=1.0: rng.uniform(-r, r, shape)  # noqa: E731
    params = Params(u(H, D, r=s), u(H, H, r=s), u(H, r=s), u(V, H, r=s), u(V, r=s))
    lead = (T,) if B is None else (T, B)
    if spec.inputs == "one_hot":
        xs = np.eye(V)[rng.integers(0, V, T)]
    else:
        xs = u(*lead, D)
    hshape = (H,) if B is None else (B, H)
    h0 = u(*hshape) if levels["h0"] == "nonzero" else np.zeros(hshape)
    targets = dhs = None
    if spec.row:
        dhs = u(T, B, H)
        if levels[spec.place] == "last":
            dhs[:-1] = 0.0
    elif spec.loss == "cross_entropy":
        targets = rng.integers(0, V, T)
    else:
        targets = u(T, V)
    trunc = None
    if levels.get("truncation") == "truncated":
        k1 = int(rng.integers(1, T + 1))
        trunc = Truncation(k1, int(rng.integers(k1, T + 2)))
    return make_case(spec, params=params, xs=xs, targets=targets, h0=h0, dhs=dhs,
                     activation=levels["activation"], loss_at=levels[spec.place], truncation=trunc,
                     scale=s)


def probe_case(spec: CheckSpec, **levels: str) -> Case:
    """A fixed, ordinary case (T = 3, moderate weights, non-zero h0) tried before anything else:
    if the function cannot even answer this, it is unusable input rather than a wrong answer.
    ``levels`` overrides factor levels (the probes of each option value fn may not support)."""
    rng = np.random.default_rng(20240607)
    act = "tanh" if "tanh" in spec.activations else spec.activations[0]
    base = {"activation": act, spec.place: spec.loss_ats[0], "h0": spec.factors()["h0"][-1],
            "batch": ">1", "scale": "1", "truncation": "none"}
    return draw_case(rng, spec, base | levels, 3, {"D": 2, "H": 3, "V": 3, "B": 2})


__all__ = ["Case", "make_case", "draw_case", "probe_case", "SCALES"]
