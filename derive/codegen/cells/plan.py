"""The plan of a cell's generated engine: every W @ operand grouped into a stacked GEMM.

A step's equations are read as *chains* (maximal sums and differences, ``W_xi x + W_hi h_prev
+ b_i``) and the other operations (⊙, scalars, activations). Each matrix–vector product is a
*slot*, a column block of one stacked buffer:

* ``x``: every ``W @ x``, all steps at once: XP (T, B, Rx) = X (T·B, D) @ [W_a; W_b; ...]ᵀ;
* ``p_<s>``: every ``W @ s_prev`` of a state s, one GEMM per step (B, Rs);
* ``g<k>``: any other operand (``W @ (f ⊙ h)``), its own GEMM per step.

A chain's *primary* slot is where it is summed in place (its first ``+ W @ x``, else its first
``+ W @ s_prev``, else its first other product); biases and numbers of a chain whose primary is
an x slot are folded into one bias row added once per call. When the x stack and a state's
stack pair up chain by chain (elman, jordan, lstm), the recurrent block is added to XP in one
operation per step and the backward pass shares one adjoint buffer for both (``aligned``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from derive.cells.cell import Cell, CellError
from derive.cells.expr import Act, Add, Const, Expr, Had, MatVec, Ref, Scale, Sub, children


def flatten(e: Expr, sign: int = 1) -> list[tuple[int, Expr]]:
    """The signed terms of a sum: a + b − (c − d) -> [(+, a), (+, b), (−, c), (+, d)]."""
    if isinstance(e, Add):
        return flatten(e.a, sign) + flatten(e.b, sign)
    if isinstance(e, Sub):
        return flatten(e.a, sign) + flatten(e.b, -sign)
    return [(sign, e)]


def is_chain(e: Expr) -> bool:
    return isinstance(e, (Add, Sub, MatVec))


def cheap(e: Expr) -> bool:
    """Recomputed from stored values in the backward pass instead of stored: no product W @ v and
    no activation inside (``1 - z``, ``f * h_prev``)."""
    if isinstance(e, (MatVec, Act)):
        return False
    return all(cheap(c) for c in children(e))


@dataclass(eq=False)
class Slot:
    """One W @ operand: its buffer, its column block (code strings over H, D, V), its chain."""

    buf: str
    W: str
    rows: str
    operand: Expr
    lo: str = "0"
    hi: str = "0"
    chain: "Chain | None" = None


@dataclass(eq=False)
class Chain:
    """A maximal sum: its signed terms, the slot it is summed into and the terms folded there."""

    root: Expr
    terms: list[tuple[int, Expr]]
    slots: list[tuple[int, Slot]] = field(default_factory=list)
    primary: Slot | None = None
    folded: list[tuple[int, Expr]] = field(default_factory=list)   # biases/numbers in the x bias row


def offset(letters: list[str]) -> str:
    """Code for the sum of dimension letters: [] -> "0", [H, H] -> "2 * H", [H, V] -> "H + V"."""
    counts = Counter(letters)
    parts = [(f"{n} * {d}" if n > 1 else d) for d, n in sorted(counts.items())]
    return " + ".join(parts) or "0"


class Plan:
    """Slots, chains and stacks of one cell (see the module docstring)."""

    def __init__(self, cell: Cell) -> None:
        self.cell = cell
        self.buffers: dict[str, list[Slot]] = {"x": []}
        self.slots: dict[int, Slot] = {}
        self.chains: dict[int, Chain] = {}
        self._check_sharing()
        for eq in cell.equations:
            self._visit(eq.expr)
        for name, slots in self.buffers.items():
            for i, s in enumerate(slots):
                s.lo, s.hi = offset([t.rows for t in slots[:i]]), offset([t.rows for t in slots[:i + 1]])
        self.aligned = self._aligned()
        self.takes_activation = any(isinstance(e, Act) and e.f == "f" for e in self._all())
        self.negated = self._negated()

    def _negated(self) -> dict[int, Chain]:
        """The sigmoid gates whose whole pre-activation lives in stacked columns (x and previous-state
        slots, folded biases): their forward weights and bias are stacked negated, so the forward
        sums −a and applies sigmoid from it (one pass fewer; negation is exact: the same values)."""
        out = {}
        for e in self._all():
            ch = self.chain_of(e.a) if isinstance(e, Act) and e.f == "sigmoid" else None
            if ch is None or ch.primary is None or ch.primary.buf != "x":
                continue
            ok = all((isinstance(t, MatVec) and self.slots[id(t)].chain is ch
                      and (self.slots[id(t)].buf == "x" or self.slots[id(t)].buf.startswith("p_")))
                     or any(t is f for _, f in ch.folded) for _, t in ch.terms)
            if ok:
                out[id(ch)] = ch
        return out

    def negated_slots(self, buf: str) -> list[Slot]:
        """The column blocks of a stack's forward (transposed) copy that are stacked negated."""
        return [s for s in self.buffers.get(buf, []) if s.chain is not None and id(s.chain) in self.negated]

    # ---- reading the equations -------------------------------------------------------------
    def _all(self):
        stack = [eq.expr for eq in self.cell.equations]
        while stack:
            e = stack.pop()
            yield e
            stack.extend(children(e))

    def _check_sharing(self) -> None:
        uses = Counter(id(e) for e in self._all() if not isinstance(e, (Ref, Const)))
        for eq in self.cell.equations:
            stack = [eq.expr]
            while stack:
                e = stack.pop()
                if uses[id(e)] > 1:
                    raise CellError(f"cell {self.cell.name!r}, equation {eq}: the expression {e} is used twice; "
                                    "name it with c.node(...) so the generated engine computes it once.")
                stack.extend(children(e))
        for e in self._all():
            for c in children(e):
                if isinstance(c, Ref) and c.kind == "input" and not isinstance(e, MatVec):
                    raise CellError(f"cell {self.cell.name!r}: x appears outside W @ x in {e}; the generated "
                                    "engine takes the input through matrix products only (write W @ x).")
        if any(isinstance(eq.expr, Ref) and eq.expr.kind == "input" for eq in self.cell.equations):
            raise CellError(f"cell {self.cell.name!r}: x appears outside W @ x; write W @ x.")

    def _visit(self, e: Expr) -> None:
        if is_chain(e):
            chain = Chain(e, flatten(e))
            self.chains[id(e)] = chain
            for sign, t in chain.terms:
                if isinstance(t, MatVec):
                    slot = self._slot(t)
                    slot.chain = chain
                    chain.slots.append((sign, slot))
                    if slot.buf.startswith("g"):
                        self._visit(t.x)
                else:
                    self._visit(t)
            chain.primary = self._primary(chain)
            if chain.primary is not None and chain.primary.buf == "x":
                chain.folded = [(s, t) for s, t in chain.terms if _foldable(t)]
            return
        for c in children(e):
            self._visit(c)

    def _slot(self, m: MatVec) -> Slot:
        W, x = m.W, m.x
        if isinstance(x, Ref) and x.kind == "input":
            buf = "x"
        elif isinstance(x, Ref) and x.kind == "prev":
            buf = f"p_{x.name}"
        else:
            buf = f"g{sum(b.startswith('g') for b in self.buffers) + 1}"
        slot = Slot(buf, W.name, self.cell.params[W.name][0], x)
        self.buffers.setdefault(buf, []).append(slot)
        self.slots[id(m)] = slot
        return slot

    @staticmethod
    def _primary(chain: Chain) -> Slot | None:
        for kind in ("x", "p_", "g"):
            for sign, s in chain.slots:
                if sign > 0 and s.buf.startswith(kind):
                    return s
        return None

    def _aligned(self) -> str | None:
        """The state whose stack pairs with the x stack chain by chain (shares its buffers)."""
        xs = self.buffers["x"]
        for s in self.cell.states:
            ps = self.buffers.get(f"p_{s}", [])
            if xs and len(ps) == len(xs) and all(
                    a.chain is b.chain and a.chain.primary is a and a.rows == b.rows
                    and (1, b) in [(sg, sl) for sg, sl in a.chain.slots] for a, b in zip(xs, ps)):
                return s
        return None

    # ---- questions the emitters ask ---------------------------------------------------------
    def chain_of(self, e: Expr) -> Chain | None:
        return self.chains.get(id(e))

    def prev_buffers(self) -> list[tuple[str, list[Slot]]]:
        return [(b, s) for b, s in self.buffers.items() if b.startswith("p_")]

    def general_buffers(self) -> list[tuple[str, list[Slot]]]:
        return [(b, s) for b, s in self.buffers.items() if b.startswith("g")]

    def width(self, buf: str) -> str:
        return self.buffers[buf][-1].hi if self.buffers[buf] else "0"

    def stored_by_backward(self) -> tuple[set[int], set[str]]:
        """What the backward pass reads: ids of expressions to store, names of nodes to store."""
        exprs: set[int] = set()
        nodes: set[str] = set()

        def need(e: Expr) -> None:
            if isinstance(e, Const):
                return
            if isinstance(e, Ref):
                if e.kind == "node":
                    nodes.add(e.name)
                return
            if cheap(e):
                for c in children(e):
                    need(c)
                return
            exprs.add(id(e))

        for e in self._all():
            if isinstance(e, Had):
                need(e.a)
                need(e.b)
            elif isinstance(e, Act):
                need(e)
            elif isinstance(e, MatVec) and self.slots[id(e)].buf.startswith("g"):
                need(e.x)
        if not self.cell.readout and self.cell.output not in self.cell.states:
            nodes.add(self.cell.output)      # the logits are read from it
        for eq in self.cell.equations:       # an equation's whole right side is its target
            if eq.kind == "node" and id(eq.expr) in exprs:
                nodes.add(eq.target)
        return exprs, nodes


def _foldable(t: Expr) -> bool:
    return isinstance(t, Const) or (isinstance(t, Ref) and t.kind == "param")


__all__ = ["Chain", "Plan", "Slot", "cheap", "flatten", "is_chain", "offset", "Scale"]
