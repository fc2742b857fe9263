"""Time and memory of checkpointed BPTT beside full BPTT and the schedule's prediction (issue 16).

One run prints, per config (T, B, D, H, V) and dtype, for s = 10, 50, 100 and ceil(sqrt T)
slots of the revolve schedule (and the "sqrt" policy): the forward steps of the plan, the
backward runs it makes, the measured time ÷ full BPTT's beside two predictions, and the
tracemalloc peak beside the design bound (numeric.checkpoint.engine.peak_bound), its
activation part (the peak less the results: ∂L/∂x, T·B·D, and the parameter gradients) as a
share of full BPTT's.

- pred ×: the issue's (evaluations + rho·T) / ((1 + rho)·T), rho = backward/forward cost ratio
  measured on full BPTT here (its time less a forward-only run, over that run). It assumes a
  step costs the same in both engines.
- model ×: (evaluations·c_f + T·c_b + fixed) / full BPTT's time, with c_f, c_b the per-step
  forward and backward costs at the checkpointed engine's block size, measured over the whole
  sequence in blocks of BLOCK steps (c_f: run_states chunk by chunk; c_f + c_b: bptt with
  Truncation(BLOCK, BLOCK), which back-propagates the same steps window by window), and
  ``fixed`` the plan's own cost beyond its steps (the Python of its actions, each run_states
  call and backward run's setup), measured by running the same plan on a tiny problem
  (B, D, H, V = TINY, same T: every NumPy call costs its fixed overhead and next to no
  arithmetic) less that problem's per-step costs times the steps. Full BPTT streams T-sized
  buffers (tens of MiB) through the cache, the checkpointed engine works in blocks of at most
  max(s + 1, 32) steps, so its steps can be cheaper than full BPTT's; what this column leaves
  out is the cost of short GEMMs beyond their fixed overhead.

Threads are pinned (--threads, default 1: on a shared machine a second BLAS thread mostly
measures the neighbours). The runtime BLAS kernel is printed when threadpoolctl is importable:
`uv run --with threadpoolctl python benchmarks/bench_checkpoint.py`. See benchmarks/README.md.

    uv run python benchmarks/bench_checkpoint.py [--quick | --smoke] [--dtype float32|float64|both]
        [--configs 1000,16,64,256,64 ...] [--slots 10,50,100,sqrtT,sqrt] [--threads 1] [--json out.json]
"""

from __future__ import annotations

import argparse
import os
import sys

CONFIGS = ((1000, 16, 64, 256, 64), (5000, 8, 64, 256, 64))
SMOKE_CONFIGS = ((200, 16, 64, 256, 64), (1000, 8, 64, 256, 64))
VARIANTS = ("10", "50", "100", "sqrtT", "sqrt")
BLOCK = 32
"""Steps per block of the block-rate runs that measure c_f, c_b (the engine's advance chunk)."""
TINY = (1, 2, 4, 3)
"""(B, D, H, V) of the tiny problem that measures each plan's fixed cost (Python, per-call setup)."""


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="fewer repeats (noisier medians)")
    ap.add_argument("--smoke", action="store_true",
                    help="a quick check that everything runs: --quick at T / 5 (configs "
                         + " and ".join(",".join(map(str, c)) for c in SMOKE_CONFIGS) + ") unless --configs")
    ap.add_argument("--configs", nargs="+", metavar="T,B,D,H,V", help="default: the two of issue 16")
    ap.add_argument("--slots", metavar="LIST", default=",".join(VARIANTS),
                    help="comma-separated subset of the variants: integers (revolve slots), sqrtT "
                         "(revolve with ceil(sqrt T) slots), sqrt (the sqrt policy); default %(default)s")
    ap.add_argument("--dtype", choices=("float32", "float64", "both"), default="both")
    ap.add_argument("--threads", type=int, default=1, help="BLAS threads (default 1)")
    ap.add_argument("--json", metavar="PATH", help="also write every figure as JSON to PATH")
    args = ap.parse_args(argv)
    configs = []
    for text in args.configs or [",".join(map(str, c)) for c in (SMOKE_CONFIGS if args.smoke else CONFIGS)]:
        parts = text.split(",")
        if len(parts) != 5 or not all(p.strip().isdigit() and int(p) > 0 for p in parts):
            ap.error(f"--configs takes T,B,D,H,V with five positive integers; got {text!r}")
        configs.append(tuple(int(p) for p in parts))
    args.configs = configs
    args.quick = args.quick or args.smoke
    names = [v.strip() for v in args.slots.split(",") if v.strip()]
    bad = [v for v in names if not (v in ("sqrtT", "sqrt") or (v.isdigit() and int(v) > 0))]
    if bad or not names:
        ap.error(f"--slots takes positive integers, sqrtT and sqrt, comma-separated; got {args.slots!r}")
    args.slots = names
    if args.threads < 1:
        ap.error("--threads must be >= 1")
    return args


HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.dirname(HERE)]       # the helpers, and this checkout's numeric/
ARGS = parse_args() if __name__ == "__main__" else None
if ARGS is not None:                               # before NumPy loads its BLAS
    from _bench_info import pin_threads
    CPUS = pin_threads(ARGS.threads)

import json            # noqa: E402
import math            # noqa: E402

import numpy as np     # noqa: E402

import _bench_info     # noqa: E402
from _bench_measure import peak_bytes, problem, time_interleaved   # noqa: E402
from numeric import Truncation, bptt                                # noqa: E402
from numeric.analysis.memory import engine_bound, sizes              # noqa: E402
from numeric.checkpoint import Checkpointing                        # noqa: E402
from numeric.checkpoint.engine import compile_actions, peak_bound   # noqa: E402
from numeric.forward import run_states                              # noqa: E402


def variants(T: int, names=VARIANTS) -> dict[str, Checkpointing]:
    out = {}
    for s in names:
        if s == "sqrt":
            out["sqrt policy"] = Checkpointing(policy="sqrt")
            continue
        k = math.isqrt(T - 1) + 1 if s == "sqrtT" else int(s)
        out[f"s={k}" + (" (√T)" if s == "sqrtT" else "")] = Checkpointing(slots=k)
    return out


def runs(plan) -> int:
    """Backward runs of the plan (one Stage.backward each): the engine's merged operations."""
    return sum(1 for op in compile_actions(plan.actions()) if op[0] == "run")


def bench(cfg, dtype: str, quick: bool, names=VARIANTS) -> dict:
    """One config and dtype: times (interleaved medians), peaks, predictions."""
    T, B, D, H, V = cfg
    params, xs, ys, h0 = problem(cfg, np.dtype(dtype))
    hs = np.empty((T, B, H), dtype)
    cks = variants(T, names)
    fns = {"full": lambda: bptt(params, xs, ys, h0=h0),
           "forward": lambda: run_states(params, xs, h0, hs, "tanh")}
    fns["forward/blocks"] = lambda: chunked_forward(params, xs, h0, hs)   # the block-rate costs
    fns["bptt/blocks"] = lambda: bptt(params, xs, ys, h0=h0, truncation=Truncation(BLOCK, BLOCK))
    fns.update({name: (lambda ck=ck: bptt(params, xs, ys, h0=h0, checkpoint=ck)) for name, ck in cks.items()})
    watch = _bench_info.OthersCPU().start()
    times, _ = time_interleaved(fns, target_s=0.5 if quick else 2.0, min_reps=1, max_reps=20,
                                rounds=3 if quick else 5)
    others = watch.share()
    rho = (times["full"] - times["forward"]) / times["forward"]
    c_f = times["forward/blocks"] / T
    c_b = times["bptt/blocks"] / T - c_f
    fixed = fixed_costs(T, dtype, cks, quick)
    item = np.dtype(dtype).itemsize
    results = (T * B * D + sum(a.size for _, a in params)) * item   # ∂L/∂x, the parameter gradients
    full_peak = peak_bytes(fns["full"])
    rows = []
    for name, ck in cks.items():
        plan = ck.schedule(T)
        peak = peak_bytes(fns[name])
        rows.append({"variant": name, "forward_steps": plan.forward_steps, "peak_stored": plan.peak_stored,
                     "runs": runs(plan), "time_factor": times[name] / times["full"],
                     "predicted": plan.time_factor(rho),
                     "model": (plan.cell_evaluations * c_f + T * c_b + fixed[name]) / times["full"],
                     "fixed_ms": 1e3 * fixed[name],
                     "peak": peak, "bound": peak_bound(plan, B=B, D=D, H=H, V=V, itemsize=item),
                     "activation_share": (peak - results) / (full_peak - results), "ms": 1e3 * times[name]})
    return {"config": list(cfg), "dtype": dtype, "full_ms": 1e3 * times["full"],
            "forward_ms": 1e3 * times["forward"], "rho": rho, "full_peak": full_peak,
            "block_us": {"c_f": 1e6 * c_f, "c_b": 1e6 * c_b, "full_c_f": 1e6 * times["forward"] / T,
                         "full_c_b": 1e6 * (times["full"] - times["forward"]) / T},
            "full_bound": engine_bound(sizes(T, H, B=B, D=D, V=V, dtype=dtype)), "results": results,
            "others": others, "rows": rows}


