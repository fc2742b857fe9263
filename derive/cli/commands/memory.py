"""bptt memory: the article's memory accounting beside this engine's own model (and a measurement)."""

from __future__ import annotations

import argparse
import json
import sys

from ..values import add_flag

HELP = "memory of one BPTT pass: the article's accounting, the engine's model, --measure, --table"
DESCRIPTION = (
    "Print two memory accountings side by side for one BPTT pass: the article's (h_t and a_t kept for "
    "every step, plus inputs, parameters, gradients and optimizer state) and this engine's own model "
    "(h only, one buffer of step gradients, the logits buffer). --measure runs numeric.bptt and prints "
    "the tracemalloc peak beside both; --table prints several sizes, including the article's two."
)

SLIP_NOTE = (
    "Accounting: the article's list, with h_t and a_t for every step stored in float64 (NumPy's default):\n"
    "  T=1000, H=512:        T·H = 512,000 values each, 1,024,000 for h and a -> 8.19 MB ('about 8 MB').\n"
    "  T=1000, H=1024, B=64: 131,072,000 values for h and a -> 1.05 GB ('over 500 MB'; 524 MB in float32).\n"
    "The article's 'about 2 million floating-point numbers, or 8 MB in float32' is a slip: T·H is 512,000\n"
    "(1,024,000 with the pre-activations), not 2 million; its 8 MB is what h and a take in float64."
)
# the library's parameter names in its messages -> this command's flags (derive/cli/app.py)
PARAM_FLAGS = {"T": "--T", "H": "--hidden-size", "B": "--batch", "D": "--input-size", "V": "--output-size",
               "truncation": "--truncation", "optimizer": "--optimizer"}


def add_arguments(p: argparse.ArgumentParser) -> None:
    # None = not given: --table chooses its own (T, B, H) and refuses these rather than ignore them
    p.add_argument("--T", type=int, help="sequence length T (default 1000)")
    add_flag(p, "--hidden-size", "--hidden", dest="hidden", type=int, metavar="H", help="hidden size H (default 512)")
    p.add_argument("--batch", type=int, metavar="B", help="batch size B (default 1)")
    add_flag(p, "--input-size", "--input", dest="input", type=int, default=64, metavar="D",
             help="input size D (default 64)")
    add_flag(p, "--output-size", "--output", dest="output", type=int, default=64, metavar="V",
             help="output size V (default 64)")
    p.add_argument("--dtype", choices=("float64", "float32"), default="float64")
    p.add_argument("--truncation", metavar="k|k1,k2", help="truncated BPTT: window-sized buffers")
    p.add_argument("--optimizer", choices=("adagrad", "sgd"), default="adagrad",
                   help="optimizer state in the article's accounting (adagrad: one value per parameter)")
    p.add_argument("--measure", action="store_true", help="run the engine and print the measured peak")
    p.add_argument("--measure-limit", type=float, metavar="GB",
                   help="with --measure, refuse (with --table: skip rows) when the engine model exceeds "
                        "this (default 2 GB)")
    p.add_argument("--table", action="store_true", help="a table over several (T, B, H), the article's included")
    p.add_argument("--format", choices=("text", "json"), default="text")
    g = p.add_argument_group("checkpointing (exact BPTT in bounded memory, docs/checkpointing.md)")
    g.add_argument("--slots", type=int, metavar="S", help="add the checkpointed column: S stored states (revolve)")
    g.add_argument("--policy", choices=("revolve", "sqrt", "every"),
                   help="checkpoint schedule (default revolve with --slots): revolve | sqrt | every")
    g.add_argument("--every", type=int, metavar="K", help="with --policy every: a checkpoint every K steps")
    g.add_argument("--ratio", type=float, metavar="R",
                   help="assumed cost of a backward step in forward steps, for the time factor (default 2)")
    g.add_argument("--tradeoff", action="store_true",
                   help="memory against time for s = 1 … T: revolve, every k, sqrt and truncation")


def _report_dict(rep) -> dict:
    return {"title": rep.title, "total_bytes": rep.total,
            "headline": {"name": rep.headline.name, "values": rep.headline.values, "bytes": rep.headline.nbytes},
            "items": [{"name": i.name, "formula": i.formula, "values": i.values, "bytes": i.nbytes}
                      for i in rep.items]}


