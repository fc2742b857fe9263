"""The update-point schedule of Truncation(k1, k2), as docs/truncation.md defines it."""

import pytest
from hypothesis import given, strategies as st

from numeric import Truncation, update_points


@given(st.integers(1, 40), st.integers(1, 10), st.integers(0, 10))
def test_update_points_follow_the_definition(T, k1, extra):
    tr = Truncation(k1, k1 + extra)
    pts = update_points(T, tr)
    taus = [p.tau for p in pts]
    assert taus == sorted(set(taus)) and taus[-1] == T           # T once, increasing
    assert all(t % k1 == 0 for t in taus[:-1])
    assert taus[:-1] == list(range(k1, T, k1)) or taus == list(range(k1, T + 1, k1))
    prev = 0
    for p in pts:
        assert p.tau_prev == prev and p.start == max(1, p.tau - tr.k2 + 1)
        assert p.start <= p.tau_prev + 1                             # every loss is inside its window
        prev = p.tau


def test_full_bptt_is_a_single_update_point():
    assert update_points(7, None) == [(0, 7, 1)]


@pytest.mark.parametrize("text, want", [("4", (4, 4)), ("2,5", (2, 5)), (" 1 , 3 ", (1, 3))])
def test_truncation_parses_k_and_k1_k2(text, want):
    t = Truncation.parse(text)
    assert (t.k1, t.k2) == want


@pytest.mark.parametrize("text", ["", "a", "1,2,3", "2.5"])
def test_truncation_parse_rejects_garbage(text):
    with pytest.raises(ValueError, match="'k' or 'k1,k2'"):
        Truncation.parse(text)
