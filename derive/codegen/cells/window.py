"""The window function and the one-step VJP of a generated cell engine (``backward``, ``step_vjp``).

``backward`` runs ``backward_step`` from tau down to start and closes the window with its single
GEMMs: every stacked weight's gradient (dW = dPreᵀ · operand over the window's steps), the biases
(column sums of the adjoint buffers) and ∂L/∂x (one GEMM).
"""

from __future__ import annotations

import textwrap

from derive.cells.cell import Cell

from .backward import Backward
from .equations import StepEquations, gradient_comments
from .forward import Forward, act_name
from .plan import Plan

INDENT = " " * 8


def _dims() -> str:
    return '    H, D, V = dims["H"], dims["D"], dims["V"]  # noqa: F841'


def _kernels(plan: Plan) -> list[str]:
    from derive.cells.expr import Act
    names = sorted({e.f for e in plan._all() if isinstance(e, Act)})
    return [f"d{act_name(f)} = DACT[{'activation' if f == 'f' else repr(f)}]" for f in names]


def step_setup(plan: Plan, fwd: Forward, bwd: Backward) -> list[str]:
    """The backward step's bindings that do not depend on the step (one indent level)."""
    lines = ['    dims = tape["dims"]', _dims(), '    activation = tape["activation"]  # noqa: F841']
    lines += [f"    {k}" for k in _kernels(plan)]
    if plan.buffers["x"]:
        lines.append('    XP = tape["XP"]  # noqa: F841')
    lines += [f'    s_{s} = tape["s_{s}"]' for s in plan.cell.states]
    lines += [f'    {name} = tape["{name}"]  # noqa: F841' for name, _ in fwd.stores]
    lines += [f'    {name} = bufs["{name}"]' for name in sorted({bwd.buffer(b) for b, sl in plan.buffers.items() if sl})]
    if bwd.accs:
        lines.append('    acc = bufs["acc"]')
    if bwd.buffers:
        lines.append('    B, dt = tape["xs"].shape[1], tape["xs"].dtype  # per-step values: scratch rows, once per call')
    for name, (dim, rows) in bwd.buffers.items():
        shape = f"(B, {dim})" if rows is None else f"({rows}, B, {dim})"
        lines.append(f"    {name} = np.empty({shape}, dt)")
    return lines


def step_body(plan: Plan, fwd: Forward, bwd: Backward, body: list[str], indent: str) -> list[str]:
    """The backward step at k (buffer row r): its views, then the VJP lines; ends with dprev_<s>."""
    lines = [f"{s}_prev, {s}_t = s_{s}[k], s_{s}[k + 1]  # noqa: F841" for s in plan.cell.states]
    lines += [f"{node}_t = {loc.at()}" for node, loc in fwd.node_locs.items()]
    lines += [f"{name}_r = {name}[r]" for name in sorted({bwd.buffer(b) for b, sl in plan.buffers.items() if sl})]
    return [indent + line for line in lines + body]




def _backward(plan: Plan, fwd: Forward, bwd: Backward, body: list[str], eqs: StepEquations) -> str:

    cell = plan.cell
    out_is_node = cell.output not in cell.states
    lines = ["def backward(P, S, tape, seed, start, tau, d_in=None):",
             '    """Steps start..tau (1-based) of one window. seed (n, B, ·), n = tau - start + 1: the direct',
             f"    ∂L/∂{cell.output}_t of the window's losses (zero rows elsewhere). Returns (grads of the cell's",
             '    equations\' parameters, {state: ∂/∂s_{start-1}}, ∂L/∂x rows (n, B, D)). d_in: None or',
             '    {state: ∂L/∂s_tau (B, dim)} entering from the steps after the window (checkpointing)."""',
             '    xs = tape["xs"]', "    B = xs.shape[1]",
             "    k0, n = start - 1, tau - start + 1", "    bufs = buffers(tape, n)",
             *step_setup(plan, fwd, bwd),
             *[f"    d_{s} = np.zeros((B, {dim}), xs.dtype)" for s, dim in cell.states.items()],
             "    if d_in is not None:",
             *[f'        d_{s} += d_in["{s}"]' for s in cell.states],
             "    for k in range(tau - 1, k0 - 1, -1):", f"{INDENT}r = k - k0"]
    if out_is_node:
        lines.append(f"{INDENT}seed_r = seed[r]")
    else:
        lines.append(f"{INDENT}d_{cell.output} += seed[r]")
    lines += step_body(plan, fwd, bwd, body, INDENT)
    states = list(cell.states)
    lines.append(f"{INDENT}{', '.join(f'd_{s}' for s in states)} = {', '.join(f'dprev_{s}' for s in states)}")
    lines.append("    d = {" + ", ".join(f'"{s}": d_{s}' for s in states) + "}")
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
            lines += gradient_comments([s.W for s in slots], eqs)
            lines.append(f"    dW = {b}.reshape(n * B, {w}).T @ {src}.reshape(n * B, {dim})"
                         f"  # {', '.join(s.W for s in slots)}: one GEMM")
            for s in slots:
                put(s.W, f"dW[{s.lo}:{s.hi}]")
        else:
            s = slots[0]
            val = bwd.val(s.operand, ("k0", "tau"))
            dim = fwd.dim(s.operand)
            lines += gradient_comments([s.W], eqs)
            put(s.W, f"{b}.reshape(n * B, {w}).T @ {val}.reshape(n * B, {dim})")
    sums = {}
    lines += gradient_comments([p for p, _, _ in bwd.bias] + list(bwd.accs), eqs)
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
