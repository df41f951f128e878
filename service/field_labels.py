"""Field names as a biller knows them: "points[1].text" is "Point 2", "signer.npi" is
"Signer's NPI".

The names are data (data/field_labels.yaml), so the workspace, its confirmations and the API's
problems can all say the same words, and a test can check every path the validator and the
forms use has one. A path with no name falls back to its words ("rendering_provider" becomes
"Rendering provider") rather than failing: a label is never worth an error.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import yaml

_DATA = Path(__file__).with_name("data") / "field_labels.yaml"
_SLOTS = {"n": r"(?P<n>\d+)", "name": r"(?P<name>.+)"}


def _compile(pattern: str) -> re.Pattern[str]:
    parts = re.split(r"\{(n|name)\}", pattern)
    # re.split keeps the slot names at odd positions; the text between them is matched as is
    out = [_SLOTS[p] if i % 2 else re.escape(p) for i, p in enumerate(parts)]
    return re.compile("^" + "".join(out) + "$")


@lru_cache(maxsize=1)
def _table() -> tuple[dict[str, str], list[tuple[re.Pattern[str], str]]]:
    data = yaml.safe_load(_DATA.read_text(encoding="utf-8"))
    names = {str(k): str(v) for k, v in data["names"].items()}
    patterns = [(_compile(str(k)), str(v)) for k, v in data["patterns"].items()]
    return names, patterns


def known(path: str) -> bool:
    """Whether the table names this path (the fallback is not counted)."""
    names, patterns = _table()
    return path in names or any(p.match(path) for p, _ in patterns)


def label(path: str) -> str:
    """The name a biller knows a field by, list positions counted from 1."""
    names, patterns = _table()
    if path in names:
        return names[path]
    for pattern, template in patterns:
        m = pattern.match(path)
        if m:
            slots = m.groupdict()
            n = int(slots["n"]) + 1 if slots.get("n") is not None else None
            return template.format(n=n, name=slots.get("name"))
    words = re.sub(r"[_.\[\]-]+", " ", path).strip()
    return words[:1].upper() + words[1:] if words else path


def labels(paths: Iterable[str]) -> list[str]:
    """Each path's name, in order, without repeats ("service_lines" twice is named once)."""
    return list(dict.fromkeys(label(p) for p in paths))
