"""Speed, agreement and memory of numeric.cells.bptt (LSTM, GRU) beside PyTorch (issue 14, section 3).

One run prints, per cell, config (T, B, D, H, V) and dtype: the min and median time of one
forward+backward call of the generated engine (cross_entropy, a loss at every step, ∂L/∂xs and
∂L/∂s_0 included), of PyTorch CPU (nn.LSTM / nn.GRU + nn.Linear + F.cross_entropy(reduction="sum"),
torch.set_num_threads(--threads)) on the same weights (PyTorch's own initialisation, mapped by
numeric.cells.from_torch), and of the engine's GEMMs alone (benchmarks/_cells_floor.py); the
ratios; GFLOP/s = matrix-product flops 6·T·B·(G·H·D + G·H² + H·V) per second (G gate blocks: 4
for lstm, 3 for gru; element-wise work not counted; derivation in _cells_floor.py); the largest
relative difference from PyTorch over the loss and every gradient; and the tracemalloc peak of
one full and one truncated call beside the formula of _cells_floor.memory_formula.
Every library is pinned to --threads threads (2). torch is optional: without it only the
engine and its GEMMs are timed. See benchmarks/README.md.

    uv run python benchmarks/bench_cells.py [--quick] [--cells lstm,gru] [--configs T,B,D,H,V ...]
        [--dtype float32|float64|both] [--threads 2] [--json out.json]
    # with PyTorch: a venv holding torch==2.13.0 (benchmarks/README.md), e.g.
    /tmp/bench-venv/bin/python benchmarks/bench_cells.py
"""

from __future__ import annotations

import argparse
import os
import sys

CONFIGS = ((25, 1, 65, 100, 65), (100, 32, 64, 256, 64), (200, 64, 128, 512, 128))
GEMM_CONFIG = (200, 64, 128, 512, 128)      # where the engine is held to its GEMMs-alone time
CELLS = ("lstm", "gru")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="fewer repeats (noisier figures)")
    ap.add_argument("--cells", default=",".join(CELLS), help="comma-separated cells (default lstm,gru)")
    ap.add_argument("--configs", nargs="+", metavar="T,B,D,H,V", help="configs (default: the three of issue 14)")
    ap.add_argument("--dtype", choices=("float32", "float64", "both"), default="both")
    ap.add_argument("--threads", type=int, default=2, help="threads for every library (default 2)")
    ap.add_argument("--no-torch", action="store_true", help="skip PyTorch even when installed")
    ap.add_argument("--no-timing", action="store_true",
                    help="agreement and memory only (for a loaded machine: those do not depend on the load)")
    ap.add_argument("--json", metavar="PATH", help="also write every figure as JSON to PATH")
    args = ap.parse_args(argv)
    configs = []
    for text in args.configs or [",".join(map(str, c)) for c in CONFIGS]:
        parts = text.split(",")
        if len(parts) != 5 or not all(p.strip().isdigit() and int(p) > 0 for p in parts):
            ap.error(f"--configs takes T,B,D,H,V with five positive integers; got {text!r}")
        configs.append(tuple(int(p) for p in parts))
    args.configs = configs
    args.cells = [c.strip() for c in args.cells.split(",") if c.strip()]
    bad = [c for c in args.cells if c not in ("lstm", "gru", "elman")]
    if bad or not args.cells:
        ap.error(f"--cells takes lstm, gru or elman, comma-separated; got {','.join(bad) or 'none'}")
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
import time            # noqa: E402
from statistics import median   # noqa: E402

import numpy as np     # noqa: E402

import numeric.cells as cells   # noqa: E402
from numeric import Truncation  # noqa: E402

import _cells_floor    # noqa: E402
from _bench_measure import gemm_gflops, peak_bytes  # noqa: E402


def problem(cell, cfg, dtype, torch_ok: bool, seed: int = 0):
    """(params, xs (T, B, D) ~ N(0, 1), targets (T, B), state0 {s: (B, H) ~ N(0, 0.1²)}, torch model).

    With torch the weights are PyTorch's default initialisation mapped by from_torch, else
    numeric.cells.init_params (the same U(−1/√H, 1/√H) spread)."""
    T, B, D, H, V = cfg
    rng = np.random.default_rng(seed)
    model = None
    if torch_ok:
        import _cells_torch
        rnn, lin, params = _cells_torch.make_model(cell, D, H, V, dtype, seed)
        model = (rnn, lin)
    else:
        params = cells.init_params(cell, D, H, V, seed=seed, dtype=dtype)
    xs = rng.standard_normal((T, B, D)).astype(dtype)
    targets = rng.integers(0, V, size=(T, B))
    names = ("h", "c") if cell == "lstm" else ("h",)
    state0 = {s: (0.1 * rng.standard_normal((B, H))).astype(dtype) for s in names}
    return params, xs, targets, state0, model


