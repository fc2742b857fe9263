"""assert_bptt_correct: the pytest-friendly entry to ``numeric.check_implementation``.

    from numeric.check.testing import assert_bptt_correct
    from mymodel import loss_and_grads

    def test_my_bptt_is_correct():
        assert_bptt_correct(loss_and_grads)                      # column convention, char-RNN defaults

    def test_my_layer_backward_is_correct():
        assert_bptt_correct(rnn_layer_backward, convention="row")

A wrong (or unusable) implementation fails the test with the full text report as the
assertion message. Call it from a plain test, not from inside a hypothesis ``@given`` test:
the check runs its own hypothesis search.
"""

from __future__ import annotations

from typing import Any, Callable

from . import CheckReport, check_implementation


def assert_bptt_correct(fn: Callable, **options: Any) -> CheckReport:
    """Check ``fn`` with ``check_implementation(fn, **options)``; raise AssertionError unless correct.

    Args:
      fn: the implementation, in the column or row convention (docs/check.md).
      **options: any keyword of ``numeric.check_implementation`` (convention, activation, loss,
        loss_at, truncation, inputs, examples, seed, dtype, max_T, shrink, name).
    Returns:
      The CheckReport of a correct implementation (what was checked, how many cases).
    Raises:
      AssertionError: with the text report, when the verdict is "wrong", "error" or "inconclusive".
      ValueError / TypeError: for bad options (as ``check_implementation``).
    """
    __tracebackhide__ = True  # pytest: show the report, not this frame
    report = check_implementation(fn, **options)
    if not report.passed:
        # the first line is the verdict and the function (pytest's short summary shows it)
        raise AssertionError(report.to_text())
    return report
