"""The second code-generation target: straight-line BPTT for one fixed T and fixed sizes.

No loop and no δ recursion at run time: every gradient entry is the *expanded* derivation
(``derive.gradients.derive_bptt(unroll(...)).expanded_matrix``: parameters, h0, inputs and
targets only), all of them passed through one ``sympy.cse`` and printed by the NumPy
printer as a flat list of assignments. Each scalar symbol of the derivation (``W_hh_0_1``,
``x2_1``, ``h0_0``) becomes a local variable; the per-sequence ones are (B,) arrays, so one
pass serves a whole batch. The module has ``numeric.bptt``'s ``bptt`` signature and result
for its one (T, D, H, V, activation, loss, loss_at, truncation), which makes it one more
route in the cross-checks (tests/test_routes_agree.py, ``bptt verify``).

    bptt generate --unrolled --T 3 --hidden-size 2 --input-size 2 --output-size 2
"""

from __future__ import annotations

import types
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import sympy as sp

from numeric.params import PARAM_NAMES, VECTOR_NAMES
from numeric.rules import LOSSES
from numeric.truncation import Truncation

from .module import GENERATED_DIR
from .printer import print_expr

UNROLLED_DIR = GENERATED_DIR / "unrolled"
GRAD_NAMES = PARAM_NAMES


@dataclass(frozen=True)
class UnrolledTarget:
    """One straight-line module: fixed sizes, activation, loss, loss_at and truncation."""

    T: int
    D: int
    H: int
    V: int
    activation: str = "tanh"
    loss: str = "half_sse"
    loss_at: str = "all"
    truncation: Truncation | None = None

    def __post_init__(self) -> None:
        from numeric.validate import check_activation, check_loss, check_loss_at, check_positive_int

        for name, v, top in (("T", self.T, 6), ("input_size", self.D, 4), ("hidden_size", self.H, 4),
                             ("output_size", self.V, 4)):
            check_positive_int(name, v)
            if v > top:
                raise ValueError(f"{name} for --unrolled must be <= {top} (the expanded derivation grows "
                                 f"fast; straight-line code is for small problems); got {v}.")
        check_activation(self.activation), check_loss(self.loss), check_loss_at(self.loss_at)

    @property
    def module_name(self) -> str:
        name = f"bptt_{self.activation}_{self.loss}_T{self.T}_D{self.D}_H{self.H}_V{self.V}"
        if self.loss_at != "all":
            name += f"_{self.loss_at}"
        if self.truncation is not None:
            name += f"_k{self.truncation.k1}_{self.truncation.k2}"
        return name

    @property
    def default_path(self) -> Path:
        return UNROLLED_DIR / f"{self.module_name}.py"

    def command(self, out: str | None = None) -> str:
        cmd = (f"bptt generate --unrolled --T {self.T} --input-size {self.D} --hidden-size {self.H} "
               f"--output-size {self.V} --activation {self.activation} --loss {self.loss}")
        if self.loss_at != "all":
            cmd += f" --loss-at {self.loss_at}"
        if self.truncation is not None:
            cmd += f" --truncation {self.truncation.k1},{self.truncation.k2}"
        return cmd if out is None else f"{cmd} --out {out}"


def _columns(m) -> sp.ImmutableMatrix:
    return m if isinstance(m, sp.MatrixBase) else sp.ImmutableMatrix([[m]])


def _expanded_outputs(t: UnrolledTarget):
    """(unrolled graph, [(label, index, expression)]) for the loss, h_T, gradients, dh0, dxs."""
    from ..gradients import derive_bptt
    from ..graph import unroll

    u = unroll(t.T, hidden_size=t.H, input_size=t.D, output_size=t.V, activation=t.activation,
               loss=t.loss, loss_at=t.loss_at, weighted=True)
    d = derive_bptt(u, truncation=t.truncation)
    out = [("loss", (), u.expanded_loss())]
    out += [("h_last", (i,), e) for i, e in enumerate(u.expand(u.mat("h", t.T)))]
    for name in (*GRAD_NAMES, "h0"):
        m = d.expanded_matrix(name)
        vector = name in VECTOR_NAMES
        out += [(name, (i,) if vector else (i, j), m[i, j]) for i in range(m.rows) for j in range(m.cols)]
    # ∂L/∂x_t = Σ over the windows reaching step t of W_xhᵀ (f'(a_t) ⊙ δ_t), expanded
    W_xh, fprime = u.mat("W_xh"), {k: _columns(v) for k, v in d.fprime.items()}
    dx = {s: sp.zeros(t.D, 1) for s in range(1, t.T + 1)}
    for eq in d.deltas:
        dx[eq.t] = dx[eq.t] + W_xh.T * fprime[eq.t].multiply_elementwise(_columns(eq.symbol))
    for s in range(1, t.T + 1):
        out += [("xs", (s - 1, k), e) for k, e in enumerate(dx[s].xreplace(d.expansion))]
    return u, out


