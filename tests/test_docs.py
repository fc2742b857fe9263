"""The docs cannot rot: every example in docs/*.md and README.md runs, and the site builds.

What runs, page by page, in document order, in a fresh working directory per page:

- every ```python block (the blocks of one page share one namespace, so later blocks may use
  earlier names; a block of ``>>>`` lines is run as a doctest);
- every line of a ```console / ```bash / ```sh / ```shell block that starts with ``$ bptt `` or
  ``$ uv run bptt `` (in a bash/sh/shell block without any ``$`` prompt, every line starting with
  ``bptt `` or ``uv run bptt ``), in-process through ``derive.cli``. The command must exit with the
  status the page implies: 2 when its output shows ``bptt <cmd>: error: ...``, the number printed
  by a following ``$ echo $?`` line, or the block's ``<!-- exit: N -->`` marker; 0 otherwise. The
  output shown under the command must be what the command prints: its lines, in order (a ``...``
  line stands for lines left out; timings such as ``1.72 s`` or ``1164 steps/s``, and round-off
  below 1e-8 such as ``2.1e-10``, may differ).

A page opts a block out only with a visible marker on the line(s) right before its fence:

- ``<!-- no-test: reason -->``      not run (for illustrations that are not meant to be run);
- ``<!-- slow: checked by tests/test_x.py::test_name -->``  too slow for this suite; the named
  test exists and covers it (this test checks that it exists);
- ``<!-- output-varies: reason -->``  run and its exit status checked, output not compared;
- ``<!-- numbers-vary: reason -->``   run and compared, but every decimal number (``0.0081``) on
  either side stands for "a number": for output whose digits depend on the machine's rounding
  (training is chaotic, so the CPU's BLAS kernel changes its decimals); the text, the integers
  and the order of the lines are still compared.

``<!-- file: my_rnn.py -->`` before a block means "this block is the file my_rnn.py": the test
writes it into the working directory (and, for python, also runs it), so that a later
``$ bptt check my_rnn.py:fn`` finds it, as it would for a reader who saved the file.

Shell lines other than ``bptt`` commands (``uv run pytest``, ``cd``...) are not run. The working
directory starts with a ``docs/figures/`` folder (for ``--out docs/figures/x.png``), symlinks to
the repository's ``tests/`` and ``benchmarks/`` (for paths the pages name), two files that
pages use as examples of bad input, ``empty.txt`` (empty) and ``notes.txt`` (plain text), and, for
pages that mention ``model.npz``, the model ``bptt train --save model.npz`` writes with its default
settings (as a reader who followed the training page has; a page's own ``--save`` replaces it).
"""

from __future__ import annotations

import contextlib
import dataclasses
import doctest
import io
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("MPLBACKEND", "Agg")

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.glob("*.md")) + [ROOT / "README.md"]
SHELL_LANGS = {"console", "bash", "sh", "shell", "shell-session"}
SCRIPT_LANGS = {"bash", "sh", "shell"}     # may hold bare commands, without a `$ ` prompt
MARKER = re.compile(r"^\s*<!--\s*(no-test|slow|output-varies|numbers-vary|exit|file)\s*:\s*(.*?)\s*-->\s*$")
FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|~{3,})\s*(?P<lang>[\w+-]*)")
PROMPT = re.compile(r"^\$ (?:uv run )?bptt(?: |$)")
# Timings vary from run to run: "1.72 s", "1164 steps/s", "12.3 ms", "0:00:01".
TIMING = re.compile(r"\d+(?:\.\d+)?\s*(?:s|ms|µs|us|min|steps/s|it/s|examples/s)\b|\b\d+:\d\d(?::\d\d)?\b")
# So do the digits of float64 round-off: any number below 1e-8 written in e-notation ("2.1e-10",
# "8.333e-13") is read as "round-off", on the page and in the output alike (1e-7 or more is compared).
ROUND_OFF = re.compile(r"(?<![\w.])\d+(?:\.\d+)?e-(?:0*(?:[89]|[1-9]\d+))\b")
# A decimal number (not part of a word or a version string), for <!-- numbers-vary -->.
DECIMAL = re.compile(r"(?<![\w.])-?\d+\.\d+(?:e[+-]?\d+)?(?![\w.])")
ELLIPSIS = {"...", "…", "[...]"}
FIXTURE_FILES = {"empty.txt": "", "notes.txt": "Some notes, not a model.\n"}
LINKED_DIRS = ("tests", "benchmarks")


