"""The backward step of a generated cell engine: the VJP table (derive/cells/vjp.py) applied in
reverse to one step's equations, printed as NumPy lines.

Adjoints are written where the pass reads them next: the adjoint of a gate's pre-activation goes
straight into its column block of the window's stacked buffer (dXP, dHP_<s>, dG<k>), so that the
weight gradients are single GEMMs over the window's steps, ∂/∂x one GEMM at the end and
∂/∂s_{t-1} one GEMM per step (numeric.bptt's schedule). Biases are column sums of those buffers.
"""

from __future__ import annotations

from dataclasses import dataclass

from derive.cells.expr import Act, Const, Expr, Had, MatVec, Ref, Scale

from .forward import Forward, act_name, number
from .plan import Plan, Slot, cheap, is_chain


@dataclass
class Adj:
    """The adjoint of a state, node or previous state: its variable, a buffer view it lives in."""

    name: str
    view: str | None = None
    bound: bool = False


# an adjoint expression: ("v", code) | ("mul", a, b) | ("neg", a) | ("scale", c, a)
#                        | ("matmul", a, W) | ("dact", f, adj, y)
def new(a) -> str:
    kind = a[0]
    return {"v": lambda: f"{a[1]}.copy()", "mul": lambda: f"{a[1]} * {a[2]}", "neg": lambda: f"-{a[1]}",
            "scale": lambda: f"{number(a[1])} * {a[2]}", "matmul": lambda: f"{a[1]} @ {a[2]}",
            "dact": lambda: f"d{act_name(a[1])}({a[2]}, {a[3]})"}[kind]()


def into(a, out: str) -> str:
    kind = a[0]
    return {"v": lambda: f"np.copyto({out}, {a[1]})", "mul": lambda: f"np.multiply({a[1]}, {a[2]}, out={out})",
            "neg": lambda: f"np.multiply({a[1]}, -1.0, out={out})",   # not np.negative: numeric/cells/kernels.py
            "scale": lambda: f"np.multiply({a[2]}, {number(a[1])}, out={out})",
            "matmul": lambda: f"np.matmul({a[1]}, {a[2]}, out={out})",
            "dact": lambda: f"d{act_name(a[1])}({a[2]}, {a[3]}, {out})"}[kind]()


def add(a, var: str) -> str:
    if a[0] == "v":
        return f"{var} += {a[1]}"
    if a[0] == "neg":
        return f"{var} -= {a[1]}"
    return f"{var} += {new(a)}"


