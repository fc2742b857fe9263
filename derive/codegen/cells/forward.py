"""The forward step of a generated cell engine: one equation a few NumPy lines, in place.

Every value the backward pass reads lives on the *tape* at a ``Loc``: a column block of XP (the
gates summed and activated in place), a state array ``s_<state>`` (T + 1, B, dim), a node array
``n_<node>`` or a stored intermediate ``v<k>`` (T, B, dim). Everything else is a per-step
temporary.
"""

from __future__ import annotations

from dataclasses import dataclass

from derive.cells.cell import infer
from derive.cells.expr import Act, Const, Expr, Had, MatVec, Ref, Scale, children

from .plan import Chain, Plan, cheap, is_chain


@dataclass(frozen=True)
class Loc:
    """A stored value: ``array[k + shift]`` (a step's (B, dim) rows), optionally columns lo:hi."""

    array: str
    shift: int = 0
    cols: tuple[str, str] | None = None

    def at(self, k: str = "k") -> str:
        row = f"{self.array}[{k} + 1]" if self.shift else f"{self.array}[{k}]"
        return row + (f"[:, {self.cols[0]}:{self.cols[1]}]" if self.cols else "")

    def over(self, k0: str, k1: str) -> str:
        rows = f"{k0} + 1:{k1} + 1" if self.shift else f"{k0}:{k1}"
        return f"{self.array}[{rows}" + (f", :, {self.cols[0]}:{self.cols[1]}]" if self.cols else "]")


def number(c) -> str:
    """A Const's value as code (fractions as floats)."""
    return repr(c) if isinstance(c, int) else repr(float(c))


def act_name(f: str) -> str:
    """The local name of an activation kernel in the generated code (``f``: the chosen one)."""
    return "F" if f == "f" else f


