"""MkDocs hook: typeset the pages' LaTeX math as MathML at build time, so the site needs no network.

Python-Markdown would eat the backslashes of ``\\{`` and ``\\\\`` and turn ``_`` into emphasis;
the pages write math the GitHub way (``$$ ... $$`` on their own lines, ``$ ... $`` inline), so
this hook takes the math out before Markdown sees it and puts MathML in its place, converted by
latex2mathml (pure Python; browsers render MathML natively, Chromium since 109). Code blocks and
inline code are never touched. A display formula's ``\\tag{N}`` becomes an equation number beside
it, and the formula sits in its own box that scrolls sideways when it is wider than the column
(css/extra.css). A formula the converter cannot read, or leaves TeX in (an unknown command shows
up as a token with a backslash), stops the build with an error naming it: never raw TeX on a page.
Loaded by ``hooks:`` in mkdocs.yml.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree

from latex2mathml.converter import convert
from markdown import Extension, Markdown
from markdown.inlinepatterns import InlineProcessor
from markdown.preprocessors import Preprocessor
from mkdocs.exceptions import PluginError

# $$ ... $$ starting and ending a line (possibly spanning lines), as GitHub renders display math.
DISPLAY = re.compile(r"^[ \t]*\$\$(.+?)\$\$[ \t]*$", re.M | re.S)
# $x$: no space just inside the dollars, no digit or word character right outside (so "$5 and $6"
# and shell prompts in prose stay text).
INLINE = r"(?<![\\$\w])\$(?![\s$])([^$\n]+?)(?<![\s\\])\$(?![\w$])"
TAG = re.compile(r"\\tag\*?\{([^{}]*)\}")
# latex2mathml 3.81 leaves \| (and \Vert, \lVert, ...) as text after a size command (\big\|,
# \Big\lVert); the Unicode double bar is the same delimiter and converts.
SIZED_BAR = re.compile(r"(\\(?:[bB]igg?)[lrm]?)\s*(?:\\\||\\[lr]?Vert\b)")
# ... and reads aligned as plain text with stray '&'; align* is the same table (right, left, ...).
ALIGNED = re.compile(r"\\(begin|end)\{aligned\}")
# A lone backslash ending a line is a control space in TeX (after an odd run of backslashes; "\\" is
# a line break); latex2mathml keeps it as a token, so it is written as "\ ".
CONTROL_SPACE = re.compile(r"(?<!\\)((?:\\\\)*)\\(?=\n)")
# LaTeX text escapes that the converter copies into <mtext> verbatim ("half\_sse").
TEXT_ESCAPE = re.compile(r"\\([_%#$])")
NS = "http://www.w3.org/1998/Math/MathML"
MO, MI, MROW = f"{{{NS}}}mo", f"{{{NS}}}mi", f"{{{NS}}}mrow"
SCRIPTS = {f"{{{NS}}}{name}" for name in ("msup", "msub", "msubsup")}
MSUP = f"{{{NS}}}msup"
OPENING, CLOSING = "([{⟨⌊⌈", ")]}⟩⌋⌉"
PRIMES = {"′", "″", "‴"}
etree.register_namespace("", NS)


def _normalise(tex: str) -> str:
    """Rewrite the constructs latex2mathml misreads into equivalent ones it reads."""
    tex = CONTROL_SPACE.sub(r"\g<1>\\ ", tex)
    return ALIGNED.sub(r"\\\1{align*}", SIZED_BAR.sub(r"\1‖", tex))


def _parse(mathml: str, tex: str) -> etree.Element:
    """The MathML as a tree; fails unless it is well formed and no token still holds TeX."""
    try:
        root = etree.fromstring(mathml)
    except etree.ParseError as exc:
        raise PluginError(f"math: the MathML for {tex!r} is not well formed ({exc})") from None
    for el in root.iter():
        if "\\" in (el.text or ""):
            name = el.tag.removeprefix(f"{{{NS}}}")
            raise PluginError(f"math: {tex!r} was not converted: <{name}>{el.text}</{name}> is left "
                              "as TeX (a command latex2mathml does not know?)")
    return root


def _sized(el: etree.Element) -> bool:
    return el.tag == MO and el.get("minsize") is not None


def _opening(kids: list[etree.Element], close: int, char: str) -> int | None:
    """Index of the sized delimiter that kids[close]'s sized delimiter (char) closes, if any."""
    depth = 0
    for j in range(close - 1, -1, -1):
        if not _sized(kids[j]):
            continue
        text = kids[j].text or ""
        if text in CLOSING:
            depth += 1
        elif text in OPENING or (char not in CLOSING and text == char):
            if depth == 0:
                return j
            depth -= 1
    return None


