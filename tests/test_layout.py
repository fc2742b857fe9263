"""The house keeps its rules: no import circles, no hidden module paths, each fact in one place,
a light engine at numeric's root, small modules.

The import graph is read from the source with ``ast``: every ``import`` and ``from ... import``,
at the top of a module or inside a function (a late import is still an arrow), resolved to the
modules of derive/ and numeric/ it names.
"""

from __future__ import annotations

import ast
import importlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("derive", "numeric")
MAX_LINES = 300


def _modules() -> dict[str, Path]:
    out = {}
    for pkg in PACKAGES:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join(parts)] = path
    return out


MODULES = _modules()


def _resolve(module: str, node: ast.ImportFrom) -> list[str]:
    """The modules of this tree that ``from X import a, b`` names (X itself, or X.a when a is one)."""
    if node.level:
        pkg = module.split(".") if MODULES[module].name == "__init__.py" else module.split(".")[:-1]
        base = ".".join(pkg[:len(pkg) - node.level + 1] + ([node.module] if node.module else []))
    else:
        base = node.module or ""
    targets = [f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in MODULES]
    return targets or ([base] if base in MODULES else [])


def import_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for module, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                graph[module] |= {a.name for a in node.names if a.name in MODULES}
            elif isinstance(node, ast.ImportFrom):
                graph[module] |= set(_resolve(module, node))
        graph[module].discard(module)
    return graph


