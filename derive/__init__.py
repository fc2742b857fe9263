"""derive: the symbolic (SymPy) half of bptt-toolkit.

Kept light on purpose: importing ``derive`` does not import SymPy, so ``bptt train`` and
other numeric commands start fast. The symbolic modules are imported where they are used.
"""

__version__ = "0.1.0"
