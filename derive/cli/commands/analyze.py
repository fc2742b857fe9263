"""bptt analyze: vanishing/exploding diagnostics of W_hh, random or from a saved model."""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import NamedTuple

from numeric.rules import ACTIVATIONS

from ..values import add_flag

HELP = "vanishing/exploding gradients: ‖W_hh‖₂, ρ(W_hh), γ, Pascanu conditions, ‖∂h_T/∂h_k‖ per k"
DESCRIPTION = (
    "Analyse W_hh of a saved model (--model) or of random weights: spectral norm and radius, "
    "γ = sup|f'|, the Pascanu–Mikolov–Bengio sufficient condition for vanishing (γ‖W_hh‖₂ < 1) and "
    "necessary condition for exploding (γ‖W_hh‖₂ > 1), the measured ‖∂h_T/∂h_k‖₂ for every k along "
    "an input sequence, and the effective per-step decay factor."
)
# the library's parameter names in its messages -> this command's flags (derive/cli/app.py)
PARAM_FLAGS = {"hidden_size": "--hidden-size", "input_size": "--input-size", "output_size": "--input-size", "scale": "--scale",
               "radius": "--radius", "T": "--T"}


class Weights(NamedTuple):
    """What the weight options select: params, xs (T, D), targets (T,), activation, descriptions."""

    params: object
    xs: object
    targets: object
    activation: str
    description: str
    short: str


WEIGHT_FLAGS = {"hidden": "--hidden-size", "input": "--input-size"}   # dest -> the documented flag


def add_weight_arguments(p: argparse.ArgumentParser, *, T: int = 50, hidden: int = 100, scale: float = 0.01,
                         radius: float | None = None) -> None:
    """Options choosing the weights and the input sequence (shared with `bptt plot heatmap`)."""
    p.add_argument("--model", metavar="MODEL.npz", help="a model from `bptt train --save` (default: random weights)")
    p.add_argument("--input-text", metavar="TEXT",
                   help="with --model: a text whose characters are the inputs and, shifted by one, the "
                        "targets (next-character prediction), so T = min(--T, len(TEXT) - 1) (default: the "
                        "model's greedy text from its prefix)")
    p.add_argument("--T", type=int, help=f"sequence length T (default {T})")
    g = p.add_argument_group("random weights (without --model)")
    # None = not given: with --model these are refused rather than silently ignored
    add_flag(g, "--hidden-size", "--hidden", dest="hidden", type=int, metavar="H",
             help=f"hidden size H (default {hidden})")
    add_flag(g, "--input-size", "--input", dest="input", type=int, metavar="D",
             help="one-hot input size D = V (default 8)")
    g.add_argument("--scale", type=float, help=f"std of the weights, as Params.init (default {scale:g})")
    g.add_argument("--radius", type=float, metavar="R",
                   help="rescale W_hh to spectral radius R, e.g. 0.9 or 1.5 (default "
                        + ("none" if radius is None else f"{radius:g}") + ")")
    g.add_argument("--activation", choices=tuple(ACTIVATIONS), help="default tanh")
    g.add_argument("--seed", type=int, help="seed of the weights and the random inputs (default 0)")
    from ._limits import add_force_argument

    add_force_argument(p)
    p.set_defaults(cost=analysis_cost)
    p.set_defaults(default_T=T)
    p.set_defaults(random_weight_defaults={"hidden": hidden, "input": 8, "scale": scale, "radius": radius,
                                           "activation": "tanh"})


def analysis_cost(T: int, H: int) -> tuple[float, float]:
    """(bytes, seconds) of `bptt analyze`: the T Jacobians (H, H) in float64, and per step one
    product and one spectral norm, ~6.4e-10 s per T·H³ (H = 500, T = 50: about 4 s)."""
    return 8.0 * T * H * H, 6.4e-10 * T * H ** 3


