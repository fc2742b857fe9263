"""FnGradcheckReport: the model-free gradcheck's verdict, in the layout of ``bptt gradcheck``.

JSON (``"schema": 1``): the keys of GradcheckReport.as_dict() — verdict, exit_status, eps, reason,
suggested_eps, max_rel_error, gradients [{name, verdict, rel_error, ...}] — plus target
("file.py:fn"), signature, loss (fn's loss at the point), point {source, shapes {name: [dims]}},
wrong (the names that fail) and notes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ..gradcheck_verdict import GradcheckReport, _num

SIGNATURE = "fn(params: dict) -> (loss, grads: dict)"


@dataclass(frozen=True)
class FnGradcheckReport:
    """What was checked (fn, the point) and the per-array verdicts of GradcheckReport."""

    target: str
    report: GradcheckReport
    loss: float
    point_source: str
    shapes: dict[str, tuple[int, ...]]
    notes: tuple[str, ...] = ()
    calls: int = 0              # calls of fn at least (a second step size adds 2 per entry)

    @property
    def verdict(self) -> str:
        return self.report.verdict

    @property
    def passed(self) -> bool:
        return self.report.passed

    @property
    def exit_status(self) -> int:
        return self.report.exit_status

    @property
    def wrong(self) -> list[str]:
        return [e.name for e in self.report if e.status == "fail"]

    def __getitem__(self, name: str):
        return self.report[name]

    def as_dict(self) -> dict[str, Any]:
        return {"schema": 1, "target": self.target, "signature": SIGNATURE, **{
            k: v for k, v in self.report.as_dict().items() if k != "schema"},
            "loss": _num(self.loss), "wrong": self.wrong,
            "point": {"source": self.point_source, "shapes": {k: list(s) for k, s in self.shapes.items()}},
            "notes": list(self.notes)}

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.as_dict(), indent=indent, allow_nan=False)

    def to_text(self) -> str:
        r = self.report
        shapes = ", ".join(f"{k} {s}" for k, s in self.shapes.items())
        lines = [f"gradcheck {self.target} (central differences, eps={r.eps:g}): {r.verdict.upper()}",
                 f"  {SIGNATURE}; float64; point from {self.point_source}: {shapes}",
                 f"  loss at the point {self.loss:.17g}"]
        lines += str(r).splitlines()[1:]
        if self.wrong:
            lines.append(f"wrong: {', '.join(self.wrong)}; right: "
                         f"{', '.join(e.name for e in r if e.status == 'pass') or 'none'}")
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)

    __str__ = to_text
