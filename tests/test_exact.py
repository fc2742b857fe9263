"""derive.example.exact: the strict number reader (integers, decimals, fractions; nothing else)."""

from __future__ import annotations

import ast
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from derive.example.exact import as_rational, as_rationals, parse_list, parse_number

R = sp.Rational
ROOT = Path(__file__).parents[1]


@pytest.mark.parametrize("text, want", [
    ("3", R(3)), ("-2", R(-2)), ("+7", R(7)), ("007", R(7)), ("0", R(0)), ("-0", R(0)),
    ("0.1", R(1, 10)), ("-.5", R(-1, 2)), ("2.", R(2)), ("0.250", R(1, 4)), ("+1.5", R(3, 2)),
    ("1/4", R(1, 4)), ("-3/8", R(-3, 8)), ("6/4", R(3, 2)), ("0/5", R(0)), (" 1/4 ", R(1, 4)),
])
def test_integers_decimals_and_fractions_are_read_exactly(text, want):
    got = parse_number(text, name="--w-hh")
    assert isinstance(got, sp.Rational) and got == want


def test_a_decimal_is_the_written_number_not_the_binary_double():
    assert parse_number("0.1") == R(1, 10)
    assert parse_number("0.1") != R(0.1)          # sympy's Rational(0.1) is the double 3602879701896397/2**55


@given(st.integers(-10**12, 10**12), st.integers(1, 10**6))
def test_every_fraction_written_as_p_over_q_reads_back(p, q):
    assert parse_number(f"{p}/{q}") == R(p, q)


@given(st.integers(-10**15, 10**15), st.integers(0, 12))
def test_every_decimal_reads_back_as_its_exact_value(n, k):
    text = str(Decimal(n).scaleb(-k))
    if "E" in text:                                # Decimal's own exponent form is not accepted input
        text = f"{Decimal(n).scaleb(-k):f}"
    assert parse_number(text) == R(n, 10 ** k)


@pytest.mark.parametrize("text", [
    "", " ", "abc", "1e", "e5", ".e3", "1e--3", "1e3.5", "0x10", "1_000", "inf", "nan", "1/2/3", "1.5/2", "--1", "+-1",
    "1 2", "1,2", ".", "-", "/", "1/", "/2", "1/-2", "½", "١٢", "sqrt(2)", "tanh(1)", "pi", "2**3",
    "__import__('os').system('true')", "(lambda: 0)()", "1/2 + 1/3",
])
def test_anything_else_is_a_value_error_naming_the_flag_and_the_accepted_forms(text):
    with pytest.raises(ValueError) as err:
        parse_number(text, name="--w-hh")
    msg = str(err.value)
    assert "--w-hh" in msg and "integer" in msg and "decimal" in msg and "fraction" in msg
    assert repr(text) in msg


def test_zero_denominator_is_a_value_error():
    with pytest.raises(ValueError, match=r"--b-h is a fraction with denominator 0; got '3/0'"):
        parse_number("3/0", name="--b-h")


def test_overlong_numbers_are_refused():
    with pytest.raises(ValueError, match="at most 100 characters; got 101"):
        parse_number("1" * 101, name="--x")


def test_non_strings_are_a_type_error():
    with pytest.raises(TypeError, match="--x must be a string"):
        parse_number(0.5, name="--x")


def test_lists_are_comma_separated_and_name_the_bad_item():
    assert parse_list("1, 1/4,0.25", name="--x") == (R(1), R(1, 4), R(1, 4))
    assert parse_list("-1", name="--x") == (R(-1),)
    with pytest.raises(ValueError, match="--x item 2 must be"):
        parse_list("1,x", name="--x")
    with pytest.raises(ValueError, match="--targets has an empty item at position 2"):
        parse_list("1,,2", name="--targets")
    with pytest.raises(ValueError, match="at least one number"):
        parse_list("  ", name="--x")


@pytest.mark.parametrize("value, want", [
    (3, R(3)), (np.int64(-2), R(-2)), (Fraction(1, 3), R(1, 3)), (R(5, 7), R(5, 7)),
    (0.1, R(1, 10)), (np.float64(0.25), R(1, 4)), (1e-5, R(1, 100000)), ("3/8", R(3, 8)),
])
def test_python_numbers_are_taken_exactly(value, want):
    assert as_rational(value, name="W_hh") == want


@pytest.mark.parametrize("value, error", [
    (True, TypeError), (float("nan"), ValueError), (float("inf"), ValueError),
    (sp.Float(0.5), TypeError), (sp.Symbol("w"), TypeError), ([1], TypeError), (None, TypeError),
    (complex(1, 1), TypeError),
])
def test_other_python_values_are_refused(value, error):
    with pytest.raises(error, match="W_hh"):
        as_rational(value, name="W_hh")


def test_sequences_and_strings_both_give_tuples():
    assert as_rationals([1, "1/4", 0.5], name="x") == (R(1), R(1, 4), R(1, 2))
    assert as_rationals("1,1/4", name="x") == (R(1), R(1, 4))
    with pytest.raises(ValueError, match=r"x\[1\]"):
        as_rationals([1, "y"], name="x")


@pytest.mark.parametrize("path", ["derive/example/exact.py", "derive/cli/commands/example.py"])
def test_user_strings_never_reach_sympify_or_eval(path):
    # The modules that touch user text call none of the functions that would execute it.
    tree = ast.parse((ROOT / path).read_text())
    def name(f):
        if isinstance(f, ast.Attribute):
            return f"{getattr(f.value, 'id', '?')}.{f.attr}"
        return getattr(f, "id", None)

    called = {name(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    forbidden = {"eval", "exec", "compile", "sympify", "S", "parse_expr", "nsimplify", "literal_eval"}
    forbidden |= {f"{m}.{f}" for m in ("sp", "sympy") for f in ("sympify", "S", "parse_expr", "nsimplify", "Float")}
    assert not called & forbidden
    assert "re.compile" in called or path.endswith("example.py")   # the name check does see calls


def test_rational_is_only_built_from_python_integers():
    # derive/example/exact.py builds sp.Rational(int(...), ...) only: a str argument would be parsed by SymPy.
    tree = ast.parse((ROOT / "derive/example/exact.py").read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "Rational":
            for arg in node.args:
                assert isinstance(arg, (ast.Call, ast.Name, ast.BinOp)), ast.dump(arg)
                if isinstance(arg, ast.Call):
                    assert getattr(arg.func, "id", None) == "int", ast.dump(arg)


@pytest.mark.parametrize("text, num, den", [
    ("1e-3", 1, 1000), ("1E5", 100000, 1), ("-2.5e+2", -250, 1), (".5e1", 5, 1), ("12.5e-1", 5, 4),
    ("3e0", 3, 1), ("1e-30", 1, 10 ** 30),
])
def test_scientific_notation_is_read_as_the_exact_rational(text, num, den):
    assert parse_number(text) == R(num, den)


def test_huge_exponents_are_refused_before_any_work():
    with pytest.raises(ValueError, match=r"--w-hh must have an exponent from -1000 to 1000; got '1e1000000'"):
        parse_number("1e1000000", name="--w-hh")