def _group_scripted_delimiters(root: etree.Element) -> None:
    """``\\Big( x \\Big)^{\\top}``: make the whole group the script's base, not only ``)``.

    Browsers stretch no delimiter that is the base of a script, so the closing one would stay
    at text size; as part of a group that is the base, it stretches like the opening one.
    """
    for parent in list(root.iter()):
        kids = list(parent)
        i = len(kids) - 1
        while i >= 0:
            script = kids[i]
            j = None
            if script.tag in SCRIPTS and len(script) and _sized(script[0]):
                j = _opening(kids, i, script[0].text or "")
            if j is None:
                i -= 1
                continue
            group = etree.Element(MROW)
            group.extend(kids[j:i] + [script[0]])
            script.remove(script[0])
            script.insert(0, group)
            for el in kids[j:i]:
                parent.remove(el)
            kids, i = list(parent), j - 1     # the script now stands where the group began


def _fix(root: etree.Element) -> None:
    """What Chromium's MathML Core needs spelled out, and what latex2mathml sets unlike TeX."""
    for el in root.iter(MO):
        if _sized(el):              # \Big( has min/max sizes but no stretchy: it would not grow
            el.set("stretchy", "true")
        if re.fullmatch(r"[A-Za-z]{2,}", el.text or ""):
            el.tag = MI             # \operatorname{diag}: a function name, not an operator (spacing)
    for parent in root.iter():
        for i, el in enumerate(parent):
            # f' as f with a superscript prime renders the prime tiny and high; U+2032 after f is
            # already a raised stroke (as MathML Core recommends).
            if el.tag == MSUP and len(el) == 2 and (el[1].text or "") in PRIMES:
                base, prime = el[0], el[1]
                prime.tag = MO
                prime.attrib.update(lspace="0", rspace="0")
                group = etree.Element(MROW)
                group.extend([base, prime])
                parent.remove(el)
                parent.insert(i, group)
    _group_scripted_delimiters(root)


def tex_to_mathml(tex: str, *, display: bool) -> str:
    """One formula as HTML: ``<math>`` inline, or a scrolling block with its equation number.

    Raises:
      PluginError: the formula cannot be converted completely (the build stops, naming it).
    """
    tags = TAG.findall(tex)
    if len(tags) > 1:
        raise PluginError(f"math: {tex!r} has {len(tags)} \\tag{{}}s; a formula takes at most one")
    body = _normalise(TAG.sub("", tex).strip())
    try:
        mathml = convert(body, display="block" if display else "inline")
    except Exception as exc:  # latex2mathml raises its own exception types, one per syntax error
        raise PluginError(f"math: cannot convert {tex!r} ({type(exc).__name__}: {exc})") from None
    root = _parse(TEXT_ESCAPE.sub(r"\1", mathml.replace("\\&", "&amp;")), tex)
    _fix(root)
    mathml = etree.tostring(root, encoding="unicode")
    if not display:
        return mathml
    number = f'<span class="math-tag">({tags[0]})</span>' if tags else ""
    return f'<div class="math-display"><div class="math-scroll">{mathml}</div>{number}</div>'


class _DisplayMath(Preprocessor):
    def run(self, lines: list[str]) -> list[str]:
        def stash(m: re.Match) -> str:
            block = tex_to_mathml(m.group(1).strip(), display=True)
            return "\n\n" + self.md.htmlStash.store(block) + "\n\n"

        return DISPLAY.sub(stash, "\n".join(lines)).split("\n")


class _InlineMath(InlineProcessor):
    def handleMatch(self, m: re.Match, data: str):  # noqa: N802 (Markdown's API name)
        return self.md.htmlStash.store(tex_to_mathml(m.group(1), display=False)), m.start(0), m.end(0)


class MathExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802
        # Priority 24: after fenced_code (25) has stashed code blocks, before everything else.
        md.preprocessors.register(_DisplayMath(md), "bptt_display_math", 24)
        # 185: after inline code (190), before backslash escapes (180) and emphasis.
        md.inlinePatterns.register(_InlineMath(INLINE, md), "bptt_inline_math", 185)


def on_config(config, **kwargs):
    config.markdown_extensions.append(MathExtension())
    return config