class Backward:
    """Emit the body of ``backward_step`` and the window's closing GEMMs for a plan."""

    def __init__(self, plan: Plan, fwd: Forward) -> None:
        self.plan, self.cell, self.fwd = plan, plan.cell, fwd
        self.lines: list[str] = []
        self.temps = 0
        self.buffers: dict[str, tuple[str, int | None]] = {}   # scratch buffers: name -> (dim, rows)
        self.adj: dict[tuple[str, str], Adj] = {}
        self.bias: list[tuple[str, int, Slot]] = []      # (param, sign, slot): a column sum at the end
        self.accs: list[str] = []                        # param vectors summed step by step
        self.rhs = {id(eq.expr): eq for eq in self.cell.equations}
        for s in self.cell.states:
            self.adj[("state", s)] = Adj(f"d_{s}", bound=True)
            self.adj[("prev", s)] = Adj(f"dprev_{s}")
        for eq in self.cell.equations:
            if eq.kind == "node":
                ch = plan.chain_of(eq.expr)
                view = self.view(ch.primary) if ch is not None and ch.primary is not None else None
                self.adj[("node", eq.target)] = Adj(f"d_{eq.target}", view)

    def emit(self, line: str) -> None:
        self.lines.append(line)

    def buffer(self, buf: str) -> str:
        """The window buffer holding a slot's adjoints (the x buffer doubles for the aligned state)."""
        if buf == "x" or buf == f"p_{self.plan.aligned}":
            return "dXP"
        return f"dHP_{buf[2:]}" if buf.startswith("p_") else f"d{buf.upper()}"

    def view(self, slot: Slot) -> str:
        b = self.buffer(slot.buf)
        return f"{b}_r" if slot.buf.startswith("g") else f"{b}_r[:, {slot.lo}:{slot.hi}]"

    def scratch(self, name: str, dim: str, rows: int | None = None) -> str:
        """A (B, dim) buffer allocated once per call (``rows``: a stack of them) for a per-step value."""
        self.buffers.setdefault(name, (dim, rows))
        return name

    def code(self, a, dim: str) -> str:
        """An adjoint expression as a variable (a temporary in a scratch buffer when it is not one)."""
        if a[0] == "v":
            return a[1]
        self.temps += 1
        self.emit(f"g{self.temps} = {into(a, self.scratch(f'buf_g{self.temps}', dim))}")
        return f"g{self.temps}"

    def dim_of(self, key) -> str:
        kind, name = key
        return self.cell.states[name] if kind in ("state", "prev") else self.fwd._shapes[("node", name)][0]

    def contribute(self, key, a) -> None:
        v = self.adj[key]
        if v.bound:
            if a[0] in ("v", "neg"):
                self.emit(add(a, v.name))
            else:                                         # into a scratch row, then added
                tmp = self.scratch(f"buf_tmp_{self.dim_of(key)}", self.dim_of(key))
                self.emit(into(a, tmp))
                self.emit(f"{v.name} += {tmp}")
        elif v.view is not None:
            self.emit(f"{v.name} = {v.view}")
            self.emit(into(a, v.name))
        elif key[0] == "prev":                            # carried to the next step: two rows, alternating
            buf = self.scratch(f"buf_dprev_{key[1]}", self.dim_of(key), 2)
            if a[0] == "v":
                self.emit(f"{v.name} = {buf}[k % 2]")
                self.emit(f"np.copyto({v.name}, {a[1]})")
            else:
                self.emit(f"{v.name} = {into(a, f'{buf}[k % 2]')}")
        else:
            buf = self.scratch(f"buf_{v.name}", self.dim_of(key))
            if a[0] == "v":
                self.emit(f"{v.name} = {buf}")
                self.emit(f"np.copyto({v.name}, {a[1]})")
            else:
                self.emit(f"{v.name} = {into(a, buf)}")
        v.bound = True

    # ---- the step ---------------------------------------------------------------------------
    def step(self) -> list[str]:
        out = self.cell.output
        if not self.cell.readout and ("node", out) in self.adj:
            self.contribute(("node", out), ("v", "seed_r"))
        for eq in reversed(self.cell.equations):
            self.emit(f"# {eq}")
            key = ("state" if eq.kind == "state" else "node", eq.target)
            v = self.adj[key]
            if not v.bound:
                continue                                  # nothing reaches this node
            self.backprop(eq.expr, ("v", v.name), into_view=v.name if v.view else None)
        for buf, slots in self.plan.prev_buffers():
            s = buf[2:]
            src = f"{self.buffer(buf)}_r"
            self.emit(f"# {', '.join(f'{t.W}ᵀ' for t in slots)}: one GEMM back to {s}_prev")
            self.contribute(("prev", s), ("matmul", src, f"S[{buf!r}]"))
        for s in self.cell.states:
            if not self.adj[("prev", s)].bound:
                self.emit(f"dprev_{s} = np.zeros_like(d_{s})")
        return self.lines

    def backprop(self, e: Expr, a, into_view: str | None = None) -> None:
        """Apply the VJP table from the adjoint ``a`` of e down to its references."""
        if isinstance(e, Const):
            return
        if isinstance(e, Ref):
            if e.kind == "param":
                self.param(e.name, a)
            else:
                self.contribute((e.kind, e.name), a)
            return
        if is_chain(e):
            self.chain(e, a, into_view)
            return
        if isinstance(e, Had):
            g = self.code(a, self.fwd.dim(e))
            if not isinstance(e.a, Const):
                self.backprop(e.a, ("mul", g, self.val(e.b)))
            if not isinstance(e.b, Const):
                self.backprop(e.b, ("mul", g, self.val(e.a)))
        elif isinstance(e, Scale):
            self.backprop(e.a, ("scale", e.c, self.code(a, self.fwd.dim(e))))
        elif isinstance(e, Act):
            g, y = self.code(a, self.fwd.dim(e)), self.val(e)
            ch = self.plan.chain_of(e.a)
            if ch is not None and ch.primary is not None:
                view = self.view(ch.primary)
                self.temps += 1
                name = f"g{self.temps}"
                self.emit(f"{name} = {view}")
                self.emit(into(("dact", e.f, g, y), name))
                self.chain(e.a, ("v", name), name)
            else:
                self.backprop(e.a, ("dact", e.f, g, y))

    def chain(self, e: Expr, a, into_view: str | None) -> None:
        ch = self.plan.chain_of(e)
        p = ch.primary
        if p is None:
            g = self.code(a, self.fwd.dim(e))
            for sign, t in ch.terms:
                self.backprop(t, ("v", g) if sign > 0 else ("neg", g))
            return
        base = into_view
        if base is None:
            self.temps += 1
            base = f"g{self.temps}"
            self.emit(f"{base} = {self.view(p)}")
            self.emit(into(a, base))
        for sign, t in ch.terms:
            slot = self.plan.slots.get(id(t)) if isinstance(t, MatVec) else None
            if slot is not None:
                if slot is not p and self.buffer(slot.buf) + slot.lo != self.buffer(p.buf) + p.lo:
                    self.emit(into(("v", base) if sign > 0 else ("neg", base), self.view(slot)))
                if slot.buf.startswith("g"):
                    self.backprop(slot.operand, ("matmul", self.view(slot), f'P["{slot.W}"]'))
            elif isinstance(t, Ref) and t.kind == "param":
                self.bias.append((t.name, sign, p))
            elif not isinstance(t, Const):
                self.backprop(t, ("v", base) if sign > 0 else ("neg", base))

    def param(self, name: str, a) -> None:
        """A parameter vector outside a sum (u ⊙ h_prev): its gradient summed step by step."""
        if name not in self.accs:
            self.accs.append(name)
        self.emit(f'acc["{name}"] += ({new(a) if a[0] != "v" else a[1]}).sum(axis=0)')

    # ---- values the step reads --------------------------------------------------------------
    def val(self, e: Expr, over: tuple[str, str] | None = None) -> str:
        """Code for e's forward value at step k (or over the steps k0:k1 when ``over``)."""
        eq = self.rhs.get(id(e))
        if eq is not None and not over and (eq.kind == "state" or eq.target in self.fwd.node_locs):
            return f"{eq.target}_t"
        loc = self.fwd.locs.get(id(e))
        if loc is not None:
            return loc.over(*over) if over else loc.at()
        if isinstance(e, Ref):
            if e.kind == "param":
                return f'P["{e.name}"]'
            if e.kind == "node":
                loc = self.fwd.node_locs[e.name]
                return loc.over(*over) if over else f"{e.name}_t"
            if over:
                k0, k1 = over
                return f"s_{e.name}[{k0}:{k1}]" if e.kind == "prev" else f"s_{e.name}[{k0} + 1:{k1} + 1]"
            return f"{e.name}_prev" if e.kind == "prev" else f"{e.name}_t"
        if isinstance(e, Const):
            return number(e.value)
        if not cheap(e):  # pragma: no cover - stored_by_backward stores these
            raise AssertionError(f"{e} is neither stored nor cheap")
        if isinstance(e, Had):
            return f"({self.val(e.a, over)} * {self.val(e.b, over)})"
        if isinstance(e, Scale):
            return f"({number(e.c)} * {self.val(e.a, over)})"
        terms = self.plan.chain_of(e).terms
        return "(" + " ".join(("- " if s < 0 else "+ ") + self.val(t, over) for s, t in terms).removeprefix("+ ") + ")"


__all__ = ["Adj", "Backward"]
