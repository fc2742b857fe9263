"""The docs' math hook (docs/mkdocs_hooks.py) turns every formula into MathML, or stops the build.

The browser test (tests/test_docs_browser.py) shows what a reader sees; these check the converter's
edges directly: constructs latex2mathml misreads are rewritten, and a formula it cannot read, or
leaves TeX in, fails `mkdocs build` with a message naming the formula instead of leaving raw TeX.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import xml.etree.ElementTree as etree
from pathlib import Path

import pytest
from mkdocs.exceptions import PluginError

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("mkdocs_hooks", ROOT / "docs" / "mkdocs_hooks.py")
hooks = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(hooks)
M = "{http://www.w3.org/1998/Math/MathML}"


def _math(tex: str) -> etree.Element:
    return etree.fromstring(hooks.tex_to_mathml(tex, display=False))


def _texts(root: etree.Element) -> list[str]:
    return [el.text for el in root.iter() if el.text]


@pytest.mark.parametrize("tex", [
    r"\begin{aligned} a &= b \\ c &= d \end{aligned}",
    r"\Big\| x \Big\|_F \le \big\lVert y \big\rVert",
    "a,\\ \\\nb",                                   # a backslash ending a line: a control space
    r"\text{half\_sse at 50\%}",
    r"\operatorname{diag}\big(f'(a_t)\big) \odot \delta_t^{\top} \mathbf{1} \boldsymbol{x}",
    r"\frac{\partial L}{\partial W_{hh}} = \sum_{t=1}^{T} \prod_{j} \mathrm{d}x",
])
def test_formula_converts_with_no_tex_left(tex: str) -> None:
    texts = _texts(_math(tex))
    assert texts and not [t for t in texts if "\\" in t], f"{tex!r} left TeX in the MathML: {texts}"


def test_aligned_becomes_a_table_of_rows() -> None:
    root = _math(r"\begin{aligned} a &= b \\ c &= d \end{aligned}")
    assert len(list(root.iter(f"{M}mtr"))) == 2
    assert "&" not in "".join(_texts(root))


def test_tag_becomes_an_equation_number_beside_the_formula() -> None:
    out = hooks.tex_to_mathml(r"a = b \tag{3}", display=True)
    assert out.endswith('<span class="math-tag">(3)</span></div>')
    assert "(3)" not in out.split("</math>")[0]


def test_scripted_closing_delimiter_is_grouped_with_its_opening_one() -> None:
    # (…)^T: the superscript's base is the whole group, so the browser stretches both delimiters.
    root = _math(r"\Big(\frac{a}{b}\Big)^{\top}")
    base = root.find(f".//{M}msup")[0]
    assert [el.text for el in base if el.tag == f"{M}mo"] == ["(", ")"]
    assert all(el.get("stretchy") == "true" for el in base.iter(f"{M}mo"))


@pytest.mark.parametrize("tex, says", [(r"\foo x", r"\foo"), (r"\frac{1}{", "cannot convert"),
                                       (r"a \tag{1} \tag{2}", "at most one"), (r"a & b", "not well formed")])
def test_formula_that_cannot_be_converted_raises_naming_it(tex: str, says: str) -> None:
    with pytest.raises(PluginError, match=r"math: .*") as err:
        hooks.tex_to_mathml(tex, display=True)
    assert says in str(err.value) and repr(tex) in str(err.value)


def test_site_build_fails_on_a_formula_it_cannot_convert(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text("# Page\n\n$$\n\\foo x\n$$\n", encoding="utf-8")
    (tmp_path / "mkdocs.yml").write_text(f"site_name: t\nhooks:\n  - {ROOT / 'docs' / 'mkdocs_hooks.py'}\n",
                                         encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet"],
                          cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode != 0 and "\\foo" in proc.stderr, proc.stderr
    assert not (tmp_path / "site" / "index.html").exists()