def chunked_forward(params, xs, h0, hs) -> None:
    """run_states over xs in BLOCK-step chunks, each from the last state of the one before."""
    prev = h0
    for lo in range(0, len(xs), BLOCK):
        run_states(params, xs[lo:lo + BLOCK], prev, hs[lo:lo + BLOCK], "tanh")
        prev = hs[min(lo + BLOCK, len(xs)) - 1]


def fixed_costs(T: int, dtype: str, cks: dict, quick: bool) -> dict[str, float]:
    """Seconds each plan costs beyond its steps: the plan on a tiny problem (TINY, same T) less
    its evaluations and backward steps at that problem's per-step costs (the chunked forward,
    and full BPTT less it: no cache effects at this size, and one call's overhead only)."""
    params, xs, ys, h0 = problem((T,) + TINY, np.dtype(dtype))
    hs = np.empty((T,) + h0.shape, dtype)
    fns = {"forward/blocks": lambda: chunked_forward(params, xs, h0, hs),
           "full": lambda: bptt(params, xs, ys, h0=h0)}
    fns.update({name: (lambda ck=ck: bptt(params, xs, ys, h0=h0, checkpoint=ck)) for name, ck in cks.items()})
    times, _ = time_interleaved(fns, target_s=0.2 if quick else 0.5, min_reps=1, max_reps=20, rounds=3)
    c_f = times["forward/blocks"] / T
    c_b = (times["full"] - times["forward/blocks"]) / T
    return {name: times[name] - ck.schedule(T).cell_evaluations * c_f - T * c_b for name, ck in cks.items()}


