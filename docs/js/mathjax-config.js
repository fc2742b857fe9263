// MathJax 3 settings for the math that docs/mkdocs_hooks.py passes through Markdown.
window.MathJax = {
  tex: { inlineMath: [["\\(", "\\)"]], displayMath: [["\\[", "\\]"]], processEscapes: false },
  options: { ignoreHtmlClass: ".*", processHtmlClass: "arithmatex" },
};
