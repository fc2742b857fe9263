"""The LaTeX of every LaTeX-emitting command compiles with pdflatex and fits the page (issue 12 §1).

Each command's ``--standalone`` output (a 10 pt article, text width 345 pt) is compiled with
pdflatex; the test fails on an error or on any overfull box wider than 1 pt (TeX reports a line
that runs past the text width as "Overfull \\hbox (Xpt too wide)"). The default output, an
environment to paste, is compiled inside the same preamble. pdflatex comes from the system
(.ci/run installs texlive-latex-base): it is required, never skipped.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from derive.cli.app import main
from derive.printing.latex_width import tex_width

# 1 pt: TeX's own \hfuzz is 0.1 pt; anything wider than a point is visible on the page
FUZZ_PT = 1.0
OVERFULL = re.compile(r"Overfull \\hbox \((\d+(?:\.\d+)?)pt too wide\)")
TOO_HIGH = re.compile(r"Overfull \\vbox \((\d+(?:\.\d+)?)pt too high\) has occurred while \\output")
T5 = ["--x", "1,1/4,1/4,1/2,-1", "--targets", "1/2,1/4,3/4,0,1"]
CASES = {
    "example": ["example"],
    "example-T5": ["example", *T5],
    "example-T5-sigmoid-last": ["example", *T5, "--activation", "sigmoid", "--loss-at", "last"],
    "derive-T1": ["derive", "--T", "1"],
    "derive-T3": ["derive", "--T", "3"],
    "derive-T5": ["derive", "--T", "5"],
    "derive-T5-truncated": ["derive", "--T", "5", "--truncation", "2,3"],
    "derive-T4-expanded": ["derive", "--T", "4", "--expanded"],
    "derive-vector": ["derive", "--T", "3", "--hidden-size", "2", "--wrt", "all"],
    "jacobian-T5": ["jacobian", "--T", "5", "--k", "0", "--bound"],
    "jacobian-T5-expanded": ["jacobian", "--T", "5", "--k", "2", "--bound", "--expanded"],
    "jacobian-vector": ["jacobian", "--T", "3", "--hidden-size", "2", "--bound"],
    "graph-T5": ["graph", "--T", "5"],
    "graph-vector": ["graph", "--T", "3", "--hidden-size", "2"],
    # the cells (issue 13): derive, graph, jacobian, example of the gated cells
    "derive-lstm-T2": ["derive", "--cell", "lstm", "--T", "2"],
    "derive-gru-T2": ["derive", "--cell", "gru", "--T", "2"],
    "derive-lstm-vector": ["derive", "--cell", "lstm", "--T", "2", "--hidden-size", "2"],
    "derive-gru-vector": ["derive", "--cell", "gru", "--T", "3", "--hidden-size", "2"],
    "derive-lstm-truncated": ["derive", "--cell", "lstm", "--T", "4", "--truncation", "2,2"],
    "graph-lstm": ["graph", "--cell", "lstm", "--T", "2"],
    "graph-gru-vector": ["graph", "--cell", "gru", "--T", "2", "--hidden-size", "2"],
    "jacobian-lstm-vector": ["jacobian", "--cell", "lstm", "--step", "3", "--k", "1", "--hidden-size", "2", "--bound"],
    "jacobian-gru": ["jacobian", "--cell", "gru", "--T", "3", "--k", "0", "--bound"],
    "example-lstm": ["example", "--cell", "lstm"],
    "example-gru": ["example", "--cell", "gru"],
}


def pdflatex() -> str:
    exe = shutil.which("pdflatex")
    assert exe, "pdflatex is required (apt-get install texlive-latex-base; .ci/run installs it)"
    return exe


def bptt(capsys, argv: list[str]) -> str:
    assert main(argv) == 0
    return capsys.readouterr().out


def compile_tex(tmp_path, name: str, source: str) -> str:
    """Compile ``source`` in tmp_path; the log (the run must succeed and make a PDF)."""
    (tmp_path / f"{name}.tex").write_text(source, encoding="utf-8")
    run = subprocess.run([pdflatex(), "-interaction=nonstopmode", "-halt-on-error", f"{name}.tex"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=60)
    log = (tmp_path / f"{name}.log").read_text(encoding="utf-8", errors="replace")
    assert run.returncode == 0 and (tmp_path / f"{name}.pdf").exists(), log[-2000:]
    return log


def overfull(log: str, *, pages: bool = True) -> list[float]:
    """Overfull lines wider than FUZZ_PT, and (``pages``) overfull pages: a display taller than
    the page (a pasted align* breaks across pages only with \\allowdisplaybreaks, the user's call)."""
    pages = [float(h) for h in TOO_HIGH.findall(log) if float(h) > FUZZ_PT] if pages else []
    return [float(w) for w in OVERFULL.findall(log) if float(w) > FUZZ_PT] + pages


@pytest.mark.parametrize("name", list(CASES))
def test_standalone_output_compiles_without_overfull_boxes(name, capsys, tmp_path):
    source = bptt(capsys, [*CASES[name], "--format", "latex", "--standalone"])
    assert source.startswith("\\documentclass{article}") and source.rstrip().endswith("\\end{document}")
    assert overfull(compile_tex(tmp_path, name, source)) == []


@pytest.mark.parametrize("name", ["derive-T3", "jacobian-vector", "graph-T5", "example", "jacobian-lstm-vector",
                                  "example-lstm"])
def test_default_output_pastes_into_an_amsmath_article(name, capsys, tmp_path):
    body = bptt(capsys, [*CASES[name], "--format", "latex"])
    assert "\\documentclass" not in body
    if not name.startswith("example"):
        assert body.startswith("\\begin{align*}") and body.rstrip().endswith("\\end{align*}")
    doc = "\\documentclass{article}\n\\usepackage{amsmath}\n\\begin{document}\n" + body + "\n\\end{document}\n"
    assert overfull(compile_tex(tmp_path, name, doc), pages=False) == []


def test_before_the_fix_the_example_ran_off_the_page(tmp_path):
    """The check can fail: one unbroken line of the old ∂L/∂W_xh is reported as overfull."""
    wide = (r"\frac{\partial L}{\partial W_{xh}} = " + r" + ".join([r"\left(1 - h_{1}^{2}\right) h_{2}"] * 12))
    doc = "\\documentclass{article}\n\\usepackage{amsmath}\n\\begin{document}\n\\[" + wide + "\\]\n\\end{document}\n"
    assert overfull(compile_tex(tmp_path, "wide", doc))


def test_width_estimate_is_never_below_the_typeset_width(capsys, tmp_path):
    """The line breaker's estimate (latex_width.tex_width) rounds up: checked against TeX's own
    width of every printed line of the T = 5 example and the vector derivation."""
    lines = []
    for argv in (CASES["example-T5"], CASES["derive-vector"], CASES["jacobian-T5"]):
        out = bptt(capsys, [*argv, "--format", "latex"])
        for block in re.findall(r"\\begin\{align(?:ed|\*)\}\n(.*?)\n\\end\{align", out, re.S):
            for row in block.split(" \\\\\n"):
                cells = [c.strip().removeprefix(r"\quad").strip() for c in row.split("&")]
                lines += [c for c in cells if c and not c.startswith(r"\text")]
    body = "\n".join(rf"\setbox0\hbox{{$\displaystyle {c}$}}\typeout{{W{i}=\the\wd0}}" for i, c in enumerate(lines))
    log = compile_tex(tmp_path, "widths", "\\documentclass{article}\n\\usepackage{amsmath}\n\\begin{document}\n"
                      + body + "\nx\n\\end{document}\n")
    measured = {int(i): float(w) for i, w in re.findall(r"W(\d+)=([\d.]+)pt", log)}
    assert len(measured) == len(lines) > 50
    # 2 % of slack: the estimate uses average glyph widths; the breaker keeps 4 pt in reserve
    low = [(lines[i], w, tex_width(lines[i])) for i, w in measured.items() if tex_width(lines[i]) < 0.98 * w]
    assert low == []


def test_one_notation_and_setting_names_as_text(capsys):
    out = bptt(capsys, ["derive", "--T", "2", "--hidden-size", "2", "--format", "latex"])
    assert r"\odot" in out and r"^{\top}" in out
    assert r"\circ" not in out and "^{T}" not in out
    assert r"\mathtt{half\_sse}" in out and r"\text{" in out
    assert not re.search(r"\\text\{[^}]*\\_", out)         # no \_ inside \text (MathJax prints it)


def test_standalone_needs_format_latex(capsys):
    code = main(["graph", "--standalone"])
    err = capsys.readouterr().err
    assert code == 2 and "--standalone" in err and "--format latex" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("cell", ["jordan", "gru", "lstm"])
def test_a_gated_cells_standalone_derivation_compiles(cell, capsys, tmp_path):
    # names such as delta_c_2 and og_2 must not become double subscripts (a pdflatex error), and
    # the long lines are broken to fit (before the cells' printer used latex_layout: 38-51 pt over)
    log = compile_tex(tmp_path, cell, bptt(capsys, ["derive", "--cell", cell, "--T", "2", "--format", "latex",
                                                    "--standalone"]))
    assert overfull(log) == []
