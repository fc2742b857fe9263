"""Printing: one function per object and format (text, pretty, LaTeX, JSON, DOT).

- ``expressions``: the shared expression printers (text, parsable, latex, pretty, deep);
- ``graph``: the unrolled graph (``Unrolled.to_text/to_latex/to_dot``);
- ``jacobian``: Jacobian products and their bounds;
- ``derivation``: the δ recursion and every gradient (``Derivation.__str__``).

Printing depends on the names (derive.symbols) only, never on the core it prints, so the core's
display methods import it at the top of their modules without an import circle.
"""

from .derivation import derivation_json, derivation_latex, derivation_pretty, derivation_text
from .expressions import activation_line, deep, describe, entries, latex, parsable, pretty, text
from .graph import GRAPH_EQUATIONS, graph_dot, graph_json, graph_latex, graph_pretty, graph_text
from .jacobian import jacobian_json, jacobian_latex, jacobian_pretty, jacobian_text

__all__ = ["GRAPH_EQUATIONS", "activation_line", "deep", "derivation_json", "derivation_latex",
           "derivation_pretty", "derivation_text", "describe", "entries", "graph_dot", "graph_json",
           "graph_latex", "graph_pretty", "graph_text", "jacobian_json", "jacobian_latex", "jacobian_pretty",
           "jacobian_text", "latex", "parsable", "pretty", "text"]
