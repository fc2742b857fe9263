"""Code generation: the derivation's formulas, through SymPy's NumPy printer, into modules.

The pipeline, one module a step: ``formulas`` (the per-step formulas, after ``cse``) ->
``printer`` (SymPy expression -> NumPy code) -> ``module`` + ``template`` (the loop skeleton and
the file writer of ``numeric/generated/``); ``unrolled`` + ``unrolled_template``: the
straight-line target for one fixed T (``bptt generate --unrolled``).
"""

from .module import GENERATED_DIR, Target, all_targets, drifted, generate_source, write_module

__all__ = ["GENERATED_DIR", "Target", "all_targets", "drifted", "generate_source", "write_module"]
