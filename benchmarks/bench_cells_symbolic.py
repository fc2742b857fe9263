"""Compact derivation of the gated cells is linear in T (issue 13): LSTM and GRU at T = 1000.

For each cell and T: ``derive_cell(unroll_cell(cell, T))`` — the unrolled graph, the δ
recursion of every state and gate pre-activation, every parameter's compact gradient — and the
matrix notation (``notation(d)``), best of --repeats runs with SymPy's cache (and the cells'
per-step templates) cleared first; wall time (``perf_counter``) and CPU time (``process_time``,
less sensitive to other processes on the machine), the load average before and after; the
total ``count_ops`` of the δ equations and its ratio to T (constant when linear). Target: the
compact derivation plus the matrix notation under 10 s (wall) at T = 1000 for each of lstm, gru.

    uv run python benchmarks/bench_cells_symbolic.py [--T 10,100,1000] [--repeats 1] [--cells lstm,gru]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sympy as sp  # noqa: E402
from sympy.core.cache import clear_cache  # noqa: E402

from derive import linalg  # noqa: E402
from derive.cells import derive_cell, graph, notation as notation_module, unroll_cell, vjp  # noqa: E402
from derive.cells.notation import notation  # noqa: E402

TARGET_SECONDS = 10.0


def _cold() -> None:
    """SymPy's cache and the cells' templates (derive/cells/graph.py, vjp.py, notation.py) emptied."""
    clear_cache()
    for cache in (graph._TEMPLATES, vjp._DERIV_TEMPLATES, vjp._DERIVS, vjp._TRANSPOSED,
                  notation_module._SEEDS, linalg._CLASS_ORDER):
        cache.clear()


def run_once(cell: str, T: int) -> tuple[float, float, float, float, int]:
    """(wall compact, wall matrix notation, CPU compact, CPU matrix notation, count_ops of the δs)."""
    _cold()
    t0, c0 = time.perf_counter(), time.process_time()
    d = derive_cell(unroll_cell(cell, T))
    _ = d.gradients
    t1, c1 = time.perf_counter(), time.process_time()
    notation(d)
    t2, c2 = time.perf_counter(), time.process_time()
    ops = sum(sp.count_ops(v) for v in d.adjoint_definitions().values())
    return t1 - t0, t2 - t1, c1 - c0, c2 - c1, ops


def _load() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--T", default="10,100,1000")
    p.add_argument("--repeats", type=int, default=1)
    p.add_argument("--cells", default="lstm,gru")
    a = p.parse_args(argv)
    Ts = [int(v) for v in a.T.split(",")]
    print(f"load average (1, 5, 15 min) before: {_load()}")
    print(f"{'cell':6} {'T':>6} {'compact s':>10} {'matrix s':>9} {'total s':>8} {'compact cpu':>12} "
          f"{'matrix cpu':>11} {'total cpu':>10} {'δ ops':>9} {'ops/T':>7}")
    ok = True
    for cell in a.cells.split(","):
        for T in Ts:
            runs = [run_once(cell, T) for _ in range(a.repeats)]
            c, m, cc, mc = (min(r[k] for r in runs) for k in range(4))
            wall, cpu = min(r[0] + r[1] for r in runs), min(r[2] + r[3] for r in runs)
            ops = runs[0][4]
            print(f"{cell:6} {T:>6} {c:>10.2f} {m:>9.2f} {wall:>8.2f} {cc:>12.2f} {mc:>11.2f} {cpu:>10.2f} "
                  f"{ops:>9} {ops / T:>7.1f}")
            if T == 1000 and wall > TARGET_SECONDS:
                ok = False
    print(f"load average (1, 5, 15 min) after: {_load()}")
    print("target (compact + matrix notation, T = 1000, under 10 s wall):", "met" if ok else "MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
