"""Scaling of the symbolic derivation (issue 3, section 2): time and sympy.count_ops per T.

Three tables, scalar tanh RNN, half_sse at every step:

1. compact: ``derive_bptt(unroll(T))`` with every gradient's compact form (graph + δ
   recursion + the six gradients; best of --repeats runs, each with SymPy's cache cleared
   first), its operation count and
   ops / T. Targets: T = 64 under 0.5 s, T = 1000 under 10 s, ops linear in T.
2. naive anchor: ``sympy.diff`` of the fully expanded loss with respect to W_hh (time and
   count_ops), for T up to --naive-max-T (default 64; issue 3 quotes 14 s and ~377 000 ops
   at T = 64, growing like T³).
3. ``--expanded --cse`` at T = --cse-T (64): ``sympy.cse`` of the expanded ∂L/∂W_hh, its
   operation count (replacements + reduced expression) against the naive result's (target
   under 5 %), and the proof that the two agree at random exact rational points, evaluated
   with mpmath at 70 digits and compared to 50 significant digits.

    uv run python benchmarks/bench_symbolic.py [--max-T 1000] [--naive-max-T 64] [--cse-T 64]
        [--repeats 3] [--points 3] [--skip-naive]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import mpmath  # noqa: E402
import sympy as sp  # noqa: E402
from sympy.core.cache import clear_cache  # noqa: E402

from derive.gradients import derive_bptt  # noqa: E402
from derive.graph import unroll  # noqa: E402
from derive.printing.expressions import deep  # noqa: E402
from derive.verify.proof import mp_eval, random_point  # noqa: E402

COMPACT_TS = (8, 16, 32, 64, 128, 256, 512, 1000)


def parse_args(argv=None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--max-T", type=int, default=1000, help="largest T of the compact table (default 1000)")
    ap.add_argument("--naive-max-T", type=int, default=64, help="largest T for sympy.diff (default 64)")
    ap.add_argument("--cse-T", type=int, default=64, help="T of the --expanded --cse comparison (default 64)")
    ap.add_argument("--repeats", type=int, default=3, help="best of N for the compact timings (default 3)")
    ap.add_argument("--points", type=int, default=3, help="rational points of the equality proof (default 3)")
    ap.add_argument("--skip-naive", action="store_true", help="skip tables 2 and 3 (minutes of sympy.diff)")
    return ap.parse_args(argv)


def compact_run(T: int) -> tuple[float, int, int]:
    """(seconds, ops of the gradients, ops of the δ definitions) for one fresh derivation.

    SymPy's cache is cleared first, so a repeat does not reuse the previous run's expressions.
    """
    clear_cache()
    t0 = time.perf_counter()
    d = derive_bptt(unroll(T))
    grads = d.gradients
    seconds = time.perf_counter() - t0
    return (seconds, sum(sp.count_ops(g.compact) for g in grads.values()),
            sum(sp.count_ops(e.compact) for e in d.deltas))


def table_compact(args) -> None:
    print("1. compact derivation (unroll + δ recursion + 6 gradients), scalar tanh, half_sse")
    print(f"{'T':>6} {'seconds':>9} {'grad ops':>10} {'δ ops':>8} {'total/T':>8}")
    compact_run(2)                                   # warm-up: lazy imports inside SymPy
    for T in [t for t in COMPACT_TS if t <= args.max_T]:
        best = min((compact_run(T) for _ in range(args.repeats)), key=lambda r: r[0])
        print(f"{T:>6} {best[0]:>9.3f} {best[1]:>10} {best[2]:>8} {(best[1] + best[2]) / T:>8.2f}", flush=True)
    print()


def naive(T: int):
    u = unroll(T)
    L = u.expanded_loss()
    t0 = time.perf_counter()
    g = sp.diff(L, sp.Symbol("W_hh"))
    return u, g, time.perf_counter() - t0


def table_naive(args) -> dict:
    print("2. naive anchor: sympy.diff of the expanded loss w.r.t. W_hh")
    print(f"{'T':>6} {'seconds':>9} {'count_ops':>10} {'ops/T³':>8}")
    kept = {}
    for T in (8, 16, 32, 64, 128):
        if T > args.naive_max_T:
            break
        u, g, seconds = naive(T)
        ops = deep(sp.count_ops, g)
        kept[T] = (u, g, ops)
        print(f"{T:>6} {seconds:>9.2f} {ops:>10} {ops / T ** 3:>8.2f}", flush=True)
    print()
    return kept


def table_cse(args, kept: dict) -> None:
    T = args.cse_T
    u, g_naive, naive_ops = kept[T] if T in kept else (*naive(T)[:2], None)
    if naive_ops is None:
        naive_ops = deep(sp.count_ops, g_naive)
    d = derive_bptt(u)
    t0 = time.perf_counter()
    reps, reduced = d.expanded_cse(["W_hh"])
    seconds = time.perf_counter() - t0
    ops = sum(sp.count_ops(v) for _, v in reps) + sp.count_ops(reduced["W_hh"])
    print(f"3. bptt derive --T {T} --wrt W_hh --expanded --cse")
    print(f"   cse: {seconds:.2f} s, {len(reps)} temporaries, {ops} ops = "
          f"{100 * ops / naive_ops:.2f} % of the naive result's {naive_ops} (target < 5 %)")
    rng, worst = random.Random(0), 0.0
    for _ in range(args.points):
        point = random_point(u, rng)
        with mpmath.workdps(70):
            vals = {s: mpmath.mpf(v.p) / v.q for s, v in point.items()}
            for sym, value in reps:
                vals[sym] = mp_eval(value, vals)
            ours = mp_eval(reduced["W_hh"], vals)
            theirs = mp_eval(g_naive, {s: mpmath.mpf(v.p) / v.q for s, v in point.items()})
            worst = max(worst, float(abs(ours - theirs) / max(abs(ours), abs(theirs), mpmath.mpf(10) ** -50)))
    verdict = "equal to 50 significant digits" if worst < 1e-50 else "DIFFERENT"
    print(f"   proof at {args.points} random rational points (mpmath, 70 digits): max relative "
          f"difference {worst:.1e}: {verdict}")


def main(argv=None) -> int:
    args = parse_args(argv)
    print(f"sympy {sp.__version__}, python {sys.version.split()[0]}\n")
    table_compact(args)
    if not args.skip_naive:
        kept = table_naive(args)
        table_cse(args, kept)
    return 0


if __name__ == "__main__":
    sys.exit(main())