def show(res: dict) -> list[str]:
    mib = 2**20
    others = "?" if res["others"] is None else f"{res['others']:.0%}"
    head = (f"\n{tuple(res['config'])} {res['dtype']}: full BPTT {res['full_ms']:.0f} ms (forward alone "
            f"{res['forward_ms']:.0f} ms: rho = backward/forward = {res['rho']:.2f}), peak "
            f"{res['full_peak'] / mib:.1f} MiB (bound {res['full_bound'] / mib:.1f}); others {others}")
    c = res["block_us"]
    head += (f"\n  per step: full BPTT forward {c['full_c_f']:.1f} µs, backward {c['full_c_b']:.1f} µs; "
             f"in {BLOCK}-step blocks: forward {c['c_f']:.1f} µs, backward {c['c_b']:.1f} µs")
    lines = [head, f"  {'variant':<14} {'fwd steps':>9} {'runs':>5} {'stored':>6} {'time ×':>7} {'pred ×':>7} "
                   f"{'meas/pred':>9} {'fixed ms':>8} {'model ×':>7} {'meas/model':>10} {'peak MiB':>8} {'bound MiB':>9} "
                   f"{'act. mem':>8}"]
    for r in res["rows"]:
        lines.append(f"  {r['variant']:<14} {r['forward_steps']:>9} {r['runs']:>5} {r['peak_stored']:>6} "
                     f"{r['time_factor']:>7.3f} {r['predicted']:>7.3f} {r['time_factor'] / r['predicted']:>9.3f} "
                     f"{r['fixed_ms']:>8.1f} {r['model']:>7.3f} {r['time_factor'] / r['model']:>10.3f} "
                     f"{r['peak'] / mib:>8.2f} {r['bound'] / mib:>9.2f} {r['activation_share']:>8.1%}")
    return lines


def targets(results: list[dict]) -> list[tuple[str, bool]]:
    out = []
    for res in results:
        for r in res["rows"]:
            for key, what in (("predicted", "pred ×"), ("model", "model ×")):
                ok = abs(r["time_factor"] / r[key] - 1) <= 0.10
                out.append((f"{tuple(res['config'])} {res['dtype']} {r['variant']}: measured time factor "
                            f"{r['time_factor']:.3f} within 10 % of {what} {r[key]:.3f}", ok))
            if res["config"][0] == 1000 and r["variant"] == "s=50":
                out.append((f"{tuple(res['config'])} {res['dtype']} s=50: time {r['time_factor']:.2f}× "
                            f"<= 1.4× full BPTT", r["time_factor"] <= 1.4))
                out.append((f"{tuple(res['config'])} {res['dtype']} s=50: activation memory "
                            f"{r['activation_share']:.1%} <= 10 % of full BPTT's", r["activation_share"] <= 0.10))
    return out


def main(args: argparse.Namespace) -> int:
    limiter = _bench_info.limit_blas(args.threads)   # noqa: F841  (kept alive for the run)
    lines, info = _bench_info.report(CPUS, {"numpy": np.__version__})
    print("\n".join(lines))
    print("time ×   : median time of one checkpointed bptt() call ÷ full bptt()'s, interleaved rounds")
    print("pred ×   : (forward_steps + 1 + rho·T) / ((1 + rho)·T), rho measured on full BPTT below")
    print(f"model ×  : ((forward_steps + 1)·c_f + T·c_b + fixed) / full BPTT's time, c_f and c_b per step in "
          f"{BLOCK}-step blocks (run_states chunk by chunk; bptt with Truncation({BLOCK}, {BLOCK}))")
    print(f"fixed ms : the plan's cost beyond its steps (Python, per-call setup), measured with the same plan "
          f"on a tiny problem (B, D, H, V) = {TINY}")
    print("runs     : the plan's backward runs (per-call overhead grows with them)")
    print("act. mem : activation memory, the peak less the results (∂L/∂x, the parameter gradients), "
          "÷ the same for full BPTT (tracemalloc, inputs excluded)")
    dtypes = ("float32", "float64") if args.dtype == "both" else (args.dtype,)
    results = []
    for cfg in args.configs:
        for dtype in dtypes:
            res = bench(cfg, dtype, args.quick, args.slots)
            results.append(res)
            print("\n".join(show(res)), flush=True)
    print("\ntargets (issue 16, section 3):")
    checks = targets(results)
    for text, ok in checks:
        print(f"  [{'met' if ok else 'NOT met'}] {text}")
    for what in ("pred ×", "model ×"):
        mine = [ok for text, ok in checks if what in text]
        print(f"  within 10 % of {what}: {sum(mine)} of {len(mine)} rows")
    print(f"\n{_bench_info.load_text()} (at the end of the run)")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"schema": 1, "machine": info, "results": results}, f, indent=1, default=str)
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main(ARGS))
