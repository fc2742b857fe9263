"""What every cell format shares: the text printer (⊙, ᵀ, g∘², diag) and the settings line."""

from __future__ import annotations

from sympy.printing.precedence import PRECEDENCE

from ...printing.expressions import _TextPrinter


class _CellTextPrinter(_TextPrinter):
    def _print_HadamardPower(self, e) -> str:
        return self.parenthesize(e.base, PRECEDENCE["Pow"]) + "∘" + str(e.exp).translate(_SUP)

    def _print_OneMatrix(self, e) -> str:
        return "1"


_SUP = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def text(e) -> str:
    """SymPy's str form with ⊙, ᵀ and g∘² for the Hadamard square."""
    return _CellTextPrinter().doprint(e)


def describe_graph(g) -> str:
    """``cell lstm, T = 3, H = 2, D = 1, V = 1, activation tanh, loss half_sse at all``."""
    return (f"cell {g.cell.name}, T = {g.T}, H = {g.hidden_size}, D = {g.input_size}, V = {g.output_size}, "
            f"activation {g.activation}, loss {g.loss} at {g.loss_at}")
