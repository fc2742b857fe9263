"""numeric/ is the light half: importing all of it must not import SymPy."""

import pkgutil
import subprocess
import sys

import numeric


def test_numeric_does_not_import_sympy():
    # prefix: walk numeric's own subpackages (without it, a test's sys.path entry holding a
    # folder named like a subpackage, e.g. tests/broken_impls/cells, would be walked instead)
    mods = ["numeric"] + [m.name for m in pkgutil.walk_packages(numeric.__path__, prefix="numeric.")
                          if not m.name.rsplit(".", 1)[-1].startswith("_")]
    code = ("import importlib, sys\n"
            f"for m in {mods!r}:\n    importlib.import_module(m)\n"
            "bad = sorted(m for m in sys.modules if m == 'sympy' or m.startswith('sympy.'))\n"
            "print(len(sys.modules)); assert not bad, bad\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_cli_help_does_not_import_sympy():
    code = ("import sys, contextlib, io\nfrom derive.cli import build_parser\nbuild_parser()\n"
            "assert 'sympy' not in sys.modules\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_derive_exposes_the_issue_spelling_lazily():
    code = ("import sys, derive\nassert 'sympy' not in sys.modules\n"
            "u = derive.unroll(2)\nassert 'sympy' in sys.modules\n"
            "assert derive.derive_bptt(u).gradients['W_hh'].compact is not None\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
