"""Text a student recognises (issue 12 §2): |x|, indicators, numeric time order, Unicode, --values."""

from __future__ import annotations

import json
import math
import re

import pytest
import sympy as sp

from derive.cli import main
from derive.graph import unroll
from derive.jacobian import jacobian_product
from derive.printing.expressions import parsable, pretty, text, unicode_text
from derive.printing.jacobian import jacobian_json, jacobian_pretty, jacobian_text
from derive.printing.unicode import letter_subscripts, unicode_name

W, h2 = sp.symbols("W_hh h2")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# -- Abs and the indicator ------------------------------------------------------------------

def test_abs_prints_as_bars_and_the_relu_derivative_as_an_indicator():
    assert text(sp.Symbol("norm_dL_dh") * sp.Abs(W) ** 3) == "norm_dL_dh*|W_hh|**3"
    assert text(W * sp.Piecewise((1, h2 > 0), (0, True))) == "W_hh*[h2 > 0]"


def test_other_piecewise_expressions_keep_sympys_form():
    a = sp.Symbol("a")
    assert text(sp.Piecewise((a, a > 0), (0, True))) == "Piecewise((a, a > 0), (0, True))"
    assert text(sp.Piecewise((2, a > 0), (0, True))) == "Piecewise((2, a > 0), (0, True))"


def test_relu_jacobian_text_shows_indicators_and_the_bound_in_bars():
    out = jacobian_text(jacobian_product(unroll(3, activation="relu"), 3, 0), bound=True)
    assert "factor r = 2: W_hh*[h2 > 0]" in out
    assert "Piecewise" not in out.split("\n", 2)[2]          # the f(a) line names relu itself
    assert "(γ‖W_hh‖)^3 = |W_hh|**3" in out
    assert "‖∂L_3/∂h_0‖ <= ‖∂L_3/∂h_3‖ (γ‖W_hhᵀ‖)^3 = ‖∂L_3/∂h_3‖*|W_hh|**3" in out


# -- time indices in numeric order ------------------------------------------------------------

SUBS = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")


def _indices(s: str) -> list[int]:
    return [int(m) for m in re.findall(r"h(\d+)", s.translate(SUBS))]


def test_time_indices_sort_as_numbers_from_t_10():
    J = jacobian_product(unroll(12), 12, 0)
    line = next(ln for ln in jacobian_text(J).splitlines() if ln.startswith("  ∂h_12/∂h_0 = "))
    assert line.endswith("*(1 - h1**2)*(1 - h2**2)*(1 - h3**2)*(1 - h4**2)*(1 - h5**2)*(1 - h6**2)*(1 - h7**2)"
                         "*(1 - h8**2)*(1 - h9**2)*(1 - h10**2)*(1 - h11**2)*(1 - h12**2)")
    assert _indices(unicode_text(J.product)) == list(range(1, 13))
    assert _indices(pretty(J.product)) == list(range(1, 13))        # wrapped 2-D lines keep the order


def test_sums_of_time_indexed_terms_sort_as_numbers():
    hs = sp.symbols("h1:13")
    assert text(sum(hs)) == " + ".join(f"h{i}" for i in range(1, 13))
    assert text(sp.Symbol("x10") + sp.Symbol("x9")) == "x9 + x10"


def test_short_indices_print_exactly_as_sympy_does():
    e = W ** 3 * (1 - sp.Symbol("h3") ** 2) * (1 - h2 ** 2) + sp.Symbol("delta1")
    assert text(e) == sp.sstr(e)


def test_json_strings_still_round_trip_through_sympify():
    for act in ("tanh", "relu"):
        J = jacobian_product(unroll(11, activation=act), 11, 0)
        data = json.loads(json.dumps(jacobian_json(J, bound=True)))
        assert sp.sympify(data["product"]) == J.product
        assert sp.sympify(data["bound"]["jacobian"]) == J.bound
        assert sp.sympify(data["bound"]["loss"]) == J.loss_bound
        assert "|" not in data["product"] + data["bound"]["jacobian"]
    assert sp.sympify(parsable(W * sp.Piecewise((1, h2 > 0), (0, True)))) == W * sp.Piecewise((1, h2 > 0), (0, True))


# -- Unicode ------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, letters, want", [
    ("h1", True, "h₁"), ("delta2_tau4", True, "δ₂⁽⁴⁾"), ("x1_0", True, "x₁[0]"), ("c12", True, "c₁₂"),
    ("W_hh_0_1", True, "Wₕₕ[0,1]"), ("W_hh_0_1", False, "W_hh[0,1]"), ("W_hy", True, "W_hy"),
    ("b_y", True, "b_y"), ("W_xh", True, "Wₓₕ"), ("h_1", True, "h₁"), ("delta_2^(4)", True, "δ₂⁽⁴⁾"),
])
def test_unicode_names(name, letters, want):
    assert unicode_name(name, letters=letters) == want


def test_one_subscript_rule_per_output():
    assert letter_subscripts(W * h2) is True
    assert letter_subscripts(W * sp.Symbol("W_hy")) is False          # Unicode has no subscript y


def test_derive_pretty_never_mixes_wₕₕ_and_w_hy(capsys):
    code, out, _ = run(capsys, "derive", "--T", "2", "--format", "pretty")
    assert code == 0 and "W_hy" in out and "W_hh" in out and "Wₕₕ" not in out


