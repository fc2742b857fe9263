"""The classic BPTT mistakes, each one setting of the knobs of reference.py and how to say it.

``MISTAKES`` lists them in the order they are tried; ``applicable(spec)`` keeps the ones the
check can tell apart (a softmax mistake needs cross-entropy, a truncation window needs
truncated cases, the other-activation ones need more than one activation in play).
"""

from __future__ import annotations

from dataclasses import dataclass

from ...params import LAYER_PARAMS
from ...rules import ACTIVATIONS
from ..spec import CheckSpec
from .reference import Knobs


@dataclass(frozen=True)
class Mistake:
    """name: a short id (the JSON report's); text: the hint, in the words of the row or column
    convention ({W_hh} etc. are the user's names); knobs: the reference computation with it."""

    name: str
    text: str
    knobs: Knobs
    needs: str = ""          # "" | "cross_entropy" | "column" | "row" | "truncated" | "loss_at_last"


def _catalog() -> list[Mistake]:
    m = [
        Mistake("derivative_missing", "the activation derivative is missing: your gradients equal the "
                "reference's with ∂L/∂a_t = ∂L/∂h_t, without the factor f'(a_t)", Knobs(deriv="none")),
        Mistake("derivative_at_h", "the activation derivative is applied to h_t instead of a_t: your "
                "gradients equal the reference's with f'(h_t) (tanh: 1 − tanh(h_t)²) in place of f'(a_t) "
                "(tanh: 1 − h_t²)", Knobs(deriv="at_h")),
        Mistake("delta_not_carried", "δ is not carried through time: your gradients equal the reference's "
                "without the through-time term W_hhᵀ ∂L/∂a_{t+1} in ∂L/∂h_t", Knobs(carry=False)),
        Mistake("whh_not_transposed", "W_hh is not transposed: your gradients equal the reference's with "
                "W_hh in place of W_hhᵀ in ∂L/∂h_{t-1} = W_hhᵀ ∂L/∂a_t", Knobs(transpose=False)),
        Mistake("h_t_for_h_prev", "your {W_hh} gradient equals the reference's with h_t in place of the "
                "previous state h_{t-1} in ∂L/∂W_hh = Σ_t ∂L/∂a_t h_{t-1}ᵀ", Knobs(prev="current")),
        Mistake("h_prev_wraps", "your {W_hh} gradient equals the reference's with h_T in place of h_0 at "
                "t = 1 (h_{t-1} read as h[t - 1], which wraps to the last state h[-1] = h_T at t = 1)",
                Knobs(prev="wrap")),
        Mistake("loop_skips_first", "off-by-one loop bounds: your results equal the reference's with the "
                "backward loop never visiting t = 1 (range(T - 1, 0, -1) instead of range(T - 1, -1, -1))",
                Knobs(loop="skip_first")),
        Mistake("loop_skips_last", "off-by-one loop bounds: your results equal the reference's with the "
                "backward loop never visiting the last step t = T (it starts at T - 2 in 0-based indices)",
                Knobs(loop="skip_last")),
        Mistake("overwritten", "gradients overwritten instead of accumulated: your {W_xh}, {W_hh} gradients "
                "equal the reference's with = in place of += in the backward loop (only the t = 1 term "
                "survives)", Knobs(overwrite=("W_xh", "W_hh"))),
        Mistake("overwritten_all", "gradients overwritten instead of accumulated: your {W_xh}, {W_hh}, {b_h} "
                "gradients equal the reference's with = in place of += in the backward loop (only the "
                "t = 1 term survives)", Knobs(overwrite=LAYER_PARAMS)),
        Mistake("h0_ignored", "h0 is ignored: your results equal the reference's with the forward pass "
                "started from 0 instead of h0", Knobs(use_h0=False)),
        Mistake("dh0_without_whh", "your ∂L/∂h0 ({h0}) equals the reference's ∂L/∂a_1, without the final "
                "W_hhᵀ: ∂L/∂h0 = W_hhᵀ ∂L/∂a_1", Knobs(dh0_through=False)),
        Mistake("softmax_without_minus_one", "softmax without −1: your gradients equal the reference's with "
                "∂L_t/∂o_t = p_t in place of p_t − onehot(y_t)", Knobs(minus_one=False), "cross_entropy"),
        Mistake("loss_mean_over_steps", "the loss is averaged over the steps while the gradients are "
                "summed: your loss equals the reference's divided by the number of steps with a loss",
                Knobs(loss_div="steps"), "column"),
        Mistake("loss_mean_over_classes", "the loss is averaged over the classes: your loss equals the "
                "reference's divided by V (np.mean over the output entries instead of a sum)",
                Knobs(loss_div="classes"), "column"),
        Mistake("mean_over_classes", "the loss is averaged over the classes: your loss and gradients equal "
                "the reference's divided by V (np.mean over the output entries instead of a sum)",
                Knobs(loss_div="classes", grads_div_classes=True), "column"),
        Mistake("mean_reduction", "a mean over the steps, not the sum: your loss and gradients equal the "
                "reference's divided by the number of steps with a loss — PyTorch's default reduction; if "
                "that is your model, check it with --reduction mean (reduction='mean')",
                Knobs(rescale="mean"), "sum"),
        Mistake("sum_reduction", "a sum over the steps, not the mean: your loss and gradients equal the "
                "reference's times the number of steps with a loss; if that is your model, check it "
                "without --reduction mean", Knobs(rescale="sum"), "mean"),
        Mistake("bias_batch_mean", "the bias gradient is averaged over the batch: your {b_h} equals the "
                "reference's with a mean over the N sequences instead of a sum", Knobs(batch_mean=("b_h",)),
                "row"),
        Mistake("batch_mean", "the gradients are averaged over the batch: your weight gradients equal the "
                "reference's with a mean over the N sequences instead of a sum",
                Knobs(batch_mean=LAYER_PARAMS), "row"),
        Mistake("upstream_last_only", "only the last step's upstream gradient is used: your results equal "
                "the reference's with dh[:, t] = 0 for every t < T", Knobs(upstream="last"), "row"),
        Mistake("backward_ignores_loss_at", "the backward pass ignores loss_at='last': your gradients equal "
                "the reference's with a loss at every step", Knobs(upstream="all"), "loss_at_last"),
        Mistake("window_too_long", "the truncation window is one step too long: your gradients equal the "
                "reference's with every window starting at step τ − k2 instead of τ − k2 + 1",
                Knobs(window_shift=1), "truncated"),
        Mistake("window_too_short", "the truncation window is one step too short: your gradients equal the "
                "reference's with every window starting at step τ − k2 + 2 instead of τ − k2 + 1",
                Knobs(window_shift=-1), "truncated"),
    ]
    for a in ACTIVATIONS:
        if a != "identity":         # identity's f' = 1 is derivative_missing
            m.append(Mistake(f"derivative_of_{a}", f"{a}'s derivative is used for every activation: your "
                             f"gradients equal the reference's with f'(a_t) computed as {a}' (from h_t)",
                             Knobs(deriv=a), "activations"))
        m.append(Mistake(f"computes_{a}", f"another activation than declared: your results equal the "
                         f"reference's computed with {a} in place of the declared activation",
                         Knobs(activation=a), "activations"))
    return m


MISTAKES = tuple(_catalog())


def applicable(spec: CheckSpec) -> list[Mistake]:
    ok = {"": True, "cross_entropy": not spec.row and spec.loss == "cross_entropy",
          "column": not spec.row, "row": spec.row, "truncated": spec.vary_truncation or spec.truncation is not None,
          "loss_at_last": not spec.row and "last" in spec.loss_ats, "activations": True,
          "sum": not spec.row and spec.reduction == "sum", "mean": not spec.row and spec.reduction == "mean"}
    return [m for m in MISTAKES if ok[m.needs]]
