"""The formats of the cells' results: text, pretty, LaTeX, JSON (and DOT for the graph).

derivation.py: ``bptt derive --cell``; graph.py: ``bptt graph --cell``; jacobian.py:
``bptt jacobian --cell``; example.py: ``bptt example --cell``; common.py: the shared text printer.
"""

from __future__ import annotations

from .common import describe_graph, text
from .derivation import derivation_json, derivation_latex, derivation_pretty, derivation_text, describe

__all__ = ["derivation_json", "derivation_latex", "derivation_pretty", "derivation_text", "describe",
           "describe_graph", "text"]
