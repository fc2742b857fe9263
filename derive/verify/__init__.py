"""Holding the derivation and the engines to account.

- ``suite``: ``bptt verify``, every cross-check property run outside pytest (``verify``);
- ``properties``: the properties, one per pair of routes, with their tolerances;
- ``symbolic``: the symbolic route's properties (truncation's dropped terms, exact values);
- ``report``: the counterexample as code you can run;
- ``proof``: the derivation proved against ``sympy.diff`` of the expanded loss;
- ``cells``: the same for any cell's generated engine (``bptt verify --cell C``, issue 14).
"""

from .suite import PropertyResult, VerifyReport, verify

__all__ = ["PropertyResult", "VerifyReport", "verify"]