@dataclass
class Block:
    page: Path
    line: int                     # 1-based line of the opening fence
    lang: str
    body: list[str]
    markers: dict[str, str] = field(default_factory=dict)

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def parse_blocks(page: Path) -> list[Block]:
    """The fenced code blocks of a Markdown page, with the opt-out markers right before each."""
    lines = page.read_text(encoding="utf-8").splitlines()
    blocks, i = [], 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, fence, lang = len(m["indent"]), m["fence"], m["lang"].lower()
        markers, j = {}, i - 1
        while j >= 0 and (mm := MARKER.match(lines[j])):
            markers[mm[1]] = mm[2]
            j -= 1
        fence_line, body, i = i + 1, [], i + 1
        while i < len(lines) and not re.match(rf"^\s*{fence[0]}{{{len(fence)},}}\s*$", lines[i]):
            body.append(lines[i][indent:] if lines[i][:indent].strip() == "" else lines[i])
            i += 1
        blocks.append(Block(page, fence_line, lang, body, markers))
        i += 1
    return blocks


# ---------------------------------------------------------------------------------------------
# python blocks

def run_python(block: Block, namespace: dict) -> None:
    source = "\n".join(block.body) + "\n"
    if any(line.lstrip().startswith(">>> ") for line in block.body):
        test = doctest.DocTestParser().get_doctest(source, namespace, block.where, str(block.page), block.line)
        out = io.StringIO()
        runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
        runner.run(test, out=out.write, clear_globs=False)
        assert not runner.failures, f"{block.where}: doctest failed\n{out.getvalue()}"
        return
    code = compile(source, f"<{block.where}>", "exec")
    with contextlib.redirect_stdout(io.StringIO()):
        try:
            exec(code, namespace)  # noqa: S102 - the docs' own examples
        except Exception as e:
            raise AssertionError(f"{block.where}: the python block raised {type(e).__name__}: {e}") from e


# ---------------------------------------------------------------------------------------------
# console blocks

@dataclass
class Command:
    line: int                     # 1-based line in the page
    argv: list[str]
    output: list[str]             # the documented output lines under the command
    status: int | None            # from a following `$ echo $?`, else None


def parse_commands(block: Block) -> list[Command]:
    """The `$ bptt ...` commands of a shell block with the output shown under each."""
    cmds: list[Command] = []
    current: Command | None = None
    if block.lang in SCRIPT_LANGS and not any(line.startswith("$ ") for line in block.body):
        # a script block without prompts: every line is a command (no output shown); the
        # `bptt ...` / `uv run bptt ...` ones are run
        body, continued = [], False
        for x in block.body:
            body.append(f"$ {x}" if x.strip() and not continued else x)
            continued = x.endswith("\\")
        block = dataclasses.replace(block, body=body)
    i = 0
    while i < len(block.body):
        line, lineno = block.body[i], block.line + 1 + i
        while line.endswith("\\") and i + 1 < len(block.body):   # continuation lines
            i += 1
            line = line[:-1] + " " + block.body[i].strip()
        i += 1
        if line.startswith("$ echo $?") and current is not None:
            if i < len(block.body) and block.body[i].strip().isdigit():
                current.status = int(block.body[i].strip())
                i += 1
            current = None
            continue
        if line.startswith("$ "):
            current = None
            if PROMPT.match(line):
                words = shlex.split(line[2:], comments=True)
                if words[:2] == ["uv", "run"]:
                    words = words[2:]
                current = Command(lineno, words[1:], [], None)
                cmds.append(current)
            continue
        if current is not None:
            current.output.append(line)
    return cmds


def strip_progress(text: str) -> list[str]:
    """stderr lines without progress bars (tqdm redraws with \\r; a bar has '|' and '%' or 'it/s')."""
    lines = []
    for raw in text.splitlines():
        last = raw.split("\r")[-1]
        if re.search(r"\d+%\|", last) or re.search(r"\|\s*\d+/\d+\s*\[", last):
            continue
        if last.strip():
            lines.append(last)
    return lines


