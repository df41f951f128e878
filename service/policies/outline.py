"""The outline of a policy's enumerations: numbered, lettered and bulleted items at any depth.

Policies nest their criteria ("1." > "a." > "i.", Medicare's "I." > "A." > "1.", a state's
"2.1" > "a." > "i.", bullets under letters, "–" under "•"); depth is read from indentation, so
any marker style nests the same way. The chunker cuts passages at top-level items, and the
reader reports the whole tree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

# 1. 1) (1) a. (a) i. IV. 2.1 2.1.3 and bullets (- * • – › ...; "o", the second-level bullet of
# a word processor as a PDF's text gives it)
MARKER = (
    r"(?:\(?(?:\d{1,2}(?:\.\d{1,2})*|[A-Za-z]|[IVXivx]{1,5})[.)]|\d{1,2}(?:\.\d{1,2})+"
    r"|[-*•·▪◦–—›»▸►‣⁃○●■➢➤]|o(?=[ \t]))"
)
ITEM_LINE = re.compile(rf"^(?P<ind>[ \t]*)(?P<m>{MARKER})[ \t]+(?=\S)")
_JOINER = re.compile(r"(?:[;,]\s*(?:and|or)|;|,)\s*$", re.I)
# "e.g." or "i.e." starting a wrapped line is prose, not an item
_NOT_MARKER = re.compile(r"^\s*(?:e\.g\.|i\.e\.|etc\.)", re.I)


@dataclass
class Item:
    """One enumerated item: its marker, its own text (no marker, no sub-items) and children."""

    marker: str
    text: str
    items: list[Item] = field(default_factory=list)
    indent: int = 0

    def label(self) -> str:
        """The marker as a label: '1.' -> '1', '(a)' -> 'a', 'IV.' -> 'IV'; bullets give ''."""
        return self.marker.strip("().") if self.marker[0].isalnum() or "(" in self.marker else ""

    def as_key(self) -> Any:
        """The item as the reading cases write it: a string, or {text, items}."""
        if not self.items:
            return self.text
        return {"text": self.text, "items": [child.as_key() for child in self.items]}


def _own_text(lines: list[str]) -> str:
    text = " ".join(" ".join(line.split()) for line in lines).strip()
    while (cut := _JOINER.sub("", text).rstrip()) != text:
        text = cut
    return text


def parse_outline(lines: list[str]) -> list[Item]:
    """The items of a block of lines; prose lines outside any item are left out."""
    roots: list[Item] = []
    stack: list[Item] = []
    own: dict[int, list[str]] = {}  # id(item) -> its own lines, until a child or a blank
    closed: set[int] = set()
    for line in lines:
        m = ITEM_LINE.match(line)
        if m and not _NOT_MARKER.match(line):
            indent = len(m["ind"].expandtabs(4))
            item = Item(m["m"], "", indent=indent)
            while stack and stack[-1].indent >= indent:
                stack.pop()
            (stack[-1].items if stack else roots).append(item)
            stack.append(item)
            own[id(item)] = [line[m.end() :]]
            continue
        if not line.strip():
            closed.update(id(x) for x in stack)
            continue
        indent = len(line) - len(line.lstrip())
        while (
            stack
            and indent <= stack[-1].indent
            and not line.startswith(" " * (stack[-1].indent + 1))
        ):
            stack.pop()
        if stack and id(stack[-1]) not in closed and not stack[-1].items:
            own[id(stack[-1])].append(line)  # a wrapped line of the item's own text
    _fill(roots, own)
    # Bullets before the first numbered item are the lead-in's asides, not criteria.
    first = next((i for i, item in enumerate(roots) if item.label()), 0)
    return roots[first:]


def _fill(items: list[Item], own: dict[int, list[str]]) -> None:
    for item in items:
        item.text = _own_text(own.get(id(item), []))
        _fill(item.items, own)


def top_level(lines: list[str]) -> list[tuple[str, int, int]]:
    """(label, first line, end line) of each top-level item, for cutting passages."""
    items = [(i, ITEM_LINE.match(line)) for i, line in enumerate(lines)]
    found = [(i, m) for i, m in items if m and not _NOT_MARKER.match(lines[i])]
    if not found:
        return []
    base = min(len(m["ind"]) for _, m in found)
    starts = [(i, m) for i, m in found if len(m["ind"]) == base]
    out = []
    for k, (i, m) in enumerate(starts):
        end = starts[k + 1][0] if k + 1 < len(starts) else len(lines)
        label = m["m"].strip("().") if m["m"][0].isalnum() or "(" in m["m"] else str(k + 1)
        out.append((label, i, end))
    return out
