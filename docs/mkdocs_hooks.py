"""MkDocs hook: let LaTeX math through Markdown untouched, for MathJax to typeset.

Python-Markdown would eat the backslashes of ``\\{`` and ``\\\\`` and turn ``_`` into emphasis;
the pages write math the GitHub way (``$$ ... $$`` on their own lines, ``$ ... $`` inline), so
this hook stashes it before Markdown sees it and emits ``\\[ ... \\]`` / ``\\( ... \\)`` inside
``class="arithmatex"`` elements, the class ``js/mathjax-config.js`` tells MathJax to process.
Code blocks and inline code are never touched. Loaded by ``hooks:`` in mkdocs.yml; it needs
nothing beyond Markdown itself (no extra packages).
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as etree

from markdown import Extension, Markdown
from markdown.inlinepatterns import InlineProcessor
from markdown.preprocessors import Preprocessor
from markdown.util import AtomicString

# $$ ... $$ starting and ending a line (possibly spanning lines), as GitHub renders display math.
DISPLAY = re.compile(r"^[ \t]*\$\$(.+?)\$\$[ \t]*$", re.M | re.S)
# $x$: no space just inside the dollars, no digit or word character right outside (so "$5 and $6"
# and shell prompts in prose stay text).
INLINE = r"(?<![\\$\w])\$(?![\s$])([^$\n]+?)(?<![\s\\])\$(?![\w$])"


class _DisplayMath(Preprocessor):
    def run(self, lines: list[str]) -> list[str]:
        def stash(m: re.Match) -> str:
            block = f'<div class="arithmatex">\\[{html.escape(m.group(1).strip(), quote=False)}\\]</div>'
            return "\n\n" + self.md.htmlStash.store(block) + "\n\n"

        return DISPLAY.sub(stash, "\n".join(lines)).split("\n")


class _InlineMath(InlineProcessor):
    def handleMatch(self, m: re.Match, data: str):  # noqa: N802 (Markdown's API name)
        el = etree.Element("span", {"class": "arithmatex"})
        el.text = AtomicString(f"\\({m.group(1)}\\)")
        return el, m.start(0), m.end(0)


class MathExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802
        # Priority 24: after fenced_code (25) has stashed code blocks, before everything else.
        md.preprocessors.register(_DisplayMath(md), "bptt_display_math", 24)
        # 185: after inline code (190), before backslash escapes (180) and emphasis.
        md.inlinePatterns.register(_InlineMath(INLINE, md), "bptt_inline_math", 185)


def on_config(config, **kwargs):
    config.markdown_extensions.append(MathExtension())
    return config