def normalize(line: str, *, numbers_vary: bool = False) -> str:
    line = ROUND_OFF.sub("<round-off>", TIMING.sub("<time>", line.rstrip()))
    return DECIMAL.sub("<number>", line) if numbers_vary else line


def is_subsequence(doc: list[str], actual: list[str]) -> tuple[bool, str]:
    """Documented lines appear in order in the actual output; '...' lines skip any number."""
    it = iter(actual)
    for d in doc:
        if d.strip() in ELLIPSIS:
            continue
        if not any(d == a for a in it):
            return False, d
    return True, ""


def run_command(cmd: Command) -> tuple[int, str, str]:
    from derive.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main(list(cmd.argv))
        except SystemExit as e:                # --help, --version, argparse usage errors
            status = e.code if isinstance(e.code, int) else (0 if e.code is None else 2)
    return int(status or 0), out.getvalue(), err.getvalue()


def check_command(block: Block, cmd: Command) -> None:
    where = f"{block.page.relative_to(ROOT)}:{cmd.line}"
    shown = " ".join(shlex.quote(a) for a in ["bptt", *cmd.argv])
    vary = "numbers-vary" in block.markers
    doc = [normalize(x, numbers_vary=vary) for x in cmd.output if x.strip()]
    sub = cmd.argv[0] if cmd.argv else ""
    errors = [d for d in doc if d.startswith(f"bptt {sub}: error:") or d.startswith("usage: bptt")]
    if cmd.status is not None:
        expected = cmd.status
    elif errors:
        expected = 2
    else:
        expected = int(block.markers.get("exit", "0"))
    status, out, err = run_command(cmd)
    err_shown = "\n".join(strip_progress(err))
    detail = f"\n--- stdout ---\n{out[-3000:]}\n--- stderr (progress bars removed) ---\n{err_shown[-3000:]}"
    assert status == expected, f"{where}: `{shown}` exited with {status}, the page implies {expected}{detail}"
    if "output-varies" in block.markers:
        return
    err_lines = [normalize(x, numbers_vary=vary) for x in strip_progress(err)]
    ok, missing = is_subsequence(errors, err_lines)
    assert ok, f"{where}: `{shown}` did not print the error shown on the page:\n  {missing}{detail}"
    rest = [d for d in doc if d not in errors]
    out_lines = [normalize(x, numbers_vary=vary) for x in out.splitlines() if x.strip()]
    ok, missing = is_subsequence(rest, out_lines or err_lines)
    if not ok:   # some commands report on stderr (e.g. 'wrote FILE'); accept stdout then stderr
        ok, missing = is_subsequence(rest, out_lines + err_lines)
    assert ok, (f"{where}: `{shown}` output differs from the page; this line (or the order) is not "
                f"in the output:\n  {missing}{detail}")


def check_slow_marker(block: Block) -> None:
    ref = block.markers["slow"]
    m = re.fullmatch(r"checked by (\S+?\.py)::(\w+)(?:\s.*)?", ref)
    assert m, f"{block.where}: write the slow marker as <!-- slow: checked by tests/test_x.py::test_name -->"
    path = ROOT / m[1]
    assert path.exists() and re.search(rf"def {m[2]}\b", path.read_text(encoding="utf-8")), (
        f"{block.where}: the slow marker names {m[1]}::{m[2]}, which does not exist")


# ---------------------------------------------------------------------------------------------
# the tests

def _pages_with_examples() -> list[Path]:
    def runnable(b: Block) -> bool:
        return b.lang == "python" or (b.lang in SHELL_LANGS and bool(parse_commands(b)))
    return [p for p in PAGES if p.exists() and any(runnable(b) for b in parse_blocks(p))]


@pytest.fixture(scope="session")
def default_model(tmp_path_factory) -> Path:
    """`bptt train --save model.npz` with the default settings, trained once per session."""
    from derive.cli import main

    path = tmp_path_factory.mktemp("model") / "model.npz"
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        assert main(["train", "--quiet", "--save", str(path)]) == 0
    return path


