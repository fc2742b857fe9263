"""Thread pinning and the machine / BLAS / version report of benchmarks/bench_engine.py.

``pin_threads`` must run before NumPy (or torch, or jax) is first imported: the BLAS
libraries read their thread counts from the environment when they load.
"""

from __future__ import annotations

import os
import platform
import sys
import time

THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS",
               "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")
# OpenBLAS kernel overrides set on some processors of this workplace; they slow a current
# NumPy. The benchmark reports them but never changes them (README: unset both in the command).
CORETYPE_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def pin_threads(threads: int) -> list[int]:
    """Set every thread-count variable to ``threads``, XLA's flags, and the CPU affinity.

    XLA sizes its CPU thread pool from the CPUs the process may run on, so the affinity
    (the first ``threads`` allowed CPUs) bounds it as well. Returns the CPUs kept.
    """
    for var in THREAD_VARS:
        os.environ[var] = str(threads)
    flags = os.environ.get("XLA_FLAGS", "")
    extra = f"--xla_cpu_multi_thread_eigen=true intra_op_parallelism_threads={threads}"
    os.environ["XLA_FLAGS"] = f"{flags} {extra}".strip()
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    if cpus:
        cpus = cpus[:threads]
        os.sched_setaffinity(0, cpus)
    return cpus


def limit_blas(threads: int):
    """threadpoolctl's global limit when it is installed (else the environment alone)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return None
    return threadpool_limits(limits=threads)


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory() -> str:
    try:
        with open("/proc/meminfo") as f:
            kb = int(f.readline().split()[1])
        return f"{kb / 2**20:.1f} GiB"
    except (OSError, ValueError, IndexError):
        return "unknown"


def blas_info() -> list[dict]:
    """threadpoolctl's view of the loaded BLAS / OpenMP libraries (empty without it)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return []
    return threadpool_info()


def numpy_blas_config() -> str:
    """The BLAS NumPy was built against, from np.show_config(mode='dicts')."""
    import numpy as np

    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        return f"{blas.get('name')} {blas.get('version')} ({blas.get('openblas configuration', '').strip()})"
    except Exception as exc:  # older NumPy: no dict mode
        return f"unavailable ({exc})"


def load_text() -> str:
    """The 1/5/15-minute load averages: above 0.5 or so, other processes share the cores."""
    try:
        return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "load average unknown"


def report(cpus: list[int], versions: dict[str, str | None]) -> tuple[list[str], dict]:
    """Lines describing machine, threads, BLAS and versions; and the same as a dict."""
    info = {
        "machine": {"cpu": _cpu_model(), "arch": platform.machine(), "os_cpus": os.cpu_count(),
                    "affinity": cpus, "memory": _memory(), "platform": platform.platform()},
        "python": sys.version.split()[0],
        "versions": versions,
        "thread_env": {v: os.environ.get(v) for v in THREAD_VARS + ("XLA_FLAGS",)},
        "openblas_overrides": {v: os.environ.get(v) for v in CORETYPE_VARS},
        "numpy_blas_build": numpy_blas_config(),
        "blas_runtime": blas_info(),
    }
    m = info["machine"]
    lines = [
        f"machine : {m['cpu']} ({m['arch']}), {m['os_cpus']} CPUs, running on {cpus}, {m['memory']} RAM",
        f"platform: {m['platform']}, Python {info['python']}",
        "versions: " + ", ".join(f"{k} {v or 'not installed'}" for k, v in versions.items()),
        f"NumPy BLAS (build): {info['numpy_blas_build']}",
    ]
    for lib in info["blas_runtime"]:
        lines.append(f"BLAS (runtime, threadpoolctl): {lib.get('internal_api')} {lib.get('version')} "
                     f"kernel={lib.get('architecture')} threads={lib.get('num_threads')} "
                     f"[{os.path.basename(lib.get('filepath', ''))}]")
    if not info["blas_runtime"]:
        lines.append("BLAS (runtime): threadpoolctl not installed; threads pinned by environment only")
    lines.append(f"load    : {load_text()}")
    lines.append("threads : " + ", ".join(f"{k}={v}" for k, v in info["thread_env"].items()))
    set_over = {k: v for k, v in info["openblas_overrides"].items() if v is not None}
    if set_over:
        lines.append(f"WARNING : {set_over} is set and may select a slower OpenBLAS kernel; to benchmark, "
                     "run `env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE uv run python "
                     "benchmarks/bench_engine.py` (that command only; never in tests or CI)")
    else:
        lines.append("OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE: not set")
    return lines, info


def _busy_seconds() -> float | None:
    """CPU seconds spent busy by all processes since boot (from /proc/stat), or None."""
    try:
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)       # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


class OthersCPU:
    """The share of the machine's CPUs that *other* processes used since ``start()``.

    Busy time of every process (/proc/stat) minus this process's own CPU time, over wall time
    x CPUs. Near 0 %: the figures were measured on an otherwise idle machine.
    """

    def start(self) -> "OthersCPU":
        self.t0, self.busy0, self.own0 = time.perf_counter(), _busy_seconds(), _own_seconds()
        return self

    def share(self) -> float | None:
        busy = _busy_seconds()
        if busy is None or self.busy0 is None:
            return None
        wall = time.perf_counter() - self.t0
        others = (busy - self.busy0) - (_own_seconds() - self.own0)
        return max(0.0, others) / (wall * (os.cpu_count() or 1))


def _own_seconds() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def wait_for_idle(idle_share: float, timeout_s: float, probe_s: float = 2.0) -> bool:
    """Wait until the machine was at least ``idle_share`` idle over ``probe_s`` (True), or
    ``timeout_s`` passed (False)."""
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        b0, t0 = _busy_seconds(), time.perf_counter()
        time.sleep(probe_s)
        b1 = _busy_seconds()
        if b0 is None or b1 is None:
            return False
        if 1 - (b1 - b0) / ((time.perf_counter() - t0) * (os.cpu_count() or 1)) >= idle_share:
            return True
    return False
