"""A user's cell for `bptt check --cell mgu_cell.py:MGU` (docs/own-cell.md's minimal gated unit)."""
from derive.cells import CellBuilder, sigmoid, tanh

c = CellBuilder("mgu", states={"h": "H"})
x, h = c.input, c.prev("h")
f = c.node("f", sigmoid(c.affine("f", x, h)))
W_xn, W_hn, b_n = c.param("W_xn", "H", "D"), c.param("W_hn", "H", "H"), c.param("b_n", "H")
n = c.node("n", tanh(W_xn @ x + W_hn @ (f * h) + b_n))
c.update("h", (1 - f) * h + f * n)
MGU = c.build()