class Forward:
    """Emit the loop body of ``forward`` for a plan; ``locs`` / ``node_locs`` say where values live."""

    def __init__(self, plan: Plan) -> None:
        self.plan, self.cell = plan, plan.cell
        self.need_exprs, self.need_nodes = plan.stored_by_backward()
        self.lines: list[str] = []
        self.stores: list[tuple[str, str]] = []          # (array name, dim letter) to allocate
        self.locs: dict[int, Loc] = {}
        self.node_locs: dict[str, Loc] = {}
        self._shapes: dict = {}
        params = dict(self.cell.params)
        for eq in self.cell.equations:
            self._shapes[("node" if eq.kind == "node" else "state", eq.target)] = infer(
                eq.expr, params, self.cell.states, self._shapes, str(eq))

    def dim(self, e: Expr) -> str:
        return infer(e, self.cell.params, self.cell.states, self._shapes, "")[0]

    def emit(self, line: str) -> None:
        self.lines.append(line)

    # ---- the step ---------------------------------------------------------------------------
    def step(self) -> list[str]:
        p = self.plan
        for buf, _ in p.prev_buffers():
            s = buf[2:]
            self.emit(f"np.matmul({s}_prev, S[{buf + 'T'!r}], out=HP_{s})"
                      f"{'':<4}# {', '.join(f'{t.W} @ {s}_prev' for t in p.buffers[buf])}: one GEMM")
            if p.aligned == s:
                self.emit(f"XP_k += HP_{s}")
        for eq in self.cell.equations:
            self.emit(f"# {eq}")
            if eq.kind == "state":
                loc = Loc(f"s_{eq.target}", 1)
                self.locs[id(eq.expr)] = loc
                self.value(eq.expr, f"{eq.target}_t")
                continue
            lands = self._lands_in_xp(eq.expr)
            if eq.target in self.need_nodes and lands is None:
                self.stores.append((f"n_{eq.target}", self.dim(eq.expr)))
                loc = Loc(f"n_{eq.target}")
                self.emit(f"{eq.target}_t = {loc.at()}")
                self.locs[id(eq.expr)] = loc
                self.value(eq.expr, f"{eq.target}_t")
                self.node_locs[eq.target] = loc
            else:
                code = self.value(eq.expr)
                last = self.lines[-1] if self.lines else ""
                fn = self.act_fn(eq.expr) if isinstance(eq.expr, Act) else None
                if lands is not None and fn is not None and last == f"{fn}({code}, {code})":
                    self.lines[-1] = f"{eq.target}_t = {code}"     # name the block, then activate it in place
                    self.emit(f"{fn}({eq.target}_t, {eq.target}_t)")
                    code = None
                if code is not None:
                    self.emit(f"{eq.target}_t = {code}")
                if lands is not None:
                    self.node_locs[eq.target] = lands
                    self.locs[id(eq.expr)] = lands
        return self.lines

    def _lands_in_xp(self, e: Expr) -> Loc | None:
        """Where an expression's value ends up without a destination, when that is XP."""
        ch = self.plan.chain_of(e.a) if isinstance(e, Act) else self.plan.chain_of(e)
        if ch is not None and ch.primary is not None and ch.primary.buf == "x":
            return Loc("XP", 0, (ch.primary.lo, ch.primary.hi))
        return None

    # ---- values -----------------------------------------------------------------------------
    def value(self, e: Expr, dest: str | None = None) -> str:
        """Code for e's value this step; with ``dest`` it is written there (and dest returned)."""
        if dest is None and id(e) in self.need_exprs and id(e) not in self.locs and not cheap(e) \
                and self._lands_in_xp(e) is None:
            k = len([s for s in self.stores if s[0].startswith("v")]) + 1
            self.stores.append((f"v{k}", self.dim(e)))
            self.locs[id(e)] = Loc(f"v{k}")
            self.emit(f"v{k}_t = v{k}[k]{'':<4}# {e}  (stored for the backward pass)")
            dest = f"v{k}_t"
        if is_chain(e):
            return self.chain(self.plan.chain_of(e), dest)
        if isinstance(e, Act):
            return self.act(e, dest)
        if isinstance(e, Ref):
            code = self.ref(e)
        elif isinstance(e, Const):
            code = number(e.value)
        elif isinstance(e, Had):
            a, b = self.value(e.a), self.value(e.b)
            if dest is not None:
                self.emit(f"np.multiply({a}, {b}, out={dest})")
                return dest
            code = f"({a} * {b})"
        elif isinstance(e, Scale):
            a = self.value(e.a)
            if dest is not None:
                self.emit(f"np.multiply({a}, {number(e.c)}, out={dest})")
                return dest
            code = f"({number(e.c)} * {a})"
        else:  # pragma: no cover - the cell language has no other node
            raise TypeError(type(e).__name__)
        if dest is not None:
            self.emit(f"np.copyto({dest}, {code})")
            return dest
        return code

    def ref(self, r: Ref) -> str:
        if r.kind == "prev":
            return f"{r.name}_prev"
        if r.kind in ("state", "node"):
            return f"{r.name}_t"
        if r.kind == "param":
            return f'P["{r.name}"]'
        return "x_t"

    def act_fn(self, e: Act) -> str:
        """The kernel's local name: ``nsigmoid`` (sigmoid from −a) for a gate the plan negates."""
        ch = self.plan.chain_of(e.a)
        return "nsigmoid" if ch is not None and id(ch) in self.plan.negated else act_name(e.f)

    def act(self, e: Act, dest: str | None) -> str:
        fn = self.act_fn(e)
        ch = self.plan.chain_of(e.a)
        if ch is not None and ch.primary is not None:
            acc = self.chain(ch, None)
            out = dest or acc
            self.emit(f"{fn}({acc}, {out})")
            if dest is None and ch.primary.buf == "x":
                self.locs.setdefault(id(e), Loc("XP", 0, (ch.primary.lo, ch.primary.hi)))
            return out
        src = self.value(e.a)
        if dest is not None:
            self.emit(f"{fn}({src}, {dest})")
            return dest
        return f"{fn}({src})"

    def slot_code(self, slot) -> str:
        if slot.buf == "x":
            return f"XP_k[:, {slot.lo}:{slot.hi}]"
        if slot.buf.startswith("p_"):
            return f"HP_{slot.buf[2:]}[:, {slot.lo}:{slot.hi}]"
        src = self.value(slot.operand)
        self.emit(f'np.matmul({src}, S["{slot.buf}T"], out={slot.buf.upper()}){"":<4}# {slot.W} @ ({slot.operand})')
        return slot.buf.upper()

    def chain(self, ch: Chain, dest: str | None) -> str:
        p = self.plan
        prim = ch.primary
        rest: list[tuple[int, str]] = []
        acc = None
        if prim is not None:
            acc = self.slot_code(prim)
        first_into_dest = prim is None and dest is not None and ch.terms[0][0] > 0 and \
            not isinstance(ch.terms[0][1], (Ref, Const)) and id(ch.terms[0][1]) not in self.need_exprs
        for i, (sign, t) in enumerate(ch.terms):
            slot = p.slots.get(id(t)) if isinstance(t, MatVec) else None
            if slot is not None and slot is prim:
                continue
            if prim is not None and prim.buf == "x" and any(t is f for _, f in ch.folded):
                continue                                  # in the bias row added once per call
            if slot is not None and prim is not None and prim.buf == "x" and slot.buf == f"p_{p.aligned}":
                continue                                  # added with the whole recurrent block
            if i == 0 and first_into_dest:
                self.value(t, dest)                       # the first term written into dest
                continue
            rest.append((sign, self.slot_code(slot) if slot is not None else self.value(t)))
        if first_into_dest:
            for s, c in rest:
                self.emit(f"{dest} {'-' if s < 0 else '+'}= {c}")
            return dest
        if acc is None:                                   # no product: a plain sum
            code = " ".join(("- " if s < 0 else "+ ") + c for s, c in rest).removeprefix("+ ")
            if dest is None:
                return f"({code})"
            if len(rest) >= 2 and rest[0][0] > 0:
                op = "add" if rest[1][0] > 0 else "subtract"
                self.emit(f"np.{op}({rest[0][1]}, {rest[1][1]}, out={dest})")
                for s, c in rest[2:]:
                    self.emit(f"{dest} {'-' if s < 0 else '+'}= {c}")
            else:
                self.emit(f"np.copyto({dest}, {code})")
            return dest
        if dest is not None:
            if rest:
                s, c = rest.pop(0)
                self.emit(f"np.{'add' if s > 0 else 'subtract'}({acc}, {c}, out={dest})")
            else:
                self.emit(f"np.copyto({dest}, {acc})")
            acc = dest
        for s, c in rest:
            self.emit(f"{acc} {'-' if s < 0 else '+'}= {c}")
        return acc


__all__ = ["Forward", "Loc", "act_name", "number", "children"]
