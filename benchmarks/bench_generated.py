"""Time numeric.bptt against the generated module (numeric/generated/bptt_tanh_cross_entropy.py).

    uv run python benchmarks/bench_generated.py [--repeats 7] [--quick]

Configs (T, B, D, H, V) are the engine benchmark's; tanh + cross_entropy, full BPTT, float32
and float64. Prints the median wall time of each engine and the ratio generated / engine
(the issue's bar: within 1.5x). The two engines run alternately on the same inputs, so a
slow-down of the machine affects both alike.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from numeric import Params, bptt
from numeric.generated import load

CONFIGS = [(25, 1, 65, 100, 65), (100, 32, 64, 256, 64), (200, 64, 128, 512, 128), (1000, 16, 64, 256, 64)]


def problem(T: int, B: int, D: int, H: int, V: int, dtype) -> tuple:
    rng = np.random.default_rng(0)
    params = Params.init(D, H, V, scale=0.1, seed=0, dtype=dtype)
    xs = rng.standard_normal((T, B, D)).astype(dtype)
    ys = rng.integers(0, V, (T, B))
    return params, xs, ys


def time_pair(fns: dict, repeats: int) -> dict[str, float]:
    """Median seconds of each zero-argument function, run alternately ``repeats`` times."""
    times: dict[str, list[float]] = {name: [] for name in fns}
    for fn in fns.values():
        fn()                                   # warm-up (BLAS threads, caches)
    for _ in range(repeats):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    return {name: statistics.median(ts) for name, ts in times.items()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--quick", action="store_true", help="only the two smallest configs")
    args = ap.parse_args(argv)
    generated = load("tanh", "cross_entropy")
    configs = CONFIGS[:2] if args.quick else CONFIGS
    print("numeric.bptt vs generated bptt_tanh_cross_entropy (full BPTT, median of "
          f"{args.repeats}; ratio = generated / engine)")
    print(f"{'(T, B, D, H, V)':<24} {'dtype':<8} {'engine ms':>10} {'generated ms':>13} {'ratio':>6}")
    worst = 0.0
    for cfg in configs:
        for dtype in (np.float32, np.float64):
            params, xs, ys = problem(*cfg, dtype)
            med = time_pair({"engine": lambda: bptt(params, xs, ys),
                             "generated": lambda: generated.bptt(params, xs, ys)}, args.repeats)
            ratio = med["generated"] / med["engine"]
            worst = max(worst, ratio)
            print(f"{str(cfg):<24} {np.dtype(dtype).name:<8} {med['engine'] * 1e3:>10.2f} "
                  f"{med['generated'] * 1e3:>13.2f} {ratio:>6.2f}")
    print(f"worst ratio {worst:.2f} (bar: 1.5)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
