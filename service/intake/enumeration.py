"""What every reader of enumerated criteria shares: the list markers, an item's trimmed span,
the lead-in before a list, whether all or any of the items must hold, and what is boilerplate.

The readers themselves are in denial_criteria.py (lists with markers: bullets, numbers,
letters, ordinal words, semicolons, "either ... or") and unmarked_lists.py (comma series and
table columns).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from service.intake.appeal_rights import notice

# Bullets as letters print them, numbers and letters with a stop or a bracket, roman numerals.
BULLETS = "•*·▪◦o\\-–—›»▸►‣⁃○●■➢➤"
MARK = rf"(?:[{BULLETS}]|\(?\d{{1,2}}[.)]|\(?[A-Za-z][.)]|\(?[ivx]{{1,4}}[.)])"
LINE_ITEM = re.compile(rf"^(?P<ind>[ \t]*)(?P<m>{MARK})[ \t]+(?=\S)")
JOINER = re.compile(r"(?:[;,]\s*(?:and|or)|\s+(?:and|or)|[;,:])\s*$", re.I)
_HEADING = re.compile(r"^[^a-z]{3,80}$")
_BOILER_HEADING = re.compile(
    r"APPEAL|RIGHTS|HOW\s+TO|QUESTION|HELP|WHAT\s+IF|WHO\s+MAY|GRIEVANCE|HEARING|LANGUAGE"
    r"|DISCRIMINAT|WHAT\s+HAPPENS|NOTES?\s+FOR|CODES?\s+MEAN",
    re.I,
)
_ROMAN = ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x"]
# Ordinal words that mark items in running text ("first, A; second, B").
ORDINAL_WORDS = ("first", "second", "third", "fourth", "fifth", "sixth")
CUE = re.compile(
    r"\b(?:following|these|criteria|when|if|unless|requires?|show|documents?|only|applies"
    r"|at\s+least|must|covered|need|requirements?)\b",
    re.I,
)


@dataclass
class Enumeration:
    """Criteria spans (in order) and how they combine."""

    items: list[tuple[int, int]] = field(default_factory=list)
    logic: str | None = None
    start: int = 0
    texts: list[str] | None = None  # each item's words, when its span holds other cells too


def ordinal(marker: str) -> tuple[str, int] | None:
    """('digit'|'alpha'|'roman'|'word', position) of a list marker; None for bullets."""
    core = marker.strip("().,")
    if core.lower() in ORDINAL_WORDS:
        return "word", ORDINAL_WORDS.index(core.lower()) + 1
    if core.isdigit():
        return "digit", int(core)
    if core in _ROMAN and core not in ("v", "x"):
        return "roman", _ROMAN.index(core) + 1
    if len(core) == 1 and core.isalpha() and core != "o":
        return "alpha", ord(core.lower()) - ord("a") + 1
    return None


def trim_item(text: str, a: int, b: int) -> tuple[int, int]:
    seg = text[a:b]
    seg = seg.rstrip()
    while (cut := JOINER.sub("", seg).rstrip()) != seg:
        seg = cut
    lead = len(seg) - len(seg.lstrip())
    return a + lead, a + len(seg)


def logic_of(intro: str, items: list[str]) -> str | None:
    """'all' or 'any' from the lead-in's words, else from the joiner before the last item."""
    if len(items) < 2:
        return None
    if notice("any_of").search(intro):
        return "any"
    if notice("all_of").search(intro):
        return "all"
    joint = items[-2].strip()[-6:] + " " + items[-1].strip()[:4]
    return "any" if re.search(r"\bor\b", joint, re.I) else "all"


def is_boiler(text: str) -> bool:
    return bool(notice("boilerplate").search(text))


def heading_above(text: str, pos: int) -> str:
    for line in reversed(text[:pos].split("\n")[-30:]):
        s = line.strip()
        if s and _HEADING.match(s) and any(c.isalpha() for c in s):
            return s
    return ""


def intro_before(text: str, pos: int) -> str:
    before = text[max(0, pos - 300) : pos].rstrip()  # a blank line may part it from its list
    cut = max(before.rfind(". "), before.rfind("\n\n"), before.rfind(".\n"))
    return " ".join(before[cut + 1 :].split())


def acceptable(text: str, start: int, intro: str, items: list[str]) -> bool:
    if len(items) < 2 or _BOILER_HEADING.search(heading_above(text, start)):
        return False
    if is_boiler(intro) or any(is_boiler(i) for i in items):
        return False
    return bool(CUE.search(intro))
