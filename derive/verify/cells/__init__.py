"""Cross-checks of the cells' engines (issue 14, section 2): independent routes and properties.

- ``jvp``: forward mode through one step, a NumPy interpreter of the cell's Expr tree;
- ``rtrl``: ``cell_rtrl``, the exact gradient of any cell by forward-mode sensitivities, and
  ``cell_magnitudes``, the rounding-error scale used to compare results;
- ``symbolic``: derive_cell's gradients evaluated at a point (mpmath, 30 digits).
"""
