"""CheckSpec: what ``check_implementation`` checks, validated once, and the stated tolerances.

A spec fixes the convention, the levels every factor is drawn from (activation, loss
placement, h0, batch size, weight scale, truncation), the dtype handed to the user's function
and the tolerance the answers are judged by. Factors the user's function takes as keyword
arguments (``activation``, ``loss_at``, ``truncation``, found from its signature) are varied;
the others are held at the values given.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from ..params import PARAM_NAMES
from ..rules import ACTIVATIONS, LOSS_AT
from ..truncation import Truncation
from ..validate import check_activation, check_choice, check_loss, check_loss_at, check_positive_int

CONVENTIONS = ("column", "row")
INPUTS = ("real", "one_hot")
H0_MODES = ("given", "zero")          # h0 drawn zero and non-zero, or always zero (--h0 zero)
REDUCTIONS = ("sum", "mean")          # the loss over the steps with a loss: Σ_t L_t or its mean
VARIABLE_KWARGS = ("activation", "loss_at", "truncation")
# Weight entries uniform in [-s, s]: numeric.strategies.REGIMES (small, moderate, saturating),
# repeated here so that importing the checker does not import hypothesis.
SCALES = (0.1, 1.0, 10.0)
ROW_NAMES = ("dx", "dh0", "dWx", "dWh", "db")
COLUMN_NAMES = ("loss", *PARAM_NAMES, "h0")
# Which column-convention quantity each row-convention result is (for the hints).
BIASES = ("b_h", "b_y")
ROLE = {"dx": "xs", "dh0": "h0", "dWx": "W_xh", "dWh": "W_hh", "db": "b_h"}


@dataclass(frozen=True)
class Tolerance:
    """A quantity is wrong when ‖got − expected‖ / max(‖got‖ + ‖expected‖, floor · ‖ν‖) >= rtol.

    ν is the quantity's magnitude bound (numeric/check/magnitude.py: the reference recursion on
    absolute values, which bounds rounding error). A quantity far smaller than its own terms
    (cancellation, vanishing gradients, a loss near 0) is thereby judged by its absolute error
    against rtol · floor · ‖ν‖, so rounding noise is never mistaken for a bug.
    """

    rtol: float
    floor: float
    tiny: float          # absolute floor of the denominators: underflow to 0 is not a bug

    def describe(self) -> str:
        return (f"relative error < {self.rtol:g}, denominators floored at {self.floor:g} x the "
                f"quantity's magnitude bound (sum of absolute values of its terms) and at {self.tiny:.1e}")


# Rounding error of a correct answer is at most ~c·ε·‖ν‖ with c ~ T (H + D + 2) <= 60 here.
# float64 (ε 1.1e-16): noise <= 7e-15 ‖ν‖; the threshold rtol·floor = 1e-12 ‖ν‖ leaves 100x, and
# rtol = 1e-7 (the article's gradient-check bar) sits eight orders above the ~1e-15 relative
# noise of uncancelled sums. float32 (ε 6e-8): noise <= 3.6e-6 ‖ν‖ against rtol·floor = 5e-5 ‖ν‖;
# rtol = 1e-3 is ~300x the measured worst of correct float32 implementations (docs/check.md).
# Real bugs give relative errors of 1e-2 .. 1.
# tiny: a product of subnormal inputs may underflow to 0 (or flush, in float32 BLAS); 1e3 x the
# smallest normal number, over rtol, makes such answers right.
TOLERANCES = {np.dtype(np.float64): Tolerance(rtol=1e-7, floor=1e-5, tiny=1e3 * 2.2250738585072014e-308 / 1e-7),
              np.dtype(np.float32): Tolerance(rtol=1e-3, floor=5e-2, tiny=1e3 * 1.1754944e-38 / 1e-3)}


@dataclass(frozen=True)
class CheckSpec:
    """Everything a check needs besides the function itself."""

    convention: str
    activations: tuple[str, ...]
    loss: str
    loss_ats: tuple[str, ...]
    truncation: Truncation | None       # held value when the function takes no `truncation`
    vary_truncation: bool
    passes: tuple[str, ...]             # keyword arguments handed to the function
    inputs: str
    dtype: np.dtype
    tol: Tolerance
    examples: int
    seed: int
    shrink: bool = True
    max_T: int = 6
    max_B: int = 3
    max_D: int = 3
    max_H: int = 4
    max_V: int = 3
    bias: bool = True                   # False: no b_h, b_y (absent from params and grads)
    h0: str = "given"                   # "zero": h0 is always zero (and passed only if fn takes it)
    pass_h0: bool = True                # fn takes an h0 argument
    reduction: str = "sum"              # "mean": loss and gradients over the steps with a loss
    precision: np.dtype | None = None   # fn returns a lower precision than it is given: values and tol

    @property
    def row(self) -> bool:
        return self.convention == "row"

    @property
    def values_dtype(self) -> np.dtype:
        """The dtype every drawn value is exact in (and the answers are judged at)."""
        return self.precision if self.precision is not None else self.dtype

    def names(self, with_h0: bool = True) -> list[str]:
        """The quantities fn returns, as it names them (h0: column convention's optional ∂L/∂h0)."""
        if self.row:
            return [n for n in ROW_NAMES if self.bias or n != "db"]
        return ["loss", *(n for n in PARAM_NAMES if self.bias or n not in BIASES)] + (["h0"] if with_h0 else [])

    @property
    def place(self) -> str:
        """The loss-placement factor: loss_at (column) or dh_at, where the upstream dh is non-zero (row)."""
        return "dh_at" if self.row else "loss_at"

    def factors(self) -> dict[str, tuple[str, ...]]:
        """Every factor and its levels (a factor with one level is held, not varied)."""
        f = {"activation": self.activations, self.place: self.loss_ats,
             "h0": ("zero",) if self.h0 == "zero" else ("zero", "nonzero")}
        if self.row:
            f["batch"] = ("1", ">1")
        f["scale"] = tuple(f"{s:g}" for s in SCALES)
        if not self.row:
            f["truncation"] = ("none", "truncated") if self.vary_truncation else (
                (str(self.truncation),) if self.truncation else ("none",))
        return f


def accepted_kwargs(fn: Callable) -> tuple[str, ...]:
    """The subset of activation / loss_at / truncation that ``fn`` names as parameters."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return ()
    ok = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    return tuple(n for n in VARIABLE_KWARGS if n in sig.parameters and sig.parameters[n].kind in ok)


def make_spec(fn: Callable, *, convention: Any, activation: Any, loss: Any, loss_at: Any,
              truncation: Any, inputs: Any, examples: Any, seed: Any, dtype: Any,
              max_T: Any, shrink: Any = True, bias: Any = True, h0: Any = "given",
              reduction: Any = "sum") -> CheckSpec:
    """Validate the options of ``check_implementation`` (clear ValueError/TypeError)."""
    if not callable(fn):
        raise TypeError(f"fn must be callable; got {type(fn).__name__} {fn!r}.")
    convention = check_choice("convention", convention, CONVENTIONS)
    check_activation(activation)
    check_loss(loss)
    check_loss_at(loss_at)
    inputs = check_choice("inputs", inputs, INPUTS)
    examples = check_positive_int("examples", examples)
    max_T = check_positive_int("max_T", max_T)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be an integer >= 0; got {seed!r}.")
    names = {"float64": np.float64, "float32": np.float32}
    try:
        dt = np.dtype(names.get(dtype, dtype))
    except TypeError:
        dt = None
    if dt not in TOLERANCES:
        raise ValueError(f"dtype={dtype!r} is not supported; choose one of ['float32', 'float64'].")
    trunc = None if truncation is None else Truncation.parse(truncation)
    if not isinstance(bias, (bool, np.bool_)):
        raise TypeError(f"bias must be True or False; got {bias!r}.")
    h0 = check_choice("h0", h0, H0_MODES)
    reduction = check_choice("reduction", reduction, REDUCTIONS)
    passes = accepted_kwargs(fn)
    if convention == "row":
        if inputs != "real":
            raise ValueError("inputs='one_hot' is for the column (char-RNN) convention; "
                             "got it with convention='row'.")
        if trunc is not None:
            raise ValueError("truncation applies to the column convention only (the row convention's "
                             f"layer backward takes the whole upstream dh); got truncation={truncation!r}.")
        if reduction != "sum":
            raise ValueError("reduction applies to the column convention only (the row convention's "
                             f"layer backward has no loss, it is given dh); got reduction={reduction!r}.")
        passes = tuple(n for n in passes if n == "activation")
    acts = tuple(sorted(ACTIVATIONS)) if "activation" in passes else (activation,)
    if convention == "row":
        places = LOSS_AT                       # where the upstream dh is non-zero: data, not a flag
    else:
        places = LOSS_AT if "loss_at" in passes else (loss_at,)
    return CheckSpec(convention, acts, loss, tuple(places), trunc, "truncation" in passes, passes,
                     inputs, dt, TOLERANCES[dt], examples, int(seed), bool(shrink), max_T=max_T,
                     bias=bool(bias), h0=h0, pass_h0=h0 == "given" or takes_h0(fn, convention, bool(bias)),
                     reduction=reduction)


def takes_h0(fn: Callable, convention: str, bias: bool) -> bool:
    """With h0 always zero: whether fn still takes the h0 argument (by its positional arity)."""
    need = (4 if convention == "column" else 6) - (convention == "row" and not bias)
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return True
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    ps = [p for n, p in sig.parameters.items() if n not in VARIABLE_KWARGS]
    if any(p.kind == inspect.Parameter.VAR_POSITIONAL for p in ps):
        return True
    return sum(p.kind in kinds for p in ps) >= need
