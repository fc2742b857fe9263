"""The built-in cells (issue 13), written with the public API exactly as a user would.

    elman   a = W_xh x + W_hh h_{t-1} + b_h,  h = f(a)                      (any activation f)
    jordan  a = W_xh x + W_oh o_{t-1} + b_h,  h = f(a),  o = W_hy h + b_y   (state o, o_0 given)
    gru     r = σ(W_xr x + W_hr h_{t-1} + b_r),  z = σ(W_xz x + W_hz h_{t-1} + b_z),
            n = tanh(W_xn x + b_xn + r ⊙ (W_hn h_{t-1} + b_hn)),  h = (1 − z) ⊙ n + z ⊙ h_{t-1}
    lstm    i, f, og = σ(W_x· x + W_h· h_{t-1} + b_·),  g = tanh(W_xg x + W_hg h_{t-1} + b_g),
            c = f ⊙ c_{t-1} + i ⊙ g,  h = og ⊙ tanh(c)

gru and lstm follow PyTorch's nn.GRU and nn.LSTM. The LSTM output gate's node is named ``og``
(not ``o``: o_t is the output layer's logits); its parameters keep the issue's names W_xo,
W_ho, b_o.
"""

from __future__ import annotations

from .cell import Cell, CellBuilder
from .expr import act, sigmoid, tanh


def elman() -> Cell:
    c = CellBuilder("elman", states={"h": "H"}, doc="vanilla RNN: h_t = f(W_xh x_t + W_hh h_{t-1} + b_h)")
    a = c.node("a", c.affine("h", c.input, c.prev("h")))
    c.update("h", act(a))
    return c.build()


def jordan() -> Cell:
    c = CellBuilder("jordan", states={"o": "V"}, output="o", readout=False,
                    doc="Jordan network: the recurrence runs through the output o_{t-1}")
    a = c.node("a", c.affine("h", c.input, c.prev("o")))
    h = c.node("h", act(a))
    c.update("o", c.param("W_hy", "V", "H") @ h + c.param("b_y", "V"))
    return c.build()


def gru() -> Cell:
    c = CellBuilder("gru", states={"h": "H"}, doc="gated recurrent unit, as PyTorch's nn.GRU")
    x, h = c.input, c.prev("h")
    r = c.node("r", sigmoid(c.affine("r", x, h)))
    z = c.node("z", sigmoid(c.affine("z", x, h)))
    xn = c.param("W_xn", "H", "D") @ x + c.param("b_xn", "H")
    hn = c.param("W_hn", "H", "H") @ h + c.param("b_hn", "H")
    n = c.node("n", tanh(xn + r * hn))
    c.update("h", (1 - z) * n + z * h)
    return c.build()


def lstm() -> Cell:
    c = CellBuilder("lstm", states={"h": "H", "c": "H"},
                    doc="long short-term memory, as PyTorch's nn.LSTM (output gate node og)")
    x, h = c.input, c.prev("h")
    i = c.node("i", sigmoid(c.affine("i", x, h)))
    f = c.node("f", sigmoid(c.affine("f", x, h)))
    g = c.node("g", tanh(c.affine("g", x, h)))
    og = c.node("og", sigmoid(c.param("W_xo", "H", "D") @ x + c.param("W_ho", "H", "H") @ h
                              + c.param("b_o", "H")))
    cell = c.update("c", f * c.prev("c") + i * g)
    c.update("h", og * tanh(cell))
    return c.build()


CELLS: dict[str, Cell] = {cell.name: cell for cell in (elman(), jordan(), gru(), lstm())}
