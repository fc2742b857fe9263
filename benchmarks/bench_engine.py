"""Speed and memory of numeric.bptt beside a naive loop, PyTorch and JAX (issue 2, section 4).

One run prints, per config (T, B, D, H, V) and dtype, the median time of one forward+backward
call (tanh, cross_entropy, a loss at every step) for this engine, the naive per-timestep
reference (numeric.routes.naive.naive_bptt), PyTorch CPU (nn.RNN + nn.Linear + cross-entropy,
reduction='sum') and JAX (jit(value_and_grad(scan))) when they import, and the engine's GEMMs
alone (benchmarks/_gemm_floor.py: a floor under any NumPy engine built on them); the ratios; the
engine's GFLOP/s (6·T·B·(D·H + H² + H·V) flops); a measured float32 GEMM throughput; and the
tracemalloc peak of one full and one truncated call beside their bounds. Every library is
pinned to --threads threads (2). See benchmarks/README.md.

    uv run python benchmarks/bench_engine.py [--quick] [--configs 25,1,65,100,65 ...]
        [--dtype float32|float64|both] [--threads 2] [--json out.json]
"""

from __future__ import annotations

import argparse
import os
import sys

CONFIGS = ((25, 1, 65, 100, 65), (100, 32, 64, 256, 64), (200, 64, 128, 512, 128),
           (1000, 16, 64, 256, 64))
GEMM_CONFIG = (200, 64, 128, 512, 128)   # where the engine is held to a share of GEMM peak


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true",
                    help="fewer repeats (about 4x faster; noisier medians)")
    ap.add_argument("--configs", nargs="+", metavar="T,B,D,H,V",
                    help="configs to run (default: the four of issue 2)")
    ap.add_argument("--dtype", choices=("float32", "float64", "both"), default="both")
    ap.add_argument("--threads", type=int, default=2, help="threads for every library (default 2)")
    ap.add_argument("--naive-batch", type=int, default=2, metavar="N",
                    help="time the naive reference on the first N sequences of the batch and "
                         "scale by B/N (it is linear in B); default 2")
    ap.add_argument("--max-others", type=float, metavar="PCT",
                    help="on a shared machine: re-measure a row (up to --attempts times, after waiting "
                         "up to 2 minutes for an idle moment) while other processes used more than "
                         "PCT %% of the CPUs during it; the attempt least disturbed is kept")
    ap.add_argument("--attempts", type=int, default=3, help="attempts per row with --max-others (3)")
    ap.add_argument("--no-torch", action="store_true", help="skip PyTorch even when installed")
    ap.add_argument("--no-jax", action="store_true", help="skip JAX even when installed")
    ap.add_argument("--no-gemms", action="store_true",
                    help="skip the GEMM-only floor (the engine's matrix products without its "
                         "element-wise work)")
    ap.add_argument("--json", metavar="PATH", help="also write every figure as JSON to PATH")
    args = ap.parse_args(argv)
    configs = []
    for text in args.configs or [",".join(map(str, c)) for c in CONFIGS]:
        parts = text.split(",")
        if len(parts) != 5 or not all(p.strip().isdigit() and int(p) > 0 for p in parts):
            ap.error(f"--configs takes T,B,D,H,V with five positive integers; got {text!r}")
        configs.append(tuple(int(p) for p in parts))
    args.configs = configs
    if args.threads < 1 or args.naive_batch < 1 or args.attempts < 1:
        ap.error("--threads, --naive-batch and --attempts must be >= 1")
    return args


HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.dirname(HERE)]       # the helpers, and this checkout's numeric/
ARGS = parse_args() if __name__ == "__main__" else None
if ARGS is not None:                               # before NumPy loads its BLAS
    from _bench_info import pin_threads
    CPUS = pin_threads(ARGS.threads)

import json            # noqa: E402
import time            # noqa: E402
from statistics import median   # noqa: E402

import numpy as np     # noqa: E402