def check_cost(args: argparse.Namespace, T: int, H: int) -> None:
    """Refuse (unless --force) sizes whose analysis would need gigabytes or take minutes."""
    from ._limits import check_work

    nbytes, seconds = args.cost(T, H)
    check_work(args, f"the analysis of T = {T} steps with H = {H}", nbytes=nbytes, seconds=seconds,
               verb="need", remedy="choose a smaller --T" + ("" if args.model else " or --hidden"))


def load_weights(args: argparse.Namespace) -> Weights:
    """The weights and inputs the options above select."""
    from numeric.analysis.jacobians import random_inputs, random_rnn
    from numeric.validate import check_positive_int

    T = check_positive_int("--T", args.default_T if args.T is None else args.T)
    args.seed = 0 if args.seed is None else args.seed
    if args.seed < 0:
        raise ValueError(f"--seed must be an integer >= 0; got {args.seed}.")
    given = {name: getattr(args, name) for name in args.random_weight_defaults if getattr(args, name) is not None}
    if args.model is None:
        if args.input_text is not None:
            raise ValueError("--input-text needs --model (random weights use random one-hot inputs).")
        w = argparse.Namespace(**(args.random_weight_defaults | given))
        for flag, v in (("--hidden-size", w.hidden), ("--input-size", w.input)):
            check_positive_int(flag, v)
        check_cost(args, T, w.hidden)
        params = random_rnn(w.input, w.hidden, w.input, scale=w.scale, radius=w.radius, seed=args.seed)
        xs, ys = random_inputs(T, w.input, seed=args.seed)
        radius = "" if w.radius is None else f", W_hh rescaled to radius {w.radius:g}"
        what = (f"random weights: H={w.hidden}, D=V={w.input}, scale {w.scale:g}{radius}, seed {args.seed}; "
                f"random one-hot inputs, T={T}")
        short = f"random, H={w.hidden}, scale {w.scale:g}{radius.replace(', W_hh rescaled to', ', ρ(W_hh)')}"
        return Weights(params, xs, ys, w.activation, what, short.replace("radius ", "= "))
    if given:
        flags = " ".join(WEIGHT_FLAGS.get(name, f"--{name}") for name in given)
        verb = "chooses" if len(given) == 1 else "choose"
        raise ValueError(f"{flags} {verb} random weights; with --model the model's own weights and activation "
                         f"are used: drop {flags}.")
    from numeric.charrnn.files import load_model
    from numeric.charrnn.sample import sample

    model = load_model(args.model)
    check_cost(args, T, model.params.hidden_size)
    text = args.input_text
    if text is None:
        p = model.default_prefix
        text = p + sample(model, prefix=p, length=max(T + 1 - len(p), 0), temperature=0)
    if len(text) < 2:
        raise ValueError(f"--input-text must hold at least 2 characters; got {text!r}.")
    text = text[:T + 1]
    ids = model.vocab.encode(text, name="--input-text")
    xs = model.vocab.one_hot(ids[:-1], model.params.dtype)
    what = f"{args.model}: H={model.params.hidden_size}, V={len(model.vocab)}; inputs {text[:-1]!r} (T={len(ids) - 1})"
    short = f"{Path(args.model).name}, H={model.params.hidden_size}, inputs {text[:24]!r}"
    return Weights(model.params, xs, ids[1:], model.activation, what, short)