@pytest.fixture
def workdir(request, tmp_path, monkeypatch):
    (tmp_path / "docs" / "figures").mkdir(parents=True)
    for name, text in FIXTURE_FILES.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    for name in LINKED_DIRS:
        if (ROOT / name).is_dir():
            (tmp_path / name).symlink_to(ROOT / name, target_is_directory=True)
    page = request.node.callspec.params.get("page") if hasattr(request.node, "callspec") else None
    if page is not None and "model.npz" in page.read_text(encoding="utf-8"):
        shutil.copyfile(request.getfixturevalue("default_model"), tmp_path / "model.npz")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


@pytest.mark.parametrize("page", _pages_with_examples(), ids=lambda p: p.name)
def test_every_example_on_the_page_runs_as_documented(page: Path, workdir: Path) -> None:
    namespace: dict = {"__name__": "__docs__"}
    for block in parse_blocks(page):
        if "no-test" in block.markers:
            assert block.markers["no-test"], f"{block.where}: <!-- no-test: ... --> must give a reason"
            continue
        if "file" in block.markers:
            (workdir / block.markers["file"]).write_text("\n".join(block.body) + "\n", encoding="utf-8")
        if block.lang == "python":
            run_python(block, namespace)
        elif block.lang in SHELL_LANGS:
            if "slow" in block.markers:
                check_slow_marker(block)
                continue
            for cmd in parse_commands(block):
                check_command(block, cmd)


def _pages_that_train() -> list[Path]:
    return [p for p in _pages_with_examples()
            if any(c.argv[:1] == ["train"] for b in parse_blocks(p) if b.lang in SHELL_LANGS
                   for c in parse_commands(b))]


@pytest.mark.parametrize("page", _pages_that_train(), ids=lambda p: p.name)
def test_training_examples_hold_under_another_machines_rounding(page: Path, workdir: Path,
                                                                monkeypatch) -> None:
    """Another CPU's BLAS kernel rounds the last bits differently, and training is chaotic: a page
    may only show what survives that. Stand-in for another machine: every initial W_hh entry moved
    by one unit in the last place (a change of the same size as another kernel's round-off), then
    the page's examples must still run as documented."""
    from numeric.params import Params

    init = Params.init.__func__

    def nudged(cls, *args, **kwargs):
        p = init(cls, *args, **kwargs)
        p.W_hh[...] = np.nextafter(p.W_hh, np.inf)
        return p

    monkeypatch.setattr(Params, "init", classmethod(nudged))
    test_every_example_on_the_page_runs_as_documented(page, workdir)


def test_opt_out_markers_give_a_reason() -> None:
    bare = [b.where for p in PAGES if p.exists() for b in parse_blocks(p)
            if any(k in b.markers and not b.markers[k] for k in ("no-test", "slow", "output-varies", "numbers-vary"))]
    assert not bare, f"opt-out markers without a reason: {bare}"


def test_cli_reference_is_up_to_date() -> None:
    sys.path.insert(0, str(DOCS))
    try:
        import gen_cli_reference
    finally:
        sys.path.remove(str(DOCS))
    current = (DOCS / "cli.md").read_text(encoding="utf-8")
    assert current == gen_cli_reference.render(), (
        f"docs/cli.md is out of date; regenerate it with `{gen_cli_reference.COMMAND}`")


def test_api_reference_mentions_every_public_name() -> None:
    import derive
    import numeric

    text = (DOCS / "api.md").read_text(encoding="utf-8")
    names = [f"numeric.{n}" for n in numeric.__all__] + [f"derive.{n}" for n in getattr(derive, "__all__", [])]
    missing = [n for n in names if not re.search(rf"`(?:{n.split('.')[0]}\.)?{re.escape(n.split('.', 1)[1])}\b", text)]
    assert not missing, f"docs/api.md does not document: {missing}"


