"""Hypothesis profiles: "dev" (quick, random), "ci" (derandomized, the CI default), "deep".

Select with HYPOTHESIS_PROFILE=dev|ci|deep; .ci/run sets ci. Without the variable the ci
profile is used too, so a plain `uv run pytest` is deterministic.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile("ci", max_examples=40, derandomize=True, deadline=None,
                          print_blob=True, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=15, deadline=None)
settings.register_profile("deep", max_examples=1000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
