"""The docs site, built and opened offline in headless Chromium, shows typeset math that fits the column.

The site is built with ``mkdocs build --strict`` into a temporary folder and served on 127.0.0.1;
Chromium runs with a proxy to a closed port, so any fetch beyond this machine fails (as on a train
or in a lecture hall). One Chromium run opens every page in iframes of a harness page, at a laptop
and a phone width, and a script there reports what a reader would see: the ``<math>`` elements,
whether fractions are really laid out (numerator above denominator), TeX left as text, elements
running past the content column, and every resource the page loaded. A second run saves a
screenshot of the tutorial (``tutorial.png`` in this test's temporary folder) for people to look at.

Chromium comes from the system's package manager (``.ci/run`` installs the Debian package
``chromium``); without it these tests fail, saying how to install it.
"""

from __future__ import annotations

import functools
import html.parser
import http.server
import json
import re
import shutil
import struct
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
WIDTHS = (1280, 420)          # a laptop window and a phone
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--hide-scrollbars", "--proxy-server=127.0.0.1:9"]   # port 9 (discard) is closed
RAW_TEX = ("\\[", "\\(", "$$")
FENCE = re.compile(r"^\s*(```|~~~).*?^\s*\1", re.M | re.S)

# Runs in the harness page once every iframe has loaded; writes one JSON report per iframe.
HARNESS_JS = r"""
function clipped(el, main) {            // inside a box that scrolls or clips sideways?
  for (let p = el.parentElement; p && p !== main; p = p.parentElement)
    if (getComputedStyle(p).overflowX !== "visible") return true;
  return false;
}
function report(frame) {
  const d = frame.contentDocument, w = frame.contentWindow, main = d.querySelector("[role=main]");
  const right = main.getBoundingClientRect().right;
  const prose = main.cloneNode(true);   // the visible text, less code (TeX shown on purpose) and math
  prose.querySelectorAll("pre, code, math, script, style").forEach(e => e.remove());
  const maths = [...d.querySelectorAll("math")];
  const fractions = [...d.querySelectorAll("mfrac")];
  const sticksOut = e => e.getBoundingClientRect().right > right + 1 && !clipped(e, main);
  const outside = [...main.querySelectorAll("*")].filter(   // the outermost such elements
    e => sticksOut(e) && !(e.parentElement !== main && sticksOut(e.parentElement)));
  return {
    page: frame.dataset.page, width: +frame.width,
    raw: prose.textContent.match(/.{0,30}(\\\[|\\\(|\$\$).{0,30}/g) || [],
    display: d.querySelectorAll("math[display=block]").length,
    maths: maths.length,
    flat: maths.filter(m => m.getBoundingClientRect().height === 0).length,
    fractions: fractions.length,
    stacked: fractions.filter(f => f.children[0].getBoundingClientRect().bottom
                                   <= f.children[1].getBoundingClientRect().top + 1).length,
    outside: outside.slice(0, 5).map(e => `<${e.tagName.toLowerCase()}> "${e.textContent.slice(0, 40)}"`
                                          + ` by ${Math.round(e.getBoundingClientRect().right - right)} px`),
    pageOverflow: d.documentElement.scrollWidth - w.innerWidth,
    resources: w.performance.getEntriesByType("resource").map(e => e.name),
  };
}
window.addEventListener("load", () => {
  const out = document.getElementById("report");
  out.textContent = JSON.stringify([...document.querySelectorAll("iframe")].map(report));
});
"""


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if path := shutil.which(name):
            return path
    pytest.fail("Chromium is needed to check the docs in a browser and is not installed: "
                "`apt-get update && apt-get install -y --no-install-recommends chromium` "
                "(.ci/run installs it when it is missing)")


def _run_chromium(args: list[str], profile: Path) -> str:
    cmd = [_chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"{' '.join(cmd)} exited with {proc.returncode}:\n{proc.stderr[-2000:]}"
    return proc.stdout


def _url(page: Path) -> str:
    """The site path of docs/<page>.md (MkDocs' directory URLs)."""
    return "" if page.stem == "index" else f"{page.stem}/"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    log: list[tuple[str, int]]

    def log_request(self, code="-", size="-"):  # noqa: D102 (records instead of printing)
        self.log.append((self.path, int(code)))

    def log_message(self, format, *args):  # noqa: A002, D102 (stderr stays quiet)
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet",
                           "--site-dir", str(out)], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, f"`uv run mkdocs build --strict` failed:\n{proc.stdout}\n{proc.stderr}"
    return out