def _documented_signatures() -> list[tuple[str, str]]:
    """(dotted name, signature text) of every `numeric.x(...)` / `derive.m.x(...)` line in api.md's
    text blocks; a signature may wrap onto following lines until its parentheses close."""
    found = []
    for block in parse_blocks(DOCS / "api.md"):
        if block.lang != "text":
            continue
        text = "\n".join(block.body)
        for m in re.finditer(r"^((?:numeric|derive)(?:\.\w+)+)\(", text, re.M):
            depth, i = 0, m.end() - 1
            while True:
                depth += {"(": 1, ")": -1}.get(text[i], 0)
                if depth == 0:
                    break
                i += 1
            found.append((m[1], " ".join(text[m.end() - 1:i + 1].split())))
    return found


def _resolve(dotted: str):
    """numeric.bptt is the function (not the module numeric/bptt.py): attributes first."""
    import importlib

    parts = dotted.split(".")
    obj = importlib.import_module(parts[0])
    for i, attr in enumerate(parts[1:], start=1):
        if not hasattr(obj, attr):
            importlib.import_module(".".join(parts[:i + 1]))
        obj = getattr(obj, attr)
    return obj


def test_api_signatures_match_the_code() -> None:
    import ast
    import inspect

    import numpy as np

    import numeric

    documented = _documented_signatures()
    assert len(documented) > 40, "api.md's signature blocks were not found"
    wrong = []
    for dotted, sig in documented:
        obj = _resolve(dotted)
        actual = inspect.signature(obj)
        tree = ast.parse(f"def f{sig}: pass").body[0].args
        doc = [(a.arg, "positional") for a in tree.posonlyargs + tree.args]
        doc += [(f"*{tree.vararg.arg}", "var")] if tree.vararg else []
        doc += [(a.arg, "keyword") for a in tree.kwonlyargs]
        doc += [(f"**{tree.kwarg.arg}", "var")] if tree.kwarg else []
        defaults = dict(zip([a.arg for a in tree.args][::-1], tree.defaults[::-1]))
        defaults |= {a.arg: d for a, d in zip(tree.kwonlyargs, tree.kw_defaults) if d is not None}
        real = []
        for p in actual.parameters.values():
            if p.kind is p.VAR_POSITIONAL:
                real.append((f"*{p.name}", "var"))
            elif p.kind is p.VAR_KEYWORD:
                real.append((f"**{p.name}", "var"))
            else:
                real.append((p.name, "keyword" if p.kind is p.KEYWORD_ONLY else "positional"))
        if doc != real:
            wrong.append(f"{dotted}{sig}: the code has {actual}")
            continue
        home = vars(sys.modules[getattr(obj, "__module__", "numeric")])       # names the module uses
        env = {**home, "np": np, **{n: getattr(numeric, n) for n in numeric.__all__}}
        for name, node in defaults.items():
            want = actual.parameters[name].default
            if repr(want) == "<factory>":            # a dataclass field(default_factory=...)
                want = {f.name: f for f in dataclasses.fields(obj)}[name].default_factory()
            got = eval(compile(ast.Expression(node), "<api.md>", "eval"), env)  # noqa: S307 - our own page
            if not (got is want or (type(got) is type(want) and got == want)):
                wrong.append(f"{dotted}: default {name}={ast.unparse(node)}, the code has {name}={want!r}")
        missing = [n for n, p in actual.parameters.items() if p.default is not p.empty and n not in defaults]
        if missing:
            wrong.append(f"{dotted}: the page omits the defaults of {missing}")
    assert not wrong, "docs/api.md signatures differ from the code:\n  " + "\n  ".join(wrong)


def test_every_page_is_in_the_nav() -> None:
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\s*-\s*(?:[^:\n]+:\s*)?([\w./-]+\.md)\s*$", config, re.M))
    pages = {p.name for p in DOCS.glob("*.md")}
    assert pages - listed == set(), f"pages missing from mkdocs.yml's nav: {sorted(pages - listed)}"
    assert listed - pages == set(), f"nav entries without a page: {sorted(listed - pages)}"


def test_site_builds_with_mkdocs_strict(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet",
                           "--site-dir", str(tmp_path / "site")],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"`uv run mkdocs build --strict` failed:\n{proc.stdout}\n{proc.stderr}"
    assert (tmp_path / "site" / "index.html").exists()