def exp_text(log_value: float) -> str:
    """exp(log_value) as "%.6e", also beyond the float range (e^800 = 2.726374e+347)."""
    if log_value == -math.inf:
        return f"{0.0:.6e}"
    if log_value < 700:
        return f"{math.exp(log_value):.6e}"
    exponent, fraction = divmod(log_value / math.log(10), 1)
    mantissa = 10 ** fraction
    if f"{mantissa:.6f}".startswith("10"):
        mantissa, exponent = mantissa / 10, exponent + 1
    return f"{mantissa:.6f}e+{int(exponent)}"


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_weight_arguments(p)
    p.add_argument("--every", type=int, default=None, metavar="N",
                   help="print ‖∂h_T/∂h_k‖ for every N-th k (default: all when T <= 60)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    g = p.add_argument_group("cells (numeric.cells: ‖∂L_T/∂s_k‖ at the common initialisation)")
    g.add_argument("--cell", default="elman", metavar="{elman,jordan,gru,lstm}",
                   help="elman (default): the analysis above; another built-in cell: ‖∂L_T/∂s_k‖₂ of the last "
                        "step's loss for every k, at init_params(cell, ...) on random inputs")
    g.add_argument("--gate-bias", type=float, metavar="B",
                   help="with --cell lstm or gru: add B to the bias of the gate that keeps the state (b_f, b_z)")


def run(args: argparse.Namespace) -> int:
    from numeric.analysis.jacobians import analyze

    from ._limits import refuse_unused

    if args.every is not None and args.every < 1:
        raise ValueError(f"--every must be >= 1; got {args.every}.")
    if args.format == "json":
        refuse_unused(args, {"--every": "every"}, "to the text table (JSON holds every k)")
    if args.cell != "elman":
        from ._decay import run_analyze

        return run_analyze(args)
    refuse_unused(args, {"--gate-bias": "gate_bias"}, "with --cell lstm or --cell gru (gated cells)")
    w = load_weights(args)
    what = w.description
    r = analyze(w.params, w.xs, activation=w.activation)
    crossing = r.steps_to_one_percent
    if args.format == "json":
        print(json.dumps({"schema": 1, "source": what, "activation": r.activation, "hidden": r.hidden, "T": r.T,
                          "spectral_norm": r.spectral_norm, "spectral_radius": r.spectral_radius, "gamma": r.gamma,
                          "gamma_times_norm": r.bound, "vanishing_sufficient_holds": r.vanishing_sufficient,
                          "exploding_necessary_holds": r.exploding_necessary,
                          "log_norms": [float(v) for v in r.log_norms], "decay_factor": r.decay_factor,
                          "steps_to_one_percent": crossing}, indent=2))
        return 0
    every = args.every or (1 if r.T <= 60 else math.ceil(r.T / 50))
    print(what)
    print(f"spectral norm   ‖W_hh‖₂ = σ_max        {r.spectral_norm:.6g}")
    print(f"spectral radius ρ(W_hh) = max|λ|       {r.spectral_radius:.6g}")
    print(f"γ = sup|f'| for {r.activation:<8}               {r.gamma:.6g}")
    print(f"γ‖W_hh‖₂ (bound on each ‖∂h_t/∂h_t-1‖)  {r.bound:.6g}")
    print("Pascanu, Mikolov & Bengio (2013):")
    print(f"  vanishing, sufficient condition γ‖W_hh‖₂ < 1: "
          + ("holds -> gradients vanish for every input" if r.vanishing_sufficient else "does not hold"))
    print(f"  exploding, necessary condition  γ‖W_hh‖₂ > 1: "
          + ("holds -> exploding is possible (not certain)" if r.exploding_necessary else
             "does not hold -> gradients cannot explode"))
    print(f"measured along the inputs: ‖∂h_T/∂h_k‖₂, T = {r.T}")
    print(f"  {'k':>5} {'T-k':>5} {'‖∂h_T/∂h_k‖₂':>14}")
    ks = sorted(set(range(r.T, -1, -every)) | {0})[::-1]
    for k in ks:
        print(f"  {k:>5} {r.T - k:>5} {exp_text(r.log_norms[k]):>14}")
    line = f"effective decay factor ‖∂h_T/∂h_0‖₂^(1/T) = {r.decay_factor:.6g} per step"
    tail = f"; 1 % reached after {crossing:.3g} steps" if crossing is not None else \
        ("; it grows" if r.decay_factor > 1 else "; it does not decay")
    print(line + tail)
    return 0
