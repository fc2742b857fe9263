"""``bptt verify --cell C``: the cell properties outside pytest -> a VerifyReport with its cell.

C is a built-in name (elman, jordan, gru, lstm: the engines of numeric.cells) or
``FILE.py:NAME`` (a user's cell, NAME a Cell in FILE; see ``resolve``). Each property of
``derive.verify.cells.properties.cell_properties`` runs under hypothesis exactly as the
vanilla suite's (derive/verify/suite.py ``run_property``: its own seed, no database, shrunk
counterexample as code).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from ..suite import VerifyReport, run_property
from .properties import cell_properties


def share(kind: str, examples: int) -> int:
    """Draws for a property: all of --examples, a quarter (at least 2) for the symbolic one
    (a cell's derivation at T <= 3 and sizes <= 2 evaluates in ~0.1 s a draw)."""
    return examples if kind == "numeric" else max(2, -(-examples // 4))


@dataclass
class CellVerifyReport(VerifyReport):
    cell: str = ""
    engine: str = ""

    def draws(self, kind: str) -> int:
        return share(kind, self.examples)

    @property
    def head(self) -> str:
        return (f"bptt verify --cell {self.cell}: engine {self.engine}; seed {self.seed}; {self.examples} draws "
                f"per numeric property, {self.draws('symbolic')} small problems (T <= 3) for the symbolic one")

    def as_json(self) -> dict[str, Any]:
        out = super().as_json()
        out.pop("unrolled_examples", None)
        return {"schema": out.pop("schema"), "cell": self.cell, "engine": self.engine, **out}


def resolve(ref: str):
    """(Cell, numeric.cells.bptt's cell argument, a description of the engine) for ``--cell``."""
    from derive.cells.builtin import CELLS
    from derive.cells.cell import CellError

    if ref in CELLS:
        return CELLS[ref], ref, f"numeric.cells ({ref})"
    if ":" not in ref:
        raise ValueError(f"--cell {ref!r} is not known; choose one of {', '.join(sorted(CELLS))} or give "
                         "FILE.py:NAME (a Cell, or a module `bptt generate --cell ... --out` wrote).")
    from .user import generated_engine
    try:
        return generated_engine(ref)
    except CellError as e:
        raise ValueError(f"--cell: {e}") from None


def verify_cell(ref: str, examples: int = 100, seed: int = 0, *, only: str | None = None,
                progress: bool | None = None) -> CellVerifyReport:
    """Run every cell property (or those whose name contains ``only``) for ``--cell ref``."""
    from tqdm import tqdm

    import numeric.cells  # noqa: F401  (loaded before the first draw: hypothesis mixes module constants in)

    cell, eng, where = resolve(ref)
    props = cell_properties(cell, eng)
    chosen = [p for p in props if only is None or only.lower() in p.name.lower()]
    if not chosen:
        names = ", ".join(repr(p.name) for p in props)
        raise ValueError(f"--only {only!r} matches no property; the properties of --cell {ref} are {names}.")
    report = CellVerifyReport(seed, examples, cell=ref, engine=where)
    total = sum(share(p.kind, examples) for p in chosen)
    t0 = time.perf_counter()
    with tqdm(total=total, desc=f"bptt verify --cell {cell.name}", unit="ex", leave=False, dynamic_ncols=True,
              disable=None if progress is None else not progress) as bar:
        for prop in chosen:
            bar.set_postfix_str(prop.name)
            report.results.append(run_property(prop, share(prop.kind, examples), seed, bar))
    report.seconds = time.perf_counter() - t0
    return report
