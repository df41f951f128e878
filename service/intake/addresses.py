"""Postal addresses as notices print them: a block of short lines ending in "City, ST 12345",
or one run-on line inside a sentence or a footer cell ("Sablewood Health, Attn: Appeals
Review, PO Box 40871, Madison, WI 53744-0871").
"""

from __future__ import annotations

import re

_CITY_LINE = re.compile(r"^[A-Za-z .'-]+,?\s+[A-Z]{2}\s+\d{5}(?:-\d{4})?$")
_ADDRESS_PART = re.compile(
    r"^(?:P\s*\.?\s*[O0]\.?\s*Box\b|\d+\s+\w|Attn\b|Suite\b|[A-Z][\w&'.,-]*(?:\s+[\w&'.,:-]+){0,8})"
)
# A line may end with an abbreviation's stop ("Brightfield Vision Benefits, Inc.").
_ABBREVIATED = re.compile(r"\b(?:Inc|Co|Corp|Ltd|Dept|St|Ave|Rd|Blvd|Ste)\.$")
_MAX_ADDRESS_LINES = 5
# One run-on address: parts joined by commas, a PO box or street number among them, ending in
# a state and ZIP ("..., PO Box 26015, Akron, OH 44319-6015").
_ZIP_END = re.compile(r",?\s+[A-Z]{2}\s+\d{5}(?:-\d{4})?\b")
_BOX_OR_STREET = re.compile(r"\bP\.?\s*O\.?\s*Box\b|(?:^|,\s*)\d+\s+[A-Z]", re.I)
_MAX_INLINE = 220


def blocks(text: str) -> list[tuple[int, int, list[tuple[int, int]]]]:
    """Postal address blocks: up to five short lines ending in a 'City, ST 12345' line."""
    lines: list[tuple[int, int]] = []
    pos = 0
    for line in text.split("\n"):
        lines.append((pos, pos + len(line)))
        pos += len(line) + 1
    out = []
    for i, (a, b) in enumerate(lines):
        if not _CITY_LINE.match(text[a:b].strip()):
            continue
        parts = [(a, b)]
        for j in range(i - 1, max(i - _MAX_ADDRESS_LINES, -1), -1):
            s = text[lines[j][0] : lines[j][1]].strip()
            ends = s.endswith((":", ".")) and not _ABBREVIATED.search(s)
            if not s or ends or len(s) > 60 or not _ADDRESS_PART.match(s):
                break
            if re.search(r"\bto\s*:?\s*$|\bwrite\s+to\b", s, re.I):
                break
            parts.insert(0, lines[j])
        out.append((parts[0][0], b, parts))
    return out


def trimmed(text: str, a: int, b: int) -> tuple[int, int]:
    seg = text[a:b]
    return a + len(seg) - len(seg.lstrip()), a + len(seg.rstrip())


def inline_after(text: str, pos: int) -> tuple[str, int, int] | None:
    """(one-line address, start, end) of a run-on address starting at `pos`, if one does."""
    window = text[pos : pos + _MAX_INLINE]
    window = re.split(r"\n[ \t]*\n|\|", window)[0]  # a paragraph or a table cell
    zip_end = _ZIP_END.search(window)
    if not zip_end:
        return None
    raw = window[: zip_end.end()]
    lead = len(raw) - len(re.sub(r"^[\s:?]*(?:(?:is|are)\s+)?", "", raw))
    raw = raw[lead:]
    one_line = " ".join(raw.split())
    parts = [p.strip() for p in one_line.split(",")]
    if not _BOX_OR_STREET.search(one_line) or not 3 <= len(parts) <= 8 or not raw[:1].isupper():
        return None
    return ", ".join(parts), pos + lead, pos + lead + len(raw)
