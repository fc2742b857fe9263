"""The symbol-name contract of the unrolled graph (docs/symbols.md), and LaTeX names for it.

Names are plain ASCII identifiers so that every printed or JSON expression can be read back
with ``sympy.sympify`` into the same expression (no assumptions are set on any symbol):

==============  =========================  ====================================================
 object          scalar case (H = D = V = 1)  vector case (any size > 1), 0-based entries
==============  =========================  ====================================================
 parameters      W_xh W_hh W_hy b_h b_y      W_hh_0_1 (row 0, column 1), b_h_0, W_hy_2_0, ...
 initial state   h0                          h0_0, h0_1, ...
 input, target   x1 ... xT, y1 ... yT        x1_0 (entry 0 of x_1), y3_1, ...
 nodes           a1, h1, o1 (h0 is h_0)      a1_0, h2_1, o1_0, ...
 step losses     L1 ... LT                   L1 ... LT (always scalars); L is their sum
 loss weights    w1 ... wT (``weighted=True`` only)
 δ_t = ∂L/∂h_t   delta1 ... deltaT           delta1_0, ...
 window δ        delta2_tau4 (δ_2 in the window of update point τ = 4, truncated BPTT)
==============  =========================  ====================================================
"""

from __future__ import annotations

import re

import sympy as sp

from numeric.params import GRADIENT_NAMES, PARAM_NAMES  # noqa: F401 - the names' one home
_PARAM_LATEX = {"W_xh": "W_{xh}", "W_hh": "W_{hh}", "W_hy": "W_{hy}", "b_h": "b_{h}", "b_y": "b_{y}"}
_TIME_LATEX = {"h": "h", "x": "x", "y": "y", "a": "a", "o": "o", "L": "L", "w": "w", "delta": r"\delta"}

_PARAM_RE = re.compile(r"^(W_xh|W_hh|W_hy|b_h|b_y)(?:_(\d+))?(?:_(\d+))?$")
_TIME_RE = re.compile(r"^(delta|h|x|y|a|o|L|w)(\d+)(?:_tau(\d+))?(?:_(\d+))?$")


def entry_name(base: str, *index: int) -> str:
    """``entry_name('W_hh', 0, 1) == 'W_hh_0_1'``; no index gives the base name."""
    return "_".join([base, *map(str, index)])


def symbol_matrix(base: str, rows: int, cols: int, scalar: bool) -> sp.ImmutableMatrix:
    """A (rows, cols) matrix of fresh symbols named by the contract.

    scalar: the H = D = V = 1 case, a 1x1 matrix holding the bare name; otherwise column
    vectors (cols == 1) get one index per entry and matrices two.
    """
    if scalar:
        return sp.ImmutableMatrix([[sp.Symbol(base)]])
    if cols == 1 and not base.startswith("W_"):
        return sp.ImmutableMatrix(rows, 1, [sp.Symbol(entry_name(base, i)) for i in range(rows)])
    return sp.ImmutableMatrix(rows, cols, [sp.Symbol(entry_name(base, i, j))
                                           for i in range(rows) for j in range(cols)])


def latex_name(name: str) -> str | None:
    """The LaTeX form of a contract name (``x1_0`` -> ``x_{1}[0]``), or None if not one."""
    m = _PARAM_RE.match(name)
    if m:
        base, i, j = m.groups()
        idx = ",".join(v for v in (i, j) if v is not None)
        return _PARAM_LATEX[base] + (f"[{idx}]" if idx else "")
    m = _TIME_RE.match(name)
    if m:
        base, t, tau, i = m.groups()
        head = _TIME_LATEX[base]
        head = f"{head}^{{({tau})}}_{{{t}}}" if tau else f"{head}_{{{t}}}"
        return head + (f"[{i}]" if i is not None else "")
    return None


def latex_names(*exprs) -> dict[sp.Basic, str]:
    """``symbol_names`` for ``sympy.latex``: every contract-named symbol in ``exprs``."""
    out: dict[sp.Basic, str] = {}
    for e in exprs:
        if not isinstance(e, sp.Basic):
            continue
        for s in e.atoms(sp.Symbol, sp.MatrixSymbol):
            name = latex_name(str(s.name))
            if name is not None:
                out[s] = name
    return out


def matrix_symbol_latex(name: str) -> str:
    """LaTeX for a matrix-notation symbol such as ``h_1``, ``delta_2^(4)``, ``W_hh``."""
    m = re.match(r"^(delta|h|x|y|a|o)_(\d+)(?:\^\((\d+)\))?$", name)
    if m:
        base, t, tau = m.groups()
        head = _TIME_LATEX[base]
        return f"{head}^{{({tau})}}_{{{t}}}" if tau else f"{head}_{{{t}}}"
    if name in _PARAM_LATEX or "_" not in name:
        return _PARAM_LATEX.get(name, name)
    # other names with underscores (a cell's delta_c_2, og_2, W_xf): one subscript, comma-separated,
    # never a double subscript
    head, *rest = name.split("_")
    head = _TIME_LATEX.get(head, head if len(head) == 1 else f"\\mathrm{{{head}}}")
    return f"{head}_{{{','.join(rest)}}}"
