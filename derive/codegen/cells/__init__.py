"""Cell engines: a Cell (derive.cells) -> a plain NumPy BPTT module (numeric/generated/cells/).

``plan`` groups every matrix–vector product by its operand into stacked GEMMs; ``forward`` and
``backward`` print one step's equations and their VJPs (the table of derive/cells/vjp.py) as
in-place NumPy lines; ``module`` lays them out with the formulas as comments; ``files`` writes
and checks the committed modules (``bptt generate --cell C``).
"""
