"""The independent routes to the same gradient that the cross-checks compare with ``numeric.bptt``.

- ``naive``: the per-step reference loop (``naive_bptt``);
- ``rtrl``: forward-mode sensitivities (real-time recurrent learning);
- ``windowed``: truncated BPTT as one full BPTT per window (``windowed_bptt``);
- ``compare``: how two results are compared: the first-order rounding-error bound of each
  array (``magnitudes``) and the errors measured against it.
"""

from .compare import magnitudes, relative_error, roundoff_error
from .naive import naive_bptt
from .rtrl import rtrl
from .windowed import windowed_bptt

__all__ = ["magnitudes", "naive_bptt", "relative_error", "roundoff_error", "rtrl", "windowed_bptt"]