def _single(args, s) -> None:
    from numeric.analysis.memory import article_memory, engine_bound, engine_memory, format_bytes, measure_peak

    art, eng, bound = article_memory(s, optimizer=args.optimizer), engine_memory(s), engine_bound(s)
    if args.measure and eng.total > args.measure_limit * 1e9:
        raise ValueError(f"--measure would allocate about {format_bytes(eng.total)} (the engine model), more "
                         f"than --measure-limit {args.measure_limit:g} GB; raise --measure-limit to run it.")
    measured = measure_peak(s) if args.measure else None
    ck = _checkpointing(args)
    ckd = None if ck is None else _checkpoint_dict(s, ck, args)
    if args.format == "json":
        print(json.dumps({"schema": 1, "T": s.T, "B": s.B, "D": s.D, "H": s.H, "V": s.V, "dtype": str(s.dtype),
                          "truncation": None if s.truncation is None else [s.truncation.k1, s.truncation.k2],
                          "article": _report_dict(art), "engine": _report_dict(eng), "engine_bound_bytes": bound,
                          "measured_peak_bytes": measured, **({"checkpointed": ckd} if ckd else {})}, indent=2))
        return
    trunc = "full BPTT" if s.truncation is None else str(s.truncation)
    print(f"Memory of one BPTT pass: T={s.T}, B={s.B}, D={s.D}, H={s.H}, V={s.V}, {s.dtype} "
          f"({s.itemsize} bytes), {trunc}")
    for rep in (art, eng):
        print(f"\n{rep.title}")
        for i in rep.items:
            print(f"  {i.name:<44} {i.formula:>14} {i.values:>13,} {format_bytes(i.nbytes):>10}")
        print(f"  {'total':<44} {'':>14} {'':>13} {format_bytes(rep.total):>10}")
    print(f"\n{'side by side':<30}{'article':>10}{'engine':>10}")
    print(f"{'stored activations':<30}{format_bytes(art.headline.nbytes):>10}{format_bytes(eng.headline.nbytes):>10}"
          f"  (article: h and a, {art.headline.formula}; engine: h only, {eng.headline.formula})")
    print(f"{'total':<30}{format_bytes(art.total):>10}{format_bytes(eng.total):>10}")
    if bound is not None:
        print(f"{'design bound on the peak':<30}{'':>10}{format_bytes(bound):>10}")
    if measured is not None:
        what = "numeric.bptt" if s.truncation is None else "numeric.tbptt_segments"
        print(f"{'measured peak (tracemalloc)':<30}{'':>10}{format_bytes(measured):>10}  "
              f"({what}; params and inputs excluded)")
    if ckd is not None:
        _print_checkpoint(ckd, s)


