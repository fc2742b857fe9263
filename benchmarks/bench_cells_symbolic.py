"""Compact derivation of the gated cells is linear in T (issue 13): LSTM and GRU at T = 1000.

For each cell and T: ``derive_cell(unroll_cell(cell, T))`` — the unrolled graph, the δ
recursion of every state and gate pre-activation, every parameter's compact gradient — and the
matrix notation (``notation(d)``), best of --repeats runs with SymPy's cache cleared first; the
total ``count_ops`` of the δ equations and its ratio to T (constant when linear). Target: under
10 s at T = 1000 for each of lstm and gru.

    uv run python benchmarks/bench_cells_symbolic.py [--T 10,100,1000] [--repeats 1] [--cells lstm,gru]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sympy as sp  # noqa: E402
from sympy.core.cache import clear_cache  # noqa: E402

from derive.cells import derive_cell, unroll_cell  # noqa: E402
from derive.cells.notation import notation  # noqa: E402

TARGET_SECONDS = 10.0


def run_once(cell: str, T: int) -> tuple[float, float, int]:
    """(seconds compact, seconds matrix notation, count_ops of the δ equations)."""
    clear_cache()
    t0 = time.perf_counter()
    d = derive_cell(unroll_cell(cell, T))
    _ = d.gradients
    t1 = time.perf_counter()
    notation(d)
    t2 = time.perf_counter()
    ops = sum(sp.count_ops(v) for v in d.adjoint_definitions().values())
    return t1 - t0, t2 - t1, ops


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--T", default="10,100,1000")
    p.add_argument("--repeats", type=int, default=1)
    p.add_argument("--cells", default="lstm,gru")
    a = p.parse_args(argv)
    Ts = [int(v) for v in a.T.split(",")]
    print(f"{'cell':6} {'T':>6} {'compact s':>10} {'matrix s':>9} {'δ ops':>9} {'ops/T':>7}")
    ok = True
    for cell in a.cells.split(","):
        for T in Ts:
            runs = [run_once(cell, T) for _ in range(a.repeats)]
            c, m, ops = min(r[0] for r in runs), min(r[1] for r in runs), runs[0][2]
            print(f"{cell:6} {T:>6} {c:>10.2f} {m:>9.2f} {ops:>9} {ops / T:>7.1f}")
            if T == 1000 and c > TARGET_SECONDS:
                ok = False
    print("target (compact, T = 1000, under 10 s):", "met" if ok else "MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
