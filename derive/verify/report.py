"""The text report of ``bptt verify``: one table row per property, then counterexamples."""

from __future__ import annotations

MEASURES = {
    "roundoff": "‖a − b‖ / first-order rounding-error bound of the computation (numeric/routes/compare.py)",
    "cell-roundoff": "‖a − b‖ / rounding scale Σ|path terms| of the cell's computation (derive/verify/cells/compare.py)",
    "fd-rel": "gradcheck norm-wise relative error vs central differences",
    "ratio": "measured / bound",
    "nonzero": "gradient entries not identically zero",
}


def report_text(report) -> str:
    """The table and, for each failed property, its shrunk counterexample as runnable code."""
    head = getattr(report, "head", None) or (           # a cell report (derive/verify/cells) has its own
        f"bptt verify: seed {report.seed}; {report.examples} draws per numeric property, "
        f"{report.draws('unrolled')} for the straight-line route, "
        f"{report.draws('symbolic')} small problems (T <= 4) per symbolic property")
    rows = [("property", "routes", "examples", "max error", "tolerance", "seconds", "measure", "result")]
    for r in report.results:
        rows.append((r.name, r.routes, str(r.examples), f"{r.max_error:.2e}", f"{r.tolerance:g}",
                     f"{r.seconds:.1f}", r.measure, "pass" if r.passed else "FAIL"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [head, ""]
    for i, row in enumerate(rows):
        lines.append("  ".join(c.ljust(w) if j < 2 or j == 6 else c.rjust(w) if j < 6 else c
                               for j, (c, w) in enumerate(zip(row, widths))).rstrip())
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    failed = [r for r in report.results if not r.passed]
    lines.append("")
    used = sorted({r.measure for r in report.results})
    lines += [f"  {m}: {MEASURES[m]}" for m in used]
    lines.append("")
    verdict = "all passed" if not failed else f"{len(failed)} FAILED"
    n = len(report.results)
    lines.append(f"{n} propert{'y' if n == 1 else 'ies'}, {verdict}, in {report.seconds:.1f} s")
    for r in failed:
        c = r.counterexample or {}
        lines += ["", f"counterexample for {r.name!r} (shrunk): error {c.get('error')} > tolerance "
                      f"{r.tolerance:g}", f"  {c.get('summary', '')}", f"  {c.get('message', '')}", "",
                  c.get("code", "")]
    return "\n".join(lines)