import numeric         # noqa: E402
from numeric import bptt                       # noqa: E402
from numeric.routes.naive import naive_bptt       # noqa: E402

import _gemm_floor     # noqa: E402
from _bench_measure import (flops, gemm_gflops, memory_bounds, peak_bytes, problem,  # noqa: E402
                            rel_err, stream_segments, time_interleaved)


def bench_config(cfg, dtype, args, baselines) -> dict:
    from _bench_info import OthersCPU

    watch = OthersCPU().start()
    T, B, D, H, V = cfg
    params, xs, targets, h0 = problem(cfg, dtype)
    fns = {"engine": lambda: bptt(params, xs, targets, h0=h0)}
    engine_res = fns["engine"]()
    if not args.no_gemms:
        fns["gemms"] = _gemm_floor.make_step(params, xs, targets, h0)
    row = {"config": list(cfg), "dtype": np.dtype(dtype).name, "agree": {}}
    for name, make in baselines.items():
        step, result = make(params, xs, targets, h0)
        row["agree"][name] = rel_err(engine_res, result())
        fns[name] = step
    quick = args.quick
    med, counts = time_interleaved(fns, target_s=0.4 if quick else 2.0, min_reps=3 if quick else 7,
                                   max_reps=100 if quick else 400)
    row["seconds"], row["calls"] = med, counts

    nb = min(B, args.naive_batch)                    # the naive loop is linear in B
    sub = (params, xs[:, :nb], targets[:, :nb])
    row["agree"]["naive"] = rel_err(bptt(*sub, h0=h0[:nb]), _naive_dict(naive_bptt(*sub, h0=h0[:nb])))
    reps = 1 if quick else 3
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        naive_bptt(*sub, h0=h0[:nb])
        ts.append(time.perf_counter() - t0)
    row["seconds"]["naive"] = median(ts) * B / nb
    row["naive_note"] = f"{nb} of {B} sequences x {B / nb:g}, {reps} call(s)"
    row["gflops"] = flops(*cfg) / med["engine"] / 1e9
    row["others_cpu"] = watch.share()

    k = min(50, max(1, T // 4))
    full_bound, win_bound = memory_bounds(cfg, np.dtype(dtype).itemsize, k, k)
    row["memory"] = {
        "full_peak": peak_bytes(lambda: bptt(params, xs, targets, h0=h0)), "full_bound": full_bound,
        "truncation": [k, k],
        "trunc_peak": peak_bytes(lambda: stream_segments(params, xs, targets, h0, k)),
        "trunc_bound": win_bound,
    }
    return row


def _naive_dict(res) -> dict:
    return {"loss": res.loss, "dh0": res.dh0, "dxs": res.dxs, **res.grads.as_dict()}


def measure_row(cfg, dtype, args, baselines) -> dict:
    """bench_config, repeated under --max-others while other processes disturbed it."""
    from _bench_info import wait_for_idle

    best, n = None, args.attempts if args.max_others is not None else 1
    for attempt in range(1, n + 1):
        row = bench_config(cfg, dtype, args, baselines)
        row["attempt"] = attempt
        if best is None or (row["others_cpu"] or 0) < (best["others_cpu"] or 0):
            best = row
        if args.max_others is None or (best["others_cpu"] or 0) * 100 <= args.max_others or attempt == n:
            break
        wait_for_idle(0.95, timeout_s=120)
    return best


def fmt_row(row: dict, names: list[str]) -> str:
    T, B, D, H, V = row["config"]
    s = row["seconds"]
    eng = s["engine"]
    cells = [f"({T},{B},{D},{H},{V})".ljust(22), row["dtype"].ljust(8),
             f"{eng * 1e3:9.3f}", f"{row['gflops']:7.1f}"]
    for name in names:
        if name in s:
            cells.append(f"{s[name] * 1e3:10.3f} {s[name] / eng:6.2f}x")
        else:
            cells.append(f"{'-':>10} {'':>7}")
    m = row["memory"]
    mb = lambda b: b / 2**20  # noqa: E731
    cells.append(f"{mb(m['full_peak']):8.2f}/{mb(m['full_bound']):<8.2f}")
    cells.append(f"{mb(m['trunc_peak']):8.2f}/{mb(m['trunc_bound']):<8.2f}")
    share = row.get("others_cpu")
    text = "?" if share is None else f"{share:.0%}"
    if row.get("attempt", 1) > 1:
        text += f" #{row['attempt']}"                 # kept attempt under --max-others
    cells.append(f"{text:>7}")
    return " ".join(cells)


def check_targets(rows: list[dict], gemm32: float) -> list[tuple[str, bool]]:
    """Issue 2's targets, each as (description with the measured figure, met)."""
    out = []
    for r in rows:
        cfg, s, tag = tuple(r["config"]), r["seconds"], f"{tuple(r['config'])} {r['dtype']}"
        if "torch" in s:
            need = 3.0 if cfg == CONFIGS[0] else 1.25
            ratio = s["torch"] / s["engine"]
            text = f"torch/engine >= {need:g}x at {tag}: {ratio:.2f}x"
            if "gemms" in s:                           # the most any engine with these GEMMs gets
                text += f" (torch/GEMMs alone: {s['torch'] / s['gemms']:.2f}x)"
            out.append((text, ratio >= need))
        if "jax" in s and cfg in CONFIGS[1:]:
            ratio = s["jax"] / s["engine"]
            out.append((f"jax/engine >= 1x at {tag}: {ratio:.2f}x", ratio >= 1.0))
        if cfg == GEMM_CONFIG and r["dtype"] == "float32":
            share = r["gflops"] / gemm32
            out.append((f"engine >= 65% of float32 GEMM at {tag}: {r['gflops']:.1f} / {gemm32:.1f} "
                        f"GFLOP/s = {share:.0%}", share >= 0.65))
        m = r["memory"]
        out.append((f"full-BPTT peak <= bound at {tag}: {m['full_peak'] / 2**20:.2f} <= "
                    f"{m['full_bound'] / 2**20:.2f} MiB", m["full_peak"] <= m["full_bound"]))
        out.append((f"Truncation{tuple(m['truncation'])} peak <= window bound at {tag}: "
                    f"{m['trunc_peak'] / 2**20:.2f} <= {m['trunc_bound'] / 2**20:.2f} MiB",
                    m["trunc_peak"] <= m["trunc_bound"]))
    return out


def main(args: argparse.Namespace) -> int:
    import _bench_info
    import _jax_baseline
    import _torch_baseline

    limiter = _bench_info.limit_blas(args.threads)   # noqa: F841  (kept alive for the run)
    versions = {"numpy": np.__version__, "bptt-toolkit": _toolkit_version(),
                "threadpoolctl": _version_of("threadpoolctl"),
                "torch": None if args.no_torch else _torch_baseline.available(),
                "jax": None if args.no_jax else _jax_baseline.available(),
                "jaxlib": None if args.no_jax else _version_of("jaxlib")}
    baselines = {}
    if versions["torch"]:
        baselines["torch"] = lambda *a: _torch_baseline.make_step(*a, threads=args.threads)
    if versions["jax"]:
        baselines["jax"] = _jax_baseline.make_step
    run_watch = _bench_info.OthersCPU().start()
    lines, info = _bench_info.report(CPUS, versions)
    print("\n".join(lines))
    gemm = {name: gemm_gflops(dt, reps=5 if args.quick else 20)
            for name, dt in (("float32", np.float32), ("float64", np.float64))}
    print(f"GEMM 1024x1024 (np.matmul, median): float32 {gemm['float32']:.1f} GFLOP/s, "
          f"float64 {gemm['float64']:.1f} GFLOP/s")
    print("timing  : median per call; engine, torch and jax alternate in blocks of calls (5 rounds, each "
          "block after a 20 ms pause and an untimed call); forward+backward incl. dL/dxs and dL/dh0 for all")
    print(f"naive   : numeric.routes.naive.naive_bptt on the first {args.naive_batch} sequence(s) of the "
          "batch, time scaled by B/N (linear in B)" + (", 1 call" if args.quick else ", median of 3"))
    print("memory  : tracemalloc peak / bound, MiB, inputs excluded: one full bptt() call; one pass of "
          "tbptt_segments(Truncation(k, k)), k = min(50, T // 4), each segment dropped before the next\n")

    names = ["naive", *baselines] + ([] if args.no_gemms else ["gemms"])
    header = (f"{'config (T,B,D,H,V)':22} {'dtype':8} {'engine ms':>9} {'GFLOP/s':>7} "
              + " ".join(f"{n + ' ms':>10} {'ratio':>7}" for n in names)
              + f" {'full MiB/bound':>17} {'trunc MiB/bound':>17} {'others':>7}")
    print(header)
    print("-" * len(header))
    dtypes = ["float32", "float64"] if args.dtype == "both" else [args.dtype]
    rows = []
    for cfg in args.configs:
        for dt in dtypes:
            row = measure_row(cfg, np.dtype(dt), args, baselines)
            rows.append(row)
            print(fmt_row(row, names), flush=True)
    print("\nratio = that implementation's time / the engine's (above 1: the engine is faster)")
    if not args.no_gemms:
        print("gemms = the engine's matrix products alone (same shapes, layouts and buffers, no "
              "element-wise work): a floor under any NumPy engine built on them; its ratio is the "
              "share of the engine's time they take")
    print("others = share of the CPUs used by other processes while that row was measured "
          "(near 0 %: an idle machine; above a few %, the times are disturbed); #n: the attempt kept "
          "under --max-others")
    print("agreement with the engine (max norm-wise relative difference of loss and all gradients):")
    for r in rows:
        print(f"  {tuple(r['config'])} {r['dtype']}: "
              + ", ".join(f"{k} {v:.1e}" for k, v in r["agree"].items()))
    print(f"\nengine at {GEMM_CONFIG} float32 vs float32 GEMM:", end=" ")
    g = [r for r in rows if tuple(r["config"]) == GEMM_CONFIG and r["dtype"] == "float32"]
    print(f"{g[0]['gflops'] / gemm['float32']:.0%}" if g else "not run")
    targets = check_targets(rows, gemm["float32"])
    print("\ntargets (issue 2, section 4):")
    for text, ok in targets:
        print(f"  [{'met' if ok else 'NOT met'}] {text}")
    for name in ("torch", "jax"):
        if name not in baselines:
            print(f"  [not checked] the {name} targets: {name} is not installed (or --no-{name})")
    if not g:
        print(f"  [not checked] the GEMM-share target: {GEMM_CONFIG} float32 was not run")
    share = run_watch.share()
    print(f"\n{_bench_info.load_text()} (at the end of the run); other processes used "
          + ("?" if share is None else f"{share:.0%}") + " of the CPUs during the run")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"info": info, "gemm_gflops": gemm, "rows": rows,
                       "targets": [{"target": t, "met": ok} for t, ok in targets]}, f, indent=1)
        print(f"\nwrote {args.json}")
    return 0


def _version_of(dist: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version(dist)
    except PackageNotFoundError:
        return None


def _toolkit_version() -> str:
    """The installed distribution's version, else this checkout's pyproject.toml version."""
    import tomllib
    try:
        with open(os.path.join(os.path.dirname(HERE), "pyproject.toml"), "rb") as f:
            checkout = tomllib.load(f)["project"]["version"]
    except (OSError, KeyError, ValueError):
        checkout = None
    return _version_of("bptt-toolkit") or (f"{checkout} (checkout)" if checkout else "unknown")


if __name__ == "__main__":
    sys.exit(main(ARGS))