@pytest.fixture(scope="module")
def server(site):
    """(base URL, request log) of an HTTP server for the site on 127.0.0.1."""
    log: list[tuple[str, int]] = []
    handler = functools.partial(type("Handler", (_Quiet,), {"log": log}), directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/", log
    httpd.shutdown()
    thread.join()


@pytest.fixture(scope="module")
def reports(site, server, tmp_path_factory) -> dict[tuple[str, int], dict]:
    """What the browser saw on every page at every width, keyed by (page file name, width)."""
    base, _ = server
    frames = "\n".join(f'<iframe data-page="{p.name}" width="{w}" height="900" src="/{_url(p)}"></iframe>'
                       for p in sorted(DOCS.glob("*.md")) for w in WIDTHS)
    (site / "_browser_check.html").write_text(
        f'<!doctype html><meta charset="utf-8"><body>{frames}<pre id="report"></pre>'
        f"<script>{HARNESS_JS}</script>", encoding="utf-8")
    dom = _run_chromium(["--dump-dom", base + "_browser_check.html"], tmp_path_factory.mktemp("profile"))
    found = re.search(r'<pre id="report">(.*?)</pre>', dom, re.S)
    assert found and found.group(1), f"the harness page wrote no report; Chromium printed:\n{dom[:2000]}"
    return {(r["page"], r["width"]): r for r in json.loads(html.unescape(found.group(1)))}


def _display_formulas(page: Path) -> int:
    """$$ ... $$ blocks in the page's Markdown, outside fenced code (counted here, not by the hook)."""
    return FENCE.sub("", page.read_text(encoding="utf-8")).count("$$") // 2


MATH_PAGES = [p for p in sorted(DOCS.glob("*.md")) if _display_formulas(p)]


@pytest.mark.parametrize("page", MATH_PAGES, ids=lambda p: p.name)
def test_every_formula_is_typeset_offline(page: Path, reports) -> None:
    for width in WIDTHS:
        r = reports[(page.name, width)]
        where = f"{page.name} at {width} px"
        assert r["raw"] == [], f"{where}: TeX left as text: {r['raw']}"
        assert r["display"] == _display_formulas(page), \
            f"{where}: {r['display']} display <math> elements for {_display_formulas(page)} $$ blocks"
        assert r["flat"] == 0, f"{where}: {r['flat']} of {r['maths']} <math> elements have no height"
        assert r["stacked"] == r["fractions"], \
            f"{where}: only {r['stacked']} of {r['fractions']} fractions have the numerator on top"


@pytest.mark.parametrize("width", WIDTHS)
def test_nothing_runs_past_the_content_column(reports, width: int) -> None:
    wide = {page: r["outside"] for (page, w), r in reports.items() if w == width and r["outside"]}
    assert wide == {}, f"elements wider than the content column at {width} px (page: first five): {wide}"
    scrolls = {page: r["pageOverflow"] for (page, w), r in reports.items() if w == width and r["pageOverflow"] > 0}
    assert scrolls == {}, f"pages that scroll sideways at {width} px (by px): {scrolls}"


def test_pages_load_nothing_from_the_network(reports, server) -> None:
    base, log = server
    remote = {page: [u for u in r["resources"] if not u.startswith(base)] for (page, _), r in reports.items()}
    assert {p: u for p, u in remote.items() if u} == {}, "pages fetched resources beyond this machine"
    missing = sorted({path for path, code in log if code >= 400})
    assert missing == [], f"local resources the pages ask for and the site does not have: {missing}"


class _Assets(html.parser.HTMLParser):
    """The URLs of everything a page loads (scripts, styles, fonts, images, frames), not its links."""

    LOADS = {("script", "src"), ("link", "href"), ("img", "src"), ("source", "src"), ("iframe", "src"),
             ("video", "src"), ("audio", "src"), ("embed", "src"), ("object", "data")}

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.urls += [v for k, v in attrs if (tag, k) in self.LOADS and v]
        self.urls += re.findall(r"url\(\s*['\"]?([^'\")]+)", dict(attrs).get("style") or "")


def test_built_html_and_css_reference_only_local_files(site) -> None:
    remote = {}
    for path in sorted(site.rglob("*.html")) + sorted(site.rglob("*.css")):
        text = path.read_text(encoding="utf-8", errors="replace")
        urls = re.findall(r"(?:url\(\s*['\"]?|@import\s+['\"])([^'\")]+)", text)
        if path.suffix == ".html":
            parser = _Assets()
            parser.feed(text)
            urls += parser.urls
        if bad := [u for u in urls if urlsplit(u).scheme in ("http", "https") or u.startswith("//")]:
            remote[str(path.relative_to(site))] = sorted(set(bad))
    assert remote == {}, f"the site loads files from the network: {remote}"


def test_tutorial_screenshot_is_saved(server, tmp_path) -> None:
    base, _ = server
    shot = tmp_path / "tutorial.png"
    _run_chromium([f"--screenshot={shot}", "--window-size=1280,2000", base + "tutorial/"], tmp_path / "profile")
    head = shot.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{shot} is not a PNG"
    assert struct.unpack(">II", head[16:24]) == (1280, 2000), f"{shot} is not the 1280 x 2000 window"
    print(f"screenshot of the tutorial, rendered offline: {shot}")
