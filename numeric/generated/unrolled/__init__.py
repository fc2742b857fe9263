"""Straight-line BPTT modules for one fixed (T, D, H, V), committed output of
`bptt generate --unrolled ...` (derive/codegen_unrolled.py); never edited by hand."""