def rel_err(res, other: dict) -> float:
    """Largest norm-wise relative difference over the loss, every gradient, dxs and dstate0."""
    mine = {"loss": np.asarray(res.loss), "dxs": res.dxs, **res.grads,
            **{f"d{k}0": v for k, v in res.dstate0.items()}}
    worst = 0.0
    for k, a in mine.items():
        a, b = np.asarray(a, np.float64), np.asarray(other[k], np.float64)
        worst = max(worst, float(np.linalg.norm(a - b) / max(np.linalg.norm(a), 1e-30)))
    return worst


def time_calls(fns: dict, target_s: float, rounds: int = 5) -> tuple[dict, dict]:
    """(min, median) seconds per call of each fn, in alternating blocks (as bench_engine's
    time_interleaved: a 20 ms pause and an untimed call start each block)."""
    reps = {}
    for name, fn in fns.items():
        fn()
        t0 = time.perf_counter()
        fn()
        reps[name] = max(5, min(300, int(target_s / max(time.perf_counter() - t0, 1e-9))))
    times = {name: [] for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            time.sleep(0.02)
            fn()
            for _ in range(-(-reps[name] // rounds)):
                t0 = time.perf_counter()
                fn()
                times[name].append(time.perf_counter() - t0)
    return {n: min(t) for n, t in times.items()}, {n: median(t) for n, t in times.items()}


def bench_row(cell, cfg, dtype, args, torch_ok) -> dict:
    from _bench_info import OthersCPU

    watch = OthersCPU().start()
    T, B, D, H, V = cfg
    params, xs, targets, state0, model = problem(cell, cfg, dtype, torch_ok)
    call = lambda **kw: cells.bptt(cell, params, xs, targets, state0, **kw)  # noqa: E731
    fns = {"engine": call, "gemms": _cells_floor.make_step(cell, params, xs)}
    row = {"cell": cell, "config": list(cfg), "dtype": np.dtype(dtype).name}
    if model is not None:
        import _cells_torch
        step, result = _cells_torch.make_step(cell, *model, xs, targets, state0, threads=args.threads)
        row["agree_torch"] = rel_err(call(), result())
        fns["torch"] = step
    if args.no_timing:
        row["min_s"], row["median_s"], row["gflops"] = {}, {}, None
    else:
        mins, meds = time_calls(fns, target_s=0.3 if args.quick else 1.5)
        row["min_s"], row["median_s"] = mins, meds
        row["gflops"] = _cells_floor.flops(cell, *cfg) / meds["engine"] / 1e9
    k = min(50, max(1, T // 4))
    row["memory"] = {"full_peak": peak_bytes(call), "truncation": [k, k],
                     "trunc_peak": peak_bytes(lambda: call(truncation=Truncation(k, k)))}
    if cell in _cells_floor.TAPE:
        itemsize = np.dtype(dtype).itemsize
        row["memory"]["full_bound"] = _cells_floor.memory_formula(cell, *cfg, itemsize)
        row["memory"]["trunc_bound"] = _cells_floor.memory_formula(cell, *cfg, itemsize, window=k)
    row["others_cpu"] = watch.share()
    return row


def fmt_row(row: dict) -> str:
    T, B, D, H, V = row["config"]
    mn, md = row["min_s"], row["median_s"]
    eng = md.get("engine")
    ms = lambda n: f"{mn[n] * 1e3:8.2f}/{md[n] * 1e3:<8.2f}" if n in md else f"{'-':>17}"  # noqa: E731
    cells_ = [row["cell"].ljust(5), f"({T},{B},{D},{H},{V})".ljust(20), row["dtype"].ljust(8), ms("engine"),
              f"{row['gflops']:7.1f}" if eng else f"{'-':>7}"]
    cells_.append(f"{ms('torch')} {md['torch'] / eng:5.2f}x" if "torch" in md else f"{'-':>17} {'':>6}")
    cells_.append(f"{ms('gemms')} {eng / md['gemms']:5.2f}x" if eng else f"{'-':>17} {'':>6}")
    m = row["memory"]
    mb = lambda b: f"{b / 2**20:.2f}" if b is not None else "?"  # noqa: E731
    cells_.append(f"{mb(m['full_peak']):>8}/{mb(m.get('full_bound')):<8}")
    cells_.append(f"{mb(m['trunc_peak']):>8}/{mb(m.get('trunc_bound')):<8}")
    share = row.get("others_cpu")
    cells_.append(f"{'?' if share is None else f'{share:.0%}':>6}")
    return " ".join(cells_)


def check_targets(rows: list[dict]) -> list[tuple[str, bool]]:
    """Issue 14's targets, each as (description with the measured figure, met)."""
    out = []
    for r in rows:
        cfg, md, tag = tuple(r["config"]), r["median_s"], f"{r['cell']} {tuple(r['config'])} {r['dtype']}"
        if "torch" in md and cfg in CONFIGS:              # the targets are for its configs
            need = 3.0 if cfg == CONFIGS[0] else 1.2
            ratio = md["torch"] / md["engine"]
            out.append((f"torch/engine >= {need:g}x at {tag}: {ratio:.2f}x", ratio >= need))
        if "agree_torch" in r and r["dtype"] == "float64":
            out.append((f"agreement with torch <= 1e-10 at {tag}: {r['agree_torch']:.1e}", r["agree_torch"] <= 1e-10))
        if cfg == GEMM_CONFIG and r["dtype"] == "float32" and "engine" in md:
            share = md["engine"] / md["gemms"]
            out.append((f"engine <= 1.25x its GEMMs alone at {tag}: {share:.2f}x", share <= 1.25))
        m = r["memory"]
        if "full_bound" in m:
            out.append((f"full peak <= formula at {tag}: {m['full_peak'] / 2**20:.2f} <= "
                        f"{m['full_bound'] / 2**20:.2f} MiB", m["full_peak"] <= m["full_bound"]))
            out.append((f"Truncation{tuple(m['truncation'])} peak <= window formula at {tag}: "
                        f"{m['trunc_peak'] / 2**20:.2f} <= {m['trunc_bound'] / 2**20:.2f} MiB",
                        m["trunc_peak"] <= m["trunc_bound"]))
    return out


def main(args: argparse.Namespace) -> int:
    import _bench_info
    import _cells_torch

    limiter = _bench_info.limit_blas(args.threads)   # noqa: F841  (kept alive for the run)
    torch_version = None if args.no_torch else _cells_torch.available()
    versions = {"numpy": np.__version__, "torch": torch_version}
    run_watch = _bench_info.OthersCPU().start()
    lines, info = _bench_info.report(CPUS, versions)
    print("\n".join(lines))
    gemm = {name: gemm_gflops(dt, reps=5 if args.quick else 20)
            for name, dt in (("float32", np.float32), ("float64", np.float64))}
    print(f"GEMM 1024x1024 (np.matmul, median): float32 {gemm['float32']:.1f} GFLOP/s, "
          f"float64 {gemm['float64']:.1f} GFLOP/s")
    print("times   : min/median ms per call, engine, torch and GEMMs alternating in blocks; forward+backward "
          "incl. dL/dxs and dL/ds0 for all; GFLOP/s = 6·T·B·(G·H·D + G·H² + H·V) / engine median")
    print("memory  : tracemalloc peak / formula (_cells_floor.memory_formula), MiB, inputs excluded: "
          "one full call; one call with Truncation(k, k), k = min(50, T // 4)\n")
    header = (f"{'cell':5} {'config (T,B,D,H,V)':20} {'dtype':8} {'engine ms':>17} {'GFLOP/s':>7} "
              f"{'torch ms':>17} {'ratio':>6} {'GEMMs ms':>17} {'share':>6} {'full MiB/formula':>17} "
              f"{'trunc MiB/formula':>17} {'others':>6}")
    print(header)
    print("-" * len(header))
    dtypes = ["float32", "float64"] if args.dtype == "both" else [args.dtype]
    rows = []
    for cell in args.cells:
        for cfg in args.configs:
            for dt in dtypes:
                row = bench_row(cell, cfg, np.dtype(dt), args, torch_version is not None)
                rows.append(row)
                print(fmt_row(row), flush=True)
    print("\nratio = torch median / engine median (above 1: the engine is faster); share = engine median / "
          "GEMMs-alone median (the engine's matrix products without its element-wise work)")
    print("others = share of the CPUs used by other processes while that row was measured")
    if torch_version:
        print("agreement with PyTorch (max norm-wise relative difference of loss, gradients, dxs, ds0):")
        for r in rows:
            print(f"  {r['cell']} {tuple(r['config'])} {r['dtype']}: {r['agree_torch']:.1e}")
    targets = check_targets(rows)
    print("\ntargets (issue 14, section 3):")
    for text, ok in targets:
        print(f"  [{'met' if ok else 'NOT met'}] {text}")
    if not torch_version:
        print("  [not checked] the torch targets: torch is not installed (or --no-torch)")
    if args.no_timing:
        print("  [not checked] the speed targets: --no-timing")
    share = run_watch.share()
    print(f"\n{_bench_info.load_text()} (at the end of the run); other processes used "
          + ("?" if share is None else f"{share:.0%}") + " of the CPUs during the run")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"info": info, "gemm_gflops": gemm, "rows": rows,
                       "targets": [{"target": t, "met": ok} for t, ok in targets]}, f, indent=1)
        print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main(ARGS))