def _measure_with_progress(measure_peak, s, i: int, n: int, model: str) -> int:
    """measure_peak(s), announced on stderr first (a row takes up to ~10 s: the run is silent otherwise)."""
    import time

    print(f"measuring {i}/{n}: T={s.T}, B={s.B}, H={s.H} (engine model {model}) ...", end="", file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    peak = measure_peak(s)
    print(f" {time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)
    return peak


def _table(args) -> None:
    from numeric.analysis.memory import (ARTICLE_QUOTES, TABLE_CONFIGS, article_memory, engine_bound, engine_memory,
                                format_bytes, measure_peak, sizes)

    rows = []
    for T, B, H in TABLE_CONFIGS:
        s = sizes(T, H, B=B, D=args.input, V=args.output, dtype=args.dtype, truncation=args.truncation)
        art, eng = article_memory(s, optimizer=args.optimizer), engine_memory(s)
        f32 = art.headline.values * 4
        measured = None
        if args.measure and eng.total <= args.measure_limit * 1e9:
            measured = _measure_with_progress(measure_peak, s, len(rows) + 1, len(TABLE_CONFIGS), format_bytes(eng.total))
        rows.append({"T": T, "B": B, "H": H, "h_a_values": art.headline.values,
                     "h_a_bytes": art.headline.nbytes, "h_a_float32_bytes": f32, "article_total_bytes": art.total,
                     "engine_model_bytes": eng.total, "engine_bound_bytes": engine_bound(s),
                     "measured_peak_bytes": measured, "article_says": ARTICLE_QUOTES.get((T, B, H))})
    if args.format == "json":
        print(json.dumps({"schema": 1, "dtype": args.dtype, "D": args.input, "V": args.output,
                          "truncation": args.truncation,
                          "rows": rows}, indent=2))
        return
    trunc = "full BPTT" if args.truncation is None else f"truncation {args.truncation}"
    print(f"Memory of one BPTT pass, D={args.input}, V={args.output}, {args.dtype}, {trunc}; "
          f"h+a is the article's activation storage")
    head = (f"{'T':>6} {'B':>3} {'H':>5} {'h+a values':>12} {'h+a ' + args.dtype:>12} {'h+a float32':>12} "
            f"{'article tot':>12} {'engine model':>12} {'engine bound':>12} {'measured':>12}  article says")
    print(head)
    print("-" * len(head))
    for r in rows:
        meas = format_bytes(r["measured_peak_bytes"]) if r["measured_peak_bytes"] is not None else \
            ("skipped" if args.measure else "-")
        print(f"{r['T']:>6} {r['B']:>3} {r['H']:>5} {r['h_a_values']:>12,} {format_bytes(r['h_a_bytes']):>12} "
              f"{format_bytes(r['h_a_float32_bytes']):>12} {format_bytes(r['article_total_bytes']):>12} "
              f"{format_bytes(r['engine_model_bytes']):>12} {format_bytes(r['engine_bound_bytes']):>12} "
              f"{meas:>12}  {r['article_says'] or ''}".rstrip())
    print()
    print(SLIP_NOTE)
    if args.measure:
        print(f"measured: tracemalloc peak of one engine call; rows above {args.measure_limit:g} GB "
              "(engine model) skipped, see --measure-limit.")


def _checkpointing(args):
    """The Checkpointing the flags ask for, or None (no checkpoint flag given)."""
    from numeric.checkpoint import Checkpointing

    if args.slots is None and args.policy is None and args.every is None:
        return None
    policy = args.policy or ("every" if args.every is not None else "revolve")
    if policy == "revolve" and args.slots is None:
        raise ValueError("--policy revolve needs --slots S (the number of stored states).")
    if policy == "every" and args.every is None:
        raise ValueError("--policy every needs --every K (a checkpoint every K steps).")
    for flag, value, used in (("--slots", args.slots, "revolve"), ("--every", args.every, "every")):
        if value is not None and policy != used:
            raise ValueError(f"{flag} is not used by --policy {policy}; give it with --policy {used}.")
        if value is not None and value < 1:
            raise ValueError(f"{flag} must be an integer >= 1; got {value}.")
    return Checkpointing(slots=args.slots, policy="revolve") if policy == "revolve" else \
        Checkpointing(policy="every", every=args.every) if policy == "every" else Checkpointing(policy="sqrt")


def _checkpoint_dict(s, ck, args) -> dict:
    from numeric.analysis.memory import checkpoint_memory, measure_peak, measure_ratio

    rep = checkpoint_memory(s, ck)
    out = {"checkpoint": str(ck), "stored_states": rep.stored, "of_states": rep.states,
           "peak_bytes_bound": rep.peak_bytes, "forward_steps": rep.forward_steps,
           "cell_evaluations": rep.cell_evaluations, "assumed_ratio": args.ratio,
           "time_factor": rep.time_factor(args.ratio), "measured_ratio": None, "measured_time_factor": None,
           "measured_peak_bytes": None}
    if args.measure:
        rho = measure_ratio(s)
        out.update(measured_ratio=rho, measured_time_factor=rep.time_factor(rho),
                   measured_peak_bytes=measure_peak(s, checkpoint=ck))
    return out


def _print_checkpoint(c: dict, s) -> None:
    from numeric.analysis.memory import format_bytes

    T = s.T
    print(f"\ncheckpointed: {c['checkpoint']} (exact gradients)")
    print(f"  {'stored states':<28}{c['stored_states']:>10} of {c['of_states']} "
          f"({format_bytes(c['stored_states'] * s.B * s.H * s.itemsize)})")
    print(f"  {'peak bytes (design bound)':<28}{format_bytes(c['peak_bytes_bound']):>10}")
    print(f"  {'forward steps':<28}{c['forward_steps']:>10} ({(c['cell_evaluations'] - T) / T:.2f} extra "
          f"passes; the cell runs {c['cell_evaluations']} times)")
    print(f"  {'predicted time factor':<28}{c['time_factor']:>9.2f}× full BPTT, assuming a backward step "
          f"costs {c['assumed_ratio']:g} forward steps (--ratio)")
    if c["measured_ratio"] is not None:
        print(f"  {'measured on this machine':<28}{c['measured_time_factor']:>9.2f}× with the measured "
              f"ratio {c['measured_ratio']:.2f}; peak {format_bytes(c['measured_peak_bytes'])} (tracemalloc)")


TRADEOFF_ROWS = (1, 2, 3, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000)
"""Settings (s or k) the text of --tradeoff shows, with T itself; the JSON has every one."""


def _tradeoff(args, s) -> None:
    from numeric.analysis.memory import format_bytes
    from numeric.checkpoint.tradeoff import tradeoff

    pts = tradeoff(s.T, ratio=args.ratio)
    per_state = s.B * s.H * s.itemsize
    if args.format == "json":
        print(json.dumps({"schema": 1, "T": s.T, "B": s.B, "H": s.H, "dtype": str(s.dtype), "ratio": args.ratio,
                          "bytes_per_state": per_state,
                          "points": [{"policy": p.policy, "parameter": p.parameter, "stored_states": p.stored,
                                      "bytes": p.stored * per_state, "forward_steps": p.forward_steps,
                                      "time_factor": p.time_factor, "exact": p.exact} for p in pts]}, indent=1))
        return
    print(f"Memory against time for T={s.T} (B={s.B}, H={s.H}, {s.dtype}: {format_bytes(per_state)} per state); "
          f"time ÷ full BPTT's with a backward step = {args.ratio:g} forward steps (--ratio)")
    head = f"{'policy':<11} {'s or k':>6} {'states':>6} {'memory':>10} {'fwd steps':>10} {'time ×':>7}  gradient"
    print(head)
    print("-" * len(head))
    shown = set(TRADEOFF_ROWS) | {s.T}
    for p in pts:
        if p.parameter in shown or p.policy == "sqrt":
            print(f"{p.policy:<11} {p.parameter:>6} {p.stored:>6} {format_bytes(p.stored * per_state):>10} "
                  f"{p.forward_steps:>10} {p.time_factor:>7.3f}  {'exact' if p.exact else 'truncated'}")
    print(f"\nrows for s, k in {sorted(shown & set(range(1, s.T + 1)))}; --format json has every s = 1 … {s.T}. "
          "Forward steps as Griewank-Walther count them (docs/checkpointing.md).")


def run(args: argparse.Namespace) -> int:
    from numeric.analysis.memory import sizes

    from ._limits import refuse_unused

    if args.measure_limit is not None and not args.measure_limit > 0:
        raise ValueError(f"--measure-limit must be > 0 (GB); got {args.measure_limit}.")
    if not args.measure:
        refuse_unused(args, {"--measure-limit": "measure_limit"}, "with --measure")
    if args.table:
        refuse_unused(args, {"--T": "T", "--hidden-size": "hidden", "--batch": "batch"},
                      "without --table (the table has its own (T, B, H) rows)")
    ck_flags = {"--slots": "slots", "--policy": "policy", "--every": "every"}
    if args.table or args.tradeoff or args.truncation is not None:
        refuse_unused(args, ck_flags, "to full BPTT's checkpointed column (not with --table, --tradeoff "
                                      "(which covers every setting) or --truncation)")
    if args.tradeoff:
        refuse_unused(args, {"--table": "table", "--measure": "measure", "--truncation": "truncation"},
                      "without --tradeoff")
    if args.ratio is not None and not (args.ratio > 0 and args.ratio < float("inf")):
        raise ValueError(f"--ratio must be a finite number > 0; got {args.ratio}.")
    for dest, default in (("T", 1000), ("hidden", 512), ("batch", 1), ("measure_limit", 2.0), ("ratio", 2.0)):
        if getattr(args, dest) is None:
            setattr(args, dest, default)
    if not args.measure_limit > 0:
        raise ValueError(f"--measure-limit must be > 0 (GB); got {args.measure_limit}.")
    s = sizes(args.T, args.hidden, B=args.batch, D=args.input, V=args.output, dtype=args.dtype,
              truncation=args.truncation)
    if args.table:
        _table(args)
    elif args.tradeoff:
        _tradeoff(args, s)
    else:
        _single(args, s)
    return 0
