"""The step formulas of BPTT, derived in SymPy for the code generator (docs/codegen.md).

Two kinds of derivation, both symbolic, none typed by hand:

* Linear algebra, in row layout (one sample per row, N rows: a batch, or every step of a
  window stacked). With matrix symbols xs (N, D), h_prev (N, H), hs (N, H) and

      a = xs W_xhᵀ + h_prev W_hhᵀ + 1 b_h,      o = hs W_hyᵀ + 1 b_y,

  the vector-Jacobian product of a with a cotangent da is ∂ tr(daᵀ a)/∂θ, which SymPy's
  matrix calculus gives as daᵀ h_prev (W_hh), daᵀ xs (W_xh), 1ᵀ da (b_h), da W_hh
  (h_prev) and da W_xh (xs); likewise for o with do. A weight gradient is a sum over steps
  of such products, i.e. the same product over the stacked steps: one GEMM.
* Elementwise, with scalar symbols standing for every entry: h = f(a) and f'(a) written from
  h come from the shared rules table ``numeric.rules.ACTIVATIONS`` evaluated with
  ``derive.namespace.SYMPY_NS``; the δ update multiplies by it. Loss values and ∂L/∂o come
  from ``numeric.rules.LOSSES`` evaluated with ``ROW_NS`` (SYMPY_NS whose sums over the
  outputs of a step are ``RowSum``/``RowMax`` reductions), then ``sympy.cse`` shares their
  common subexpressions (the softmax in cross-entropy).
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from numeric.rules import ACTIVATIONS, LOSSES

from .printer import RowMax, RowSum
from ..namespace import SYMPY_NS, _Namespace

N, D, H, V = sp.symbols("N D H V", integer=True, positive=True)

# ---- row-layout matrix symbols (names are the generated functions' argument names) --------
xs, h_prev, hs = sp.MatrixSymbol("xs", N, D), sp.MatrixSymbol("h_prev", N, H), sp.MatrixSymbol("hs", N, H)
W_xh, W_hh, W_hy = sp.MatrixSymbol("W_xh", H, D), sp.MatrixSymbol("W_hh", H, H), sp.MatrixSymbol("W_hy", V, H)
b_h, b_y = sp.MatrixSymbol("b_h", 1, H), sp.MatrixSymbol("b_y", 1, V)
da, do = sp.MatrixSymbol("da", N, H), sp.MatrixSymbol("do", N, V)

# ---- scalar symbols standing for every entry of an array (elementwise formulas) -----------
a_, h_, dh_, o_, y_ = sp.symbols("a h dh o y", real=True)


def _logsumexp(o):
    m = RowMax(o)
    return m + sp.log(RowSum(sp.exp(o - m)))


def _softmax(o):
    e = sp.exp(o - RowMax(o))
    return e / RowSum(e)


# SYMPY_NS with the sums over one step's outputs as reductions over the last axis, so one
# formula covers a whole (n, B, V) stack; the max shift of log-sum-exp/softmax is an identity
# that keeps exp from overflowing.
ROW_NS = _Namespace(SYMPY_NS, sum=RowSum, dot=lambda u, v: RowSum(u * v), logsumexp=_logsumexp,
                    softmax=_softmax)


@dataclass(frozen=True)
class Formula:
    """One generated function: ``name(*args)`` returns ``outputs`` (after ``temps``)."""

    name: str
    args: tuple[str, ...]
    outputs: tuple
    doc: str
    temps: tuple[tuple[sp.Symbol, sp.Expr], ...] = ()


def _vjp(expr, cotangent, wrt):
    """∂ tr(cotangentᵀ expr)/∂wrt: the vector-Jacobian product of a matrix expression."""
    return sp.Trace(cotangent.T * expr).diff(wrt).doit()


def _split(expr, symbol):
    """Terms of a matrix sum that do / do not contain ``symbol``."""
    terms = expr.args if isinstance(expr, sp.MatAdd) else (expr,)
    dep = [t for t in terms if t.has(symbol)]
    rest = [t for t in terms if not t.has(symbol)]
    return sp.MatAdd(*dep), sp.MatAdd(*rest)


def preactivation() -> sp.MatrixExpr:
    """a = xs W_xhᵀ + h_prev W_hhᵀ + 1 b_h (row layout)."""
    return xs * W_xh.T + h_prev * W_hh.T + sp.OneMatrix(N, 1) * b_h


def output() -> sp.MatrixExpr:
    """o = hs W_hyᵀ + 1 b_y (row layout)."""
    return hs * W_hy.T + sp.OneMatrix(N, 1) * b_y


def step_formulas(activation: str, loss: str) -> list[Formula]:
    """Every formula the generated module prints, in the order it prints them."""
    act, rule = ACTIVATIONS[activation], LOSSES[loss]
    a, o = preactivation(), output()
    recurrent, inputs = _split(a, h_prev)
    f = act.value(SYMPY_NS, a_)
    fprime = sp.sympify(act.deriv(SYMPY_NS, h_))
    dadh = sp.piecewise_fold(dh_ * fprime)
    # factor_terms undoes SymPy's auto-distribution (2*(o - y) -> 2*o - 2*y) so cse can share o - y
    loss_value, loss_grad = (sp.factor_terms(e) for e in (rule.value(ROW_NS, o_, y_), rule.grad(ROW_NS, o_, y_)))
    temps, (loss_value, loss_grad) = sp.cse([loss_value, loss_grad],
                                            symbols=sp.numbered_symbols("_c"), optimizations=None)
    return [
        Formula("input_projection", ("xs", "W_xh", "b_h"), (inputs,),
                "The part of a_t that does not depend on h_{t-1}, for every step at once.\n\n"
                "xs (N, D) -> (N, H); N = T·B stacked rows."),
        Formula("recurrent_projection", ("h_prev", "W_hh"), (recurrent,),
                "The part of a_t that depends on h_{t-1}: h_prev (B, H) -> (B, H)."),
        Formula("activation", ("a",), (f,),
                f"h = f(a) for f = {activation}, elementwise; a and h have any shape."),
        Formula("output", ("hs", "W_hy", "b_y"), (o,),
                "o_t = W_hy h_t + b_y for stacked states: hs (N, H) -> (N, V)."),
        Formula("loss_and_grad_o", ("o", "y"), (loss_value, loss_grad),
                f"Per-step loss and ∂L_t/∂o_t of loss = {loss}.\n\n"
                "o (n, B, V), y (n, B, V) (one-hot for cross_entropy) -> L_t (n, B, 1), dL/do (n, B, V).",
                tuple(temps)),
        Formula("grad_h_from_o", ("do", "W_hy"), (_vjp(o, do, hs),),
                "∂L/∂h_t through o_t: do (N, V) -> (N, H)."),
        Formula("activation_deriv", ("h",), (fprime,),
                "f'(a) written from h = f(a), elementwise; any shape (the δ update's factor)."),
        Formula("grad_a", ("dh", "h"), (dadh,),
                "da_t = dh_t ⊙ f'(a_t), f' written from h_t = f(a_t): (B, H) -> (B, H)."),
        Formula("grad_h_prev", ("da", "W_hh"), (_vjp(a, da, h_prev),),
                "∂L/∂h_{t-1} through a_t (the δ recursion's Jacobian product): (B, H) -> (B, H)."),
        Formula("grad_xs", ("da", "W_xh"), (_vjp(a, da, xs),), "∂L/∂x_t: da (N, H) -> (N, D)."),
        Formula("grad_W_xh", ("da", "xs"), (_vjp(a, da, W_xh),),
                "Σ_t da_tᵀ x_t over stacked rows: da (N, H), xs (N, D) -> (H, D)."),
        Formula("grad_W_hh", ("da", "h_prev"), (_vjp(a, da, W_hh),),
                "Σ_t da_tᵀ h_{t-1} over stacked rows: da (N, H), h_prev (N, H) -> (H, H)."),
        Formula("grad_b_h", ("da",), (_vjp(a, da, b_h),), "Σ_t da_t over stacked rows: (N, H) -> (H,)."),
        Formula("grad_W_hy", ("do", "hs"), (_vjp(o, do, W_hy),),
                "Σ_t do_tᵀ h_t over stacked rows: do (N, V), hs (N, H) -> (V, H)."),
        Formula("grad_b_y", ("do",), (_vjp(o, do, b_y),), "Σ_t do_t over stacked rows: (N, V) -> (V,)."),
    ]
