"""Time numeric.bptt against the generated module numeric/generated/bptt_tanh_cross_entropy.py.

    uv run python benchmarks/bench_generated.py [--repeats 7] [--configs T,B,D,H,V ...]
        [--dtype float32|float64|both] [--threads 2]

Configs (T, B, D, H, V) are the engine benchmark's; tanh + cross_entropy, full BPTT, a loss at
every step, h0 given. Prints the median time of one call of each engine and the ratio
generated / engine (issue 4's bar: within 1.5x). The two engines run alternately, in blocks
of calls after a pause and an untimed call, so both see the same machine conditions. Threads
are pinned as in bench_engine.py (BLAS and CPU affinity) before NumPy is imported.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

CONFIGS = ((25, 1, 65, 100, 65), (100, 32, 64, 256, 64), (200, 64, 128, 512, 128), (1000, 16, 64, 256, 64))


def parse_args(argv=None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=7, help="timed calls per engine and config (default 7)")
    ap.add_argument("--configs", nargs="+", metavar="T,B,D,H,V", help="default: the four of issue 2")
    ap.add_argument("--dtype", choices=("float32", "float64", "both"), default="both")
    ap.add_argument("--threads", type=int, default=2, help="BLAS threads and CPUs (default 2)")
    args = ap.parse_args(argv)
    configs = []
    for text in args.configs or [",".join(map(str, c)) for c in CONFIGS]:
        parts = text.split(",")
        if len(parts) != 5 or not all(p.strip().isdigit() and int(p) > 0 for p in parts):
            ap.error(f"--configs takes T,B,D,H,V with five positive integers; got {text!r}")
        configs.append(tuple(int(p) for p in parts))
    if args.repeats < 1 or args.threads < 1:
        ap.error("--repeats and --threads must be >= 1")
    args.configs = configs
    return args


ARGS = parse_args() if __name__ == "__main__" else None
if ARGS is not None:                          # before NumPy loads its BLAS
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from _bench_info import pin_threads
    pin_threads(ARGS.threads)

from statistics import median   # noqa: E402

import numpy as np              # noqa: E402

from numeric import Params, bptt               # noqa: E402
from numeric.routes.compare import relative_error     # noqa: E402
from numeric.generated import load             # noqa: E402


def problem(cfg, dtype, seed: int = 0):
    """The engine benchmark's problem: nn.RNN-like weights (std 1/sqrt(3H)), N(0, 1) inputs."""
    T, B, D, H, V = cfg
    rng = np.random.default_rng(seed)
    params = Params.init(D, H, V, scale=(3 * H) ** -0.5, seed=seed, dtype=dtype)
    xs = rng.standard_normal((T, B, D)).astype(dtype)
    targets = rng.integers(0, V, size=(T, B))
    h0 = (0.1 * rng.standard_normal((B, H))).astype(dtype)
    return params, xs, targets, h0


def time_alternating(fns: dict, repeats: int) -> dict[str, list[float]]:
    """Seconds of each timed call of each fn; the fns alternate, each after a pause and a warm call."""
    times: dict[str, list[float]] = {name: [] for name in fns}
    for fn in fns.values():
        fn()
    for _ in range(repeats):
        for name, fn in fns.items():
            time.sleep(0.02)                     # let the other engine's BLAS threads go idle
            fn()
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    return times


def main(args: argparse.Namespace) -> int:
    generated = load("tanh", "cross_entropy")
    dtypes = {"float32": [np.float32], "float64": [np.float64], "both": [np.float32, np.float64]}[args.dtype]
    load1 = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"numeric.bptt vs numeric.generated.bptt_tanh_cross_entropy: full BPTT, median of {args.repeats} "
          f"calls, {args.threads} thread(s), load average {load1:.2f}")
    print("ratio: of the medians; min ratio: of the fastest calls (robust when other processes share the CPUs)")
    print(f"{'(T, B, D, H, V)':<24} {'dtype':<8} {'engine ms':>10} {'generated ms':>13} {'ratio':>6} "
          f"{'min ratio':>9} {'rel diff':>9}")
    worst = worst_min = 0.0
    for cfg in args.configs:
        for dtype in dtypes:
            params, xs, ys, h0 = problem(cfg, dtype)
            times = time_alternating({"engine": lambda: bptt(params, xs, ys, h0=h0),
                                      "generated": lambda: generated.bptt(params, xs, ys, h0=h0)}, args.repeats)
            med = {k: median(v) for k, v in times.items()}
            diff = relative_error(bptt(params, xs, ys, h0=h0), generated.bptt(params, xs, ys, h0=h0))[0]
            ratio, ratio_min = med["generated"] / med["engine"], min(times["generated"]) / min(times["engine"])
            worst, worst_min = max(worst, ratio), max(worst_min, ratio_min)
            print(f"{str(cfg):<24} {np.dtype(dtype).name:<8} {med['engine'] * 1e3:>10.2f} "
                  f"{med['generated'] * 1e3:>13.2f} {ratio:>6.2f} {ratio_min:>9.2f} {diff:>9.1e}")
    print(f"worst ratio generated / engine: {worst:.2f} of the medians, {worst_min:.2f} of the fastest calls "
          "(issue 4's bar: 1.5)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(ARGS))
