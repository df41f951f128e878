"""The headings payers put a policy's criteria and exclusions under, kept as data.

A section under one of them is cut into one passage per top-level item (corpus.py), and its
items are read back as criteria (criteria.py) and as the document's outline (reader.py). A
heading asked as a question ("When is it covered?") is read by the words in it.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import yaml

HEADINGS_FILE = Path(__file__).with_name("data") / "criteria_headings.yaml"


@cache
def _headings() -> dict[str, tuple[str, ...]]:
    raw = yaml.safe_load(HEADINGS_FILE.read_text(encoding="utf-8"))
    return {k: tuple(str(x).lower() for x in v) for k, v in raw.items()}


def heading_kind(heading: str) -> str | None:
    """'criteria' or 'exclusions' for a heading payers put those under; else None."""
    h = " ".join(heading.lower().replace("*", "").split())
    if h.endswith("?"):
        for kind in ("exclusions", "criteria"):
            if any(re.search(rf"\b{re.escape(x)}\b", h) for x in _headings()[f"question_{kind}"]):
                return kind
        return None
    for kind in ("criteria", "exclusions"):
        if any(h == x or h.startswith(x + " ") or h.startswith(x + ":") for x in _headings()[kind]):
            return kind
    return None