def _is_package_of(a: str, b: str) -> bool:
    return b.startswith(a + ".")


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan). Importing a submodule runs
    its package's __init__ first, so a package's arrow to its own submodules is left out: it is
    not a circle of the code, only of the spelling."""
    edges = {m: {t for t in ts if not _is_package_of(m, t)} for m, ts in graph.items()}
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def test_there_are_no_import_circles_not_even_through_late_imports():
    found = circles(import_graph())
    assert not found, f"import circles (every import counts, top-level or inside a function): {found}"


def test_the_circle_finder_finds_a_circle_through_a_late_import():
    # the rule above could pass by not seeing; it must see a circle made of one late import
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert circles(graph) == [["a", "b", "c"]]
    assert circles({"p": {"p.x"}, "p.x": {"p"}}) == []       # a package and its own submodule


def test_numeric_never_imports_derive():
    graph = import_graph()
    wrong = {m: sorted(t for t in ts if t.startswith("derive")) for m, ts in graph.items() if m.startswith("numeric")}
    assert not {m: t for m, t in wrong.items() if t}


# ---- module paths written as strings --------------------------------------------------------

def _string_tables():
    """Every table of module paths kept as strings, with the names looked up in them."""
    import derive
    import derive.example
    import numeric
    from numeric.generated import MODULES as GENERATED

    yield from ((f"derive.{n}", mod, n) for n, mod in derive._LAZY.items())
    yield from ((f"derive.example.{n}", mod, n) for n, mod in derive.example.LAZY.items())
    yield from ((f"numeric.{n}", mod, n) for n, mod in numeric.LAZY.items())
    yield from ((f"numeric.{old}", mod, n) for old, (mod, n) in numeric.OLD_NAMES.items())
    yield from ((f"numeric.generated {key}", mod, None) for key, mod in GENERATED.items())


@pytest.mark.parametrize("where, module, name", list(_string_tables()), ids=lambda x: str(x))
def test_every_module_path_written_as_a_string_imports(where, module, name):
    mod = importlib.import_module(module)
    if name is not None:
        assert hasattr(mod, name), f"{where}: {module} has no {name}"


def test_no_other_module_paths_are_built_from_strings():
    # import_module / __import__ only where the tables above are read
    allowed = {ROOT / "derive" / "__init__.py", ROOT / "derive" / "example" / "__init__.py",
               ROOT / "numeric" / "__init__.py", ROOT / "numeric" / "generated" / "__init__.py"}
    def imports_by_string(path: Path) -> bool:
        return any(isinstance(n, ast.Call) and getattr(n.func, "attr", getattr(n.func, "id", None))
                   in ("import_module", "__import__") for n in ast.walk(ast.parse(path.read_text(encoding="utf-8"))))
    found = [str(p.relative_to(ROOT)) for p in MODULES.values() if p not in allowed and imports_by_string(p)]
    assert found == [], f"modules that import by a string path: {found}"


def test_old_root_names_still_work_and_are_the_new_homes_objects():
    import numeric
    from numeric.analysis import jacobian_chain
    from numeric.charrnn import train

    assert numeric.train is train and numeric.jacobian_product is jacobian_chain
    assert not set(numeric.OLD_NAMES) & set(numeric.__all__)


# ---- each fact in one place -------------------------------------------------------------------

PARAMS = {"W_xh", "W_hh", "b_h", "W_hy", "b_y"}


def _literal_string_tuples(path: Path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)) and node.elts and \
                all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts):
            yield node.lineno, [e.value for e in node.elts]


def _sources():
    return [p for p in MODULES.values() if "generated" not in p.parts]


def test_parameter_names_are_listed_in_one_module():
    home = ROOT / "numeric" / "params.py"
    found = [f"{p.relative_to(ROOT)}:{line}" for p in _sources() if p != home
             for line, names in _literal_string_tuples(p) if len(PARAMS & set(names)) >= 3]
    assert found == [], f"parameter names listed outside numeric/params.py: {found}"


@pytest.mark.parametrize("table, home", [
    ({"tanh", "sigmoid", "relu", "identity"}, "numeric/rules.py"),
    ({"cross_entropy", "half_sse", "sse", "mse"}, "numeric/rules.py"),
    ({"half_sse", "sse", "mse"}, "numeric/rules.py"),
])
def test_activation_and_loss_names_are_listed_in_the_rules_table_only(table, home):
    found = [f"{p.relative_to(ROOT)}:{line}" for p in _sources() if p != ROOT / home
             for line, names in _literal_string_tuples(p) if set(names) >= table]
    assert found == [], f"{sorted(table)} listed outside {home}: {found}"


def test_the_norms_table_has_one_home():
    found = [str(p.relative_to(ROOT)) for p in _sources()
             if re.search(r"""["']inf-norm["']""", p.read_text(encoding="utf-8"))]
    assert found == ["numeric/rules.py"]


def test_command_line_values_are_checked_by_one_family():
    """derive/cli/values.py reads flag values; no command keeps a private copy of it."""
    commands = (ROOT / "derive" / "cli" / "commands").glob("*.py")
    private = [f"{p.name}: {m}" for p in commands
               for m in re.findall(r"^def (_?(?:choice|integer|positive|seed|digits|check_choice))\(",
                                   p.read_text(encoding="utf-8"), re.M)]
    assert private == []
    assert not re.search(r"ArgumentTypeError", "".join(p.read_text(encoding="utf-8") for p in commands))


def test_one_name_per_concept():
    defined: dict[str, list[str]] = {}
    for p in _sources():
        for node in ast.parse(p.read_text(encoding="utf-8")).body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and not node.name.startswith("_"):
                defined.setdefault(node.name, []).append(str(p.relative_to(ROOT)))
    for name in ("min_abs_preactivation", "preactivation_margin", "magnitudes", "jacobian_product"):
        assert len(defined.get(name, [])) <= 1, (name, defined[name])
    assert "jacobian_product" not in {n for n, ps in defined.items() if any(p.startswith("numeric") for p in ps)}


# ---- the engine at numeric's root, light -----------------------------------------------------------

def test_numerics_root_exports_the_engine_about_twenty_names():
    import numeric

    assert 18 <= len(numeric.__all__) <= 28, len(numeric.__all__)
    for name in numeric.__all__:
        assert getattr(numeric, name) is not None


def test_importing_numeric_stays_light():
    code = ("import sys; import numeric; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('sympy', 'hypothesis', 'matplotlib', 'tqdm', 'derive', 'scipy')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]", out.stdout
    count = ("import sys; before = set(sys.modules); import numeric; "
             "print(len([m for m in set(sys.modules) - before if m.startswith('numeric')]))")
    n = int(subprocess.run([sys.executable, "-c", count], capture_output=True, text=True, cwd=ROOT,
                           check=True).stdout)
    assert n <= 25, f"import numeric loads {n} of its own modules (38 before the subpackages)"


# ---- small modules ----------------------------------------------------------------------------------

def test_no_module_is_over_three_hundred_lines():
    long = {str(p.relative_to(ROOT)): n for p in _sources()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}, f"modules over {MAX_LINES} lines (split them by concept): {long}"


def test_no_filename_prefix_that_a_folder_would_say_better():
    for pkg in PACKAGES:
        for folder in [ROOT / pkg, *[p for p in (ROOT / pkg).rglob("*") if p.is_dir()]]:
            stems = [p.stem for p in folder.glob("*.py") if "_" in p.stem.strip("_")]
            prefixes: dict[str, int] = {}
            for s in stems:
                prefixes[s.strip("_").split("_")[0]] = prefixes.get(s.strip("_").split("_")[0], 0) + 1
            crowded = {k: n for k, n in prefixes.items() if n >= 3 and "generated" not in folder.parts}
            assert crowded == {}, f"{folder.relative_to(ROOT)}: prefixes shared by 3+ modules: {crowded}"