def test_unicode_jacobian(capsys):
    code, out, _ = run(capsys, "jacobian", "--T", "5", "--step", "5", "--k", "2", "--bound", "--format", "unicode")
    assert code == 0
    assert "∂h₅/∂h₂ = Wₕₕ³·(1 - h₃²)·(1 - h₄²)·(1 - h₅²)" in out
    assert "‖∂h₅/∂h₂‖ <= (γ‖Wₕₕ‖)^3 = |Wₕₕ|³" in out
    assert "‖∂L₅/∂h₂‖ <= ‖∂L₅/∂h₅‖ (γ‖Wₕₕᵀ‖)^3 = ‖∂L₅/∂h₅‖·|Wₕₕ|³" in out


def test_unicode_derive_and_graph(capsys):
    _, out, _ = run(capsys, "derive", "--T", "2", "--wrt", "W_hh", "--format", "unicode")
    assert "δ₁ = W_hh·δ₂·(1 - h₂²) + W_hy·(o₁ - y₁)" in out and "= δ₁·h₀·(1 - h₁²)    (t = 1)" in out
    _, out, _ = run(capsys, "graph", "--T", "1", "--format", "unicode")
    assert "a₁ = W_hh·h₀ + W_xh·x₁ + b_h" in out and "L₁ = (o₁ - y₁)²/2" in out


def test_pretty_bound_puts_the_relation_on_the_baseline():
    out = jacobian_pretty(jacobian_product(unroll(5), 5, 2), bound=True)
    block = next(b for b in out.split("\n\n") if "‖∂h₅/∂h₂‖" in b).splitlines()
    assert len(block) == 2 and block[1].startswith("‖∂h₅/∂h₂‖ ≤ │Wₕₕ│")
    assert block[0].rstrip().endswith("3") and len(block[0].rstrip()) == len("‖∂h₅/∂h₂‖ ≤ │Wₕₕ│") + 1


# -- exact numbers ------------------------------------------------------------------------------

def test_example_reads_scientific_notation_exactly(capsys):
    code, out, _ = run(capsys, "example", "--w-hh", "1e-3")
    assert code == 0 and "W_hh = 1/1000" in out


# -- --values -------------------------------------------------------------------------------------

LEAVES = "W_hh=1/2,W_xh=1,b_h=0,h0=0,x1=1,x2=1e-3,x3=1/4"


def test_jacobian_values_exact_and_decimal(capsys):
    code, out, _ = run(capsys, "jacobian", "--T", "3", "--k", "1", "--bound", "--values", LEAVES)
    assert code == 0 and "Values at W_hh = 1/2, W_xh = 1, b_h = 0, h0 = 0, x1 = 1, x2 = 1/1000, x3 = 1/4" in out
    h2 = sp.tanh(sp.Rational(1, 1000) + sp.tanh(1) / 2)
    h3 = sp.tanh(h2 / 2 + sp.Rational(1, 4))
    want = sp.Rational(1, 4) * (1 - h2 ** 2) * (1 - h3 ** 2)      # ∂h3/∂h1 = W_hh² (1-h2²)(1-h3²)
    line = next(ln for ln in out.splitlines() if ln.startswith("  ∂h_3/∂h_1 = ") and "≈" in ln)
    f2 = math.tanh(1e-3 + math.tanh(1) / 2)
    f3 = math.tanh(f2 / 2 + 0.25)
    # float64 of a four-operation formula: relative error far below 1e-12
    assert float(line.split("≈")[1]) == pytest.approx(0.25 * (1 - f2 ** 2) * (1 - f3 ** 2), rel=1e-12)
    assert sp.simplify(sp.sympify(line.split(" = ", 1)[1].split(" ≈")[0]) - want) == 0
    assert "  (γ|W_hh|)^2 = 1/4 ≈ 0.250000000000000" in out
    code, out, _ = run(capsys, "jacobian", "--T", "3", "--k", "1", "--format", "json", "--values", LEAVES)
    data = json.loads(out)["values"]
    assert sp.simplify(sp.sympify(data["product"]["exact"]) - want) == 0 and data["given"]["x2"] == "1/1000"


def test_derive_values_match_the_exact_evaluation(capsys):
    code, out, _ = run(capsys, "derive", "--T", "2", "--wrt", "b_y", "--format", "json", "--values",
                       "W_hh=1/2,W_xh=1,b_h=0,W_hy=1,b_y=0,h0=0,x1=1,x2=0,y1=1/2,y2=1")
    assert code == 0
    data = json.loads(out)["values"]
    h1 = sp.tanh(1)
    h2 = sp.tanh(h1 / 2)
    assert sp.simplify(sp.sympify(data["b_y"]["exact"]) - (h1 - sp.Rational(1, 2) + h2 - 1)) == 0


@pytest.mark.parametrize("argv, message", [
    (["jacobian", "--values", "W_hh"], "--values item 1 must be NAME=value"),
    (["jacobian", "--values", "W_hh=tanh(1)"], "--values W_hh must be an integer"),
    (["jacobian", "--values", "W_hh=1/2"], "--values is missing ['W_xh', 'b_h', 'h0', 'x1', 'x2', 'x3']"),
    (["jacobian", "--values", "zz=1"], "--values has unknown names ['zz']"),
    (["jacobian", "--values", "W_hh=1,W_hh=2"], "--values gives W_hh twice"),
    (["jacobian", "--hidden-size", "2", "--values", "W_hh=1"], "--values takes the scalar sizes only"),
    (["jacobian", "--format", "latex", "--values", "W_hh=1"], "--values adds numbers to --format text"),
    (["derive", "--values", "W_hh=1"], "--values is missing"),
])
def test_bad_values_are_one_line_and_exit_2(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == "" and message in err and err.count("\n") == 1 and "Traceback" not in err
