"""The worked example's canonical values, as stored in derive/example/worked_example.json.

Light on purpose (json only, no SymPy): `bptt example --help` shows the defaults from here.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any


def canonical() -> dict[str, Any]:
    """The canonical values as stored in derive/example/worked_example.json (exact strings)."""
    text = resources.files("derive.example").joinpath("worked_example.json").read_text(encoding="utf-8")
    return json.loads(text)