def _leaf_lines(u, t: UnrolledTarget) -> list[str]:
    """Unpack every leaf symbol of the graph into a local variable."""
    lines = []
    for name in GRAD_NAMES:
        m = u.mat(name)
        for i in range(m.rows):
            for j in range(m.cols):
                index = f"{i}" if name in VECTOR_NAMES else f"{i}, {j}"
                lines.append(f"{m[i, j]} = params.{name}[{index}]")
    lines += [f"{s} = h[:, {i}]" for i, s in enumerate(u.mat("h0"))]
    for s in range(1, t.T + 1):
        lines += [f"{v} = xs3[{s - 1}, :, {k}]" for k, v in enumerate(u.mat("x", s))]
    for s in u.loss_steps:
        lines += [f"{v} = y[{s - 1}, :, {k}]" for k, v in enumerate(u.mat("y", s))]
        lines.append(f"{u.weights[s]} = w[{s - 1}]")
    return lines


def generate_unrolled_source(t: UnrolledTarget, *, out: str | None = None) -> str:
    """The source of the straight-line module for ``t`` (deterministic byte for byte)."""
    from . import unrolled_template as template

    u, outputs = _expanded_outputs(t)
    temps, reduced = sp.cse([e for _, _, e in outputs], symbols=sp.numbered_symbols("_c"))
    body = _leaf_lines(u, t) + [f"{print_expr(s)} = {print_expr(e)}" for s, e in temps]
    for (label, index, _), e in zip(outputs, reduced):
        code = print_expr(e)
        if label == "loss":
            body.append(f"loss = _total({code})")
        elif label in ("h_last", "h0", "xs"):
            target = {"h_last": "h_last", "h0": "dh0", "xs": "dxs"}[label]
            body.append(f"{target}[{', '.join(map(str, index))}] = _each({code})")
        else:
            body.append(f"grads.{label}[{', '.join(map(str, index))}] = _total({code})")
    trunc = "None" if t.truncation is None else f"Truncation({t.truncation.k1}, {t.truncation.k2})"
    fields = dict(command=t.command(out), T=t.T, D=t.D, H=t.H, V=t.V, activation=t.activation,
                  loss=t.loss, loss_at=t.loss_at, truncation=trunc, n_temps=len(temps),
                  scale_by_count=LOSSES[t.loss].scale_by_count,
                  one_hot=not LOSSES[t.loss].real_targets,
                  body="\n".join("    " + line for line in body))
    return template.MODULE.format(**fields)


def write_unrolled(t: UnrolledTarget, path: str | Path | None = None) -> Path:
    """Generate and write the straight-line module (default: numeric/generated/unrolled/)."""
    dest = t.default_path if path is None else Path(path)
    out = None if path is None or dest.resolve() == t.default_path else str(path)
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(generate_unrolled_source(t, out=out), encoding="utf-8")
    return dest


# The straight-line modules committed under numeric/generated/unrolled/ (drift-checked).
COMMITTED = (UnrolledTarget(3, 2, 2, 2, "tanh", "half_sse"),)


@lru_cache(maxsize=32)
def load_unrolled(t: UnrolledTarget) -> types.ModuleType:
    """Generate the straight-line module for ``t`` in memory and import it (memoised)."""
    source = generate_unrolled_source(t)
    module = types.ModuleType(f"numeric.generated.unrolled.{t.module_name}")
    exec(compile(source, f"<{t.module_name}>", "exec"), module.__dict__)
    return module
