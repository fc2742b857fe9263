"""Code generation: derivation -> cse -> NumPy printer -> module source with a header.

Layered as SymPy's own code generation is (expression, then printer, then file writer):

* ``derive.codegen.formulas.step_formulas`` derives every step formula (SymPy matrix calculus
  and the shared rules table; ``sympy.cse`` on the loss);
* ``derive.codegen.printer.BatchedNumPyPrinter`` prints each as NumPy source;
* this module lays the printed functions out above the loop skeleton of
  ``derive.codegen.template`` and writes the file.

The output is byte-for-byte deterministic (no timestamps, no versions): the drift test
regenerates every committed module in memory and compares.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path

from numeric.rules import ACTIVATIONS, LOSSES

from . import template
from .formulas import Formula, step_formulas
from .printer import print_accumulate, print_expr, takes_out

GENERATED_DIR = Path(__file__).resolve().parents[2] / "numeric" / "generated"


@dataclass(frozen=True)
class Target:
    """One generated module: its activation, loss and (relative) output path."""

    activation: str
    loss: str

    @property
    def module_name(self) -> str:
        return f"bptt_{self.activation}_{self.loss}"

    @property
    def default_path(self) -> Path:
        return GENERATED_DIR / f"{self.module_name}.py"

    def command(self, out: str | None = None) -> str:
        """The exact command that (re)generates this module."""
        cmd = f"bptt generate --activation {self.activation} --loss {self.loss}"
        return cmd if out is None else f"{cmd} --out {out}"


def all_targets() -> list[Target]:
    """Every activation x loss pair of the rules table, in sorted order (16 modules)."""
    return [Target(a, l) for a in sorted(ACTIVATIONS) for l in sorted(LOSSES)]


def render_function(f: Formula) -> str:
    """One printed formula as a Python function with a docstring."""
    doc = textwrap.indent(f.doc, "    ").lstrip()
    buffered = len(f.outputs) == 1 and takes_out(f.outputs[0])
    args = f.args + (("out=None",) if buffered else ())
    lines = [f"def {f.name}({', '.join(args)}):", f'    """{doc}"""' if "\n" not in f.doc
             else f'    """{doc}\n    """']
    lines += [f"    {print_expr(sym)} = {print_expr(expr)}" for sym, expr in f.temps]
    if buffered:
        # a product (plus terms): written into out (a caller's buffer, or a fresh array)
        lines += [f"    {line}" for line in print_accumulate(f.outputs[0], "out")] + ["    return out"]
    else:
        lines.append(f"    return {', '.join(print_expr(e) for e in f.outputs)}")
    return "\n".join(lines)


def generate_source(activation: str, loss: str, *, out: str | None = None) -> str:
    """The full source of the generated module for one activation and loss.

    Args:
      activation, loss: names from numeric.rules.ACTIVATIONS / LOSSES.
      out: the --out path to name in the header (None: the default path, not named).
    Returns:
      Python source (str) importing only numpy and numeric's checks and result types.
    """
    from numeric.validate import check_activation, check_loss

    activation, loss = check_activation(activation), check_loss(loss)
    target, rule = Target(activation, loss), LOSSES[loss]
    formulas = step_formulas(activation, loss)
    fields = dict(command=target.command(out), activation=activation, loss=loss,
                  scale_by_count=rule.scale_by_count, one_hot=not rule.real_targets,
                  targets_doc="class indices (T,) / (T, B)" if not rule.real_targets
                  else "real (T, V) / (T, B, V)")
    uses_exp = any(e.has(_exp()) for f in formulas if f.name == "activation" for e in f.outputs)
    fields["states_loop"] = template.STATES_LOOP_EXP if uses_exp else template.STATES_LOOP
    body = "\n\n\n".join(render_function(f) for f in formulas)
    return (template.HEADER.format(**fields) + "\n" + body + "\n"
            + template.SKELETON.format(**fields))


def _exp():
    import sympy

    return sympy.exp


def write_module(activation: str, loss: str, path: str | Path | None = None) -> Path:
    """Generate and write one module; returns the path written (parents created)."""
    target = Target(activation, loss)
    dest = target.default_path if path is None else Path(path)
    out = None if path is None or dest.resolve() == target.default_path else str(path)
    source = generate_source(activation, loss, out=out)
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(source, encoding="utf-8")
    return dest


def drifted() -> list[Target]:
    """The committed modules whose file differs from a fresh generation (or is missing)."""
    bad = []
    for t in all_targets():
        path = t.default_path
        if not path.exists() or path.read_text(encoding="utf-8") != generate_source(t.activation, t.loss):
            bad.append(t)
    return bad
