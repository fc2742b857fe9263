"""The window function and the one-step VJP of a generated cell engine (``backward``, ``step_vjp``).

``backward`` runs ``backward_step`` from tau down to start and closes the window with its single
GEMMs: every stacked weight's gradient (dW = dPreᵀ · operand over the window's steps), the biases
(column sums of the adjoint buffers) and ∂L/∂x (one GEMM).
"""

from __future__ import annotations

import textwrap

from derive.cells.cell import Cell

from .backward import Backward
from .forward import Forward
from .plan import Plan

INDENT = " " * 8


def _dims() -> str:
    return '    H, D, V = dims["H"], dims["D"], dims["V"]  # noqa: F841'


def _backward(plan: Plan, fwd: Forward, bwd: Backward) -> str:
    cell = plan.cell
    out_is_node = cell.output not in cell.states
    lines = ["def backward(P, S, tape, seed, start, tau):",
             '    """Steps start..tau (1-based) of one window. seed (n, B, ·), n = tau - start + 1: the direct',
             f"    ∂L/∂{cell.output}_t of the window's losses (zero rows elsewhere). Returns (grads of the cell's",
             '    equations\' parameters, {state: ∂/∂s_{start-1}}, ∂L/∂x rows (n, B, D))."""',
             '    xs, dims = tape["xs"], tape["dims"]', _dims(), "    B = xs.shape[1]",
             "    k0, n = start - 1, tau - start + 1", "    bufs = buffers(tape, n)",
             *([f'    XP = tape["XP"]  # noqa: F841'] if plan.buffers["x"] else []),
             *[f'    s_{s} = tape["s_{s}"]  # noqa: F841' for s in cell.states],
             *[f'    {name} = tape["{name}"]  # noqa: F841' for name, _ in fwd.stores],
             "    d = {" + ", ".join(f'"{s}": np.zeros((B, {dim}), xs.dtype)' for s, dim in cell.states.items()) + "}",
             "    for k in range(tau - 1, k0 - 1, -1):", f"{INDENT}r = k - k0"]
    if out_is_node:
        lines.append(f"{INDENT}d = backward_step(P, S, tape, k, d, bufs, r, seed[r])")
    else:
        lines.append(f'{INDENT}d["{cell.output}"] += seed[r]')
        lines.append(f"{INDENT}d = backward_step(P, S, tape, k, d, bufs, r)")
    lines.append("    grads = {}")
    done: set[str] = set()

    def put(name: str, code: str) -> None:
        lines.append(f'    grads["{name}"] {"+=" if name in done else "="} {code}')
        done.add(name)

    operand = {"x": "xs[k0:tau]"}
    for buf, slots in plan.buffers.items():
        if not slots:
            continue
        b = f'bufs["{bwd.buffer(buf)}"]'
        w = plan.width(buf)
        if buf == "x" or buf.startswith("p_"):
            src = operand["x"] if buf == "x" else f's_{buf[2:]}[k0:tau]'
            dim = "D" if buf == "x" else cell.states[buf[2:]]
            lines.append(f"    dW = {b}.reshape(n * B, {w}).T @ {src}.reshape(n * B, {dim})"
                         f"  # {', '.join(s.W for s in slots)}: one GEMM")
            for s in slots:
                put(s.W, f"dW[{s.lo}:{s.hi}]")
        else:
            s = slots[0]
            val = bwd.val(s.operand, ("k0", "tau"))
            dim = fwd.dim(s.operand)
            put(s.W, f"{b}.reshape(n * B, {w}).T @ {val}.reshape(n * B, {dim})")
    sums = {}
    for p, sign, slot in bwd.bias:
        b = bwd.buffer(slot.buf)
        if b not in sums:
            sums[b] = f"sum_{b}"
            lines.append(f'    sum_{b} = bufs["{b}"].reshape(n * B, -1).sum(axis=0)')
        code = f"sum_{b}[{slot.lo}:{slot.hi}]" if not slot.buf.startswith("g") else f"sum_{b}"
        put(p, code if sign > 0 else f"-{code}")
    for p in bwd.accs:
        put(p, f'bufs["acc"]["{p}"]')
    if plan.buffers["x"]:
        lines.append(f'    dxs = np.matmul(bufs["dXP"].reshape(n * B, {plan.width("x")}), S["x"]).reshape(n, B, D)')
    else:
        lines.append("    dxs = np.zeros((n, B, D), xs.dtype)")
    lines.append("    return grads, d, dxs")
    return "\n".join(lines)


def _step_vjp(cell: Cell) -> str:
    return textwrap.dedent(f'''\
    def step_vjp(params, tape, t, dstates):
        """∂/∂s_{{t-1}} of Σ_s ⟨dstates[s], s_t⟩ at step t (1-based) of a forward tape: one step's VJP
        (the transposed state Jacobian applied to dstates). dstates {{state: (B, dim) or (dim,)}};
        returns the same layout (a missing state counts as zero)."""
        xs = tape["xs"]
        B = xs.shape[1]
        dims = tape["dims"]
        sizes = {{{", ".join(f'"{s}": dims["{dim}"]' for s, dim in cell.states.items())}}}
        flat = any(np.ndim(v) == 1 for v in dstates.values())
        d = {{s: np.array(dstates[s], xs.dtype).reshape(B, n) if s in dstates else np.zeros((B, n), xs.dtype)
             for s, n in sizes.items()}}
        out = backward_step(params, tape["S"], tape, t - 1, d, buffers(tape, 1), 0,
                            None if OUTPUT in STATES else np.zeros_like(outputs(tape)[0]))
        return {{s: v[0] if flat else v for s, v in out.items()}}''')
