"""A plain, loop-based LSTM and GRU with knobs: the reference and its classic mistakes.

``run(case, spec, knobs)`` computes, in row vectors (states (B, H)), everything the engine's
answer holds (numeric/check/cells/reference.py: loss, per-gate gradients, "<state>0", dxs, hs)
for the cells of numeric/generated/cells/lstm.py and gru.py (PyTorch's equations). ``Knobs()``
is the correct computation — tests/test_check_cells.py checks it against the engine — and every
other setting is one mistake of numeric/check/cells/mistakes.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...finite import quiet
from .cases import CellCase
from .spec import CellSpec


@dataclass(frozen=True)
class Knobs:
    """How the backward (and, for the model knobs, the forward) is done; the defaults are right."""

    no_deriv: str = ""           # a gate whose activation derivative is missing (LSTM i f o g, GRU r z n)
    c_carry: str = "f"           # LSTM: δc_{t-1} = δc_t ⊙ f_t; "none": not carried; "one": without ⊙ f_t
    dtanh_c: str = "tanh"        # LSTM: tanh'(c_t) as 1 − tanh(c_t)²; "raw": 1 − c_t²
    dg_from: str = "g"           # LSTM: the candidate's tanh' 1 − g_t²; "c": 1 − c_t²; "tanh_c": 1 − tanh(c_t)²
    h_carry: bool = True         # δh_{t-1} carried back to step t - 1
    r_term: str = "hn"           # GRU model: r ⊙ (W_hn h + b_hn); "h": W_hn (r ⊙ h) + b_hn; "x": on the x term
    r_backward: str = ""         # GRU backward only: "missing" (no r in the n term's backward), "h" (as r_term h)
    z_swapped: bool = False      # GRU model: h = z ⊙ n + (1 − z) ⊙ h_prev
    direct: bool = True          # GRU: the direct path δh_{t-1} += δh_t ⊙ z_t


def _sig(a):
    return 1.0 / (1.0 + np.exp(-a))


def _dsig(k: Knobs, gate: str, y):
    return 1.0 if k.no_deriv == gate else y * (1 - y)


def _dtanh(k: Knobs, gate: str, y):
    return 1.0 if k.no_deriv == gate else 1 - y ** 2


def _lstm(P, xs, s0, ups, k: Knobs):
    T = xs.shape[0]
    h, c = [s0["h"]], [s0["c"]]
    cache = []
    for t in range(T):
        x = xs[t]
        a = lambda g: x @ P[f"W_x{g}"].T + h[t] @ P[f"W_h{g}"].T + P[f"b_{g}"]  # noqa: E731
        i, f, g, o = _sig(a("i")), _sig(a("f")), np.tanh(a("g")), _sig(a("o"))
        c.append(f * c[t] + i * g)
        h.append(o * np.tanh(c[t + 1]))
        cache.append((x, i, f, g, o))
    grads = {n: np.zeros_like(v) for n, v in P.items() if n not in ("W_hy", "b_y")}
    dxs = np.zeros_like(xs)
    dh_next, dc_next = np.zeros_like(h[0]), np.zeros_like(c[0])
    for t in range(T - 1, -1, -1):
        x, i, f, g, o = cache[t]
        ct = c[t + 1]
        tc = np.tanh(ct)
        dh = ups[t] + (dh_next if k.h_carry else 0.0)
        dtc = 1 - ct ** 2 if k.dtanh_c == "raw" else 1 - tc ** 2
        dc = dc_next + dh * o * dtc
        dg_f = {"g": 1 - g ** 2, "c": 1 - ct ** 2, "tanh_c": 1 - tc ** 2}[k.dg_from]
        da = {"i": dc * g * _dsig(k, "i", i), "f": dc * c[t] * _dsig(k, "f", f),
              "g": dc * i * (1.0 if k.no_deriv == "g" else dg_f), "o": dh * tc * _dsig(k, "o", o)}
        dprev = np.zeros_like(dh)
        for n, d in da.items():
            grads[f"W_x{n}"] += d.T @ x
            grads[f"W_h{n}"] += d.T @ h[t]
            grads[f"b_{n}"] += d.sum(axis=0)
            dxs[t] += d @ P[f"W_x{n}"]
            dprev += d @ P[f"W_h{n}"]
        dh_next = dprev
        dc_next = {"f": dc * f, "none": np.zeros_like(dc), "one": dc}[k.c_carry]
    return np.stack(h[1:]), grads, {"h0": dh_next, "c0": dc_next}, dxs


def _gru(P, xs, s0, ups, k: Knobs):
    T = xs.shape[0]
    h, cache = [s0["h"]], []
    for t in range(T):
        x, hp = xs[t], h[t]
        r = _sig(x @ P["W_xr"].T + hp @ P["W_hr"].T + P["b_r"])
        z = _sig(x @ P["W_xz"].T + hp @ P["W_hz"].T + P["b_z"])
        xn, hn = x @ P["W_xn"].T + P["b_xn"], hp @ P["W_hn"].T + P["b_hn"]
        if k.r_term == "h":
            hn = (r * hp) @ P["W_hn"].T + P["b_hn"]
            n = np.tanh(xn + hn)
        elif k.r_term == "x":
            n = np.tanh(r * xn + hn)
        else:
            n = np.tanh(xn + r * hn)
        h.append(z * n + (1 - z) * hp if k.z_swapped else (1 - z) * n + z * hp)
        cache.append((x, r, z, n, xn, hn))
    grads = {n: np.zeros_like(v) for n, v in P.items() if n not in ("W_hy", "b_y")}
    dxs = np.zeros_like(xs)
    dh_next = np.zeros_like(h[0])
    for t in range(T - 1, -1, -1):
        x, r, z, n, xn, hn = cache[t]
        hp = h[t]
        dh = ups[t] + (dh_next if k.h_carry else 0.0)
        dn, dz = (dh * z, dh * (n - hp)) if k.z_swapped else (dh * (1 - z), dh * (hp - n))
        dprev = (dh * (1 - z) if k.z_swapped else dh * z) if k.direct else np.zeros_like(dh)
        dan = dn * _dtanh(k, "n", n)
        how = k.r_backward or k.r_term
        if how == "x":
            dxn, dhn, dr = dan * r, dan, dan * xn
        elif how == "h":                                   # n = tanh(xn + W_hn (r ⊙ h) + b_hn)
            dxn, dhn = dan, dan
            drh = dan @ P["W_hn"]
            dr = drh * hp
        elif how == "missing":
            dxn, dhn, dr = dan, dan, dan * hn
        else:
            dxn, dhn, dr = dan, dan * r, dan * hn
        dar, daz = dr * _dsig(k, "r", r), dz * _dsig(k, "z", z)
        for g, d in (("r", dar), ("z", daz)):
            grads[f"W_x{g}"] += d.T @ x
            grads[f"W_h{g}"] += d.T @ hp
            grads[f"b_{g}"] += d.sum(axis=0)
            dxs[t] += d @ P[f"W_x{g}"]
            dprev += d @ P[f"W_h{g}"]
        grads["W_xn"] += dxn.T @ x
        grads["b_xn"] += dxn.sum(axis=0)
        dxs[t] += dxn @ P["W_xn"]
        grads["b_hn"] += dhn.sum(axis=0)
        if how == "h":
            grads["W_hn"] += dhn.T @ (r * hp)
            dprev += drh * r
        else:
            grads["W_hn"] += dhn.T @ hp
            dprev += dhn @ P["W_hn"]
        dh_next = dprev
    return np.stack(h[1:]), grads, {"h0": dh_next}, dxs


CELLS = {"lstm": _lstm, "gru": _gru}


def run(case: CellCase, spec: CellSpec, k: Knobs = Knobs()) -> dict:
    """The engine's answer for ``case`` (reference.py's terms), computed with the knobs ``k``."""
    P, xs, T = case.params, case.xs, case.T
    step = CELLS[spec.cell]
    with np.errstate(**quiet):
        if case.dhs is not None:
            hs, grads, d0, dxs = step(P, xs, case.state0, case.dhs, k)
            return {**grads, **d0, "dxs": dxs, "hs": hs}
        zero = np.zeros((T,) + case.state0["h"].shape)
        hs = step(P, xs, case.state0, zero, k)[0]
        steps = range(T) if case.loss_at == "all" else [T - 1]
        ups, loss = np.zeros_like(zero), 0.0
        W, b = P["W_hy"], P["b_y"]
        gW, gb = np.zeros_like(W), np.zeros_like(b)
        for t in steps:
            o = hs[t] @ W.T + b
            e = np.exp(o - o.max(axis=1, keepdims=True))
            p = e / e.sum(axis=1, keepdims=True)
            y = case.targets[t]
            loss += float(-np.log(p[0, y]))
            p[0, y] -= 1.0
            gW += p.T @ hs[t]
            gb += p.sum(axis=0)
            ups[t] = p @ W
        hs, grads, d0, dxs = step(P, xs, case.state0, ups, k)
    return {"loss": loss, **grads, "W_hy": gW, "b_y": gb, **d0, "dxs": dxs, "hs": hs}
