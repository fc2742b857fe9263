"""A user's cell for the cross-checks: the minimal gated unit (Zhou et al. 2016), one gate f.

    f = σ(W_xf x + W_hf h_{t-1} + b_f)
    n = tanh(W_xn x + W_hn (f ⊙ h_{t-1}) + b_n)
    h = (1 − f) ⊙ h_{t-1} + f ⊙ n

Written with the public CellBuilder exactly as docs/own-cell.md shows; it exercises what the
built-ins do not: a gate inside a matrix product's operand (W_hn (f ⊙ h)), a number minus a
gate (1 − f).
"""

from derive.cells import CellBuilder, sigmoid, tanh

c = CellBuilder("mgu", states={"h": "H"}, doc="minimal gated unit")
x, h = c.input, c.prev("h")
f = c.node("f", sigmoid(c.affine("f", x, h)))
n = c.node("n", tanh(c.param("W_xn", "H", "D") @ x + c.param("W_hn", "H", "H") @ (f * h) + c.param("b_n", "H")))
c.update("h", (1 - f) * h + f * n)
MGU = c.build()
