"""The headings payers put a policy's criteria and exclusions under, kept as data.

A section under one of them is cut into one passage per top-level item (corpus.py), and its
items are read back as criteria (criteria.py) and as the document's outline (reader.py). A
heading is compared without its section number or Roman numeral ("I. POLICY", "2.") and its
closing colon; one asked as a question ("When is it covered?") is read by the words in it, and
one not listed by its words ("Coverage Determination Criteria").
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import yaml

HEADINGS_FILE = Path(__file__).with_name("data") / "criteria_headings.yaml"
# "I. ", "IV) ", "A. ", "2. ", "2.1 " before a heading's words
SECTION_NUMBER = re.compile(
    r"^(?:(?:[IVX]{1,5}|[A-Z])[.)]|\d{1,2}(?:\.\d{1,2})*[.)]?)\s+(?=[A-Za-z])"
)


@cache
def _headings() -> dict[str, tuple[str, ...]]:
    raw = yaml.safe_load(HEADINGS_FILE.read_text(encoding="utf-8"))
    return {k: tuple(str(x).lower() for x in v) for k, v in raw.items()}


def bare_heading(heading: str) -> str:
    """A heading as printed without its section number, emphasis and closing colon."""
    h = " ".join(heading.replace("*", "").split()).strip()
    return SECTION_NUMBER.sub("", h).rstrip(":").strip()


def _words(h: str) -> set[str]:
    return set(re.findall(r"[a-z][a-z-]*", h))


def heading_kind(heading: str, by_words: bool = True) -> str | None:
    """'criteria' or 'exclusions' for a heading payers put those under; else None. Without
    `by_words`, only a listed heading counts (a line of text is not a heading for a word)."""
    h = bare_heading(heading).lower()
    if h.endswith("?"):
        for kind in ("exclusions", "criteria"):
            if any(re.search(rf"\b{re.escape(x)}\b", h) for x in _headings()[f"question_{kind}"]):
                return kind
        return None
    for kind in ("criteria", "exclusions"):
        if any(h == x or h.startswith((x + " ", x + ",", x + ":")) for x in _headings()[kind]):
            return kind
    if h in _headings()["criteria_general"]:
        return "criteria"
    if by_words and len(h.split()) <= 6:
        words = _words(h)
        if words & set(_headings()["words_exclusions"]):
            return "exclusions"
        if words & set(_headings()["words_criteria"]):
            return "criteria"
    return None


def is_general(heading: str) -> bool:
    """True for a heading that holds criteria only when no more specific heading does
    ("Policy", "Coverage Policy")."""
    return bare_heading(heading).lower() in _headings()["criteria_general"]


def is_known_section(heading: str, exact: bool = False) -> bool:
    """True for a heading policies print, by name (criteria, exclusions or another section);
    `exact`: only the whole name ("Related Policies", not "Policy Guidelines for ...")."""
    h = bare_heading(heading).lower()
    if not h:
        return False
    if h in _headings()["sections"] or h in _headings()["criteria_general"]:
        return True
    if exact:
        return any(h in _headings()[k] for k in ("criteria", "exclusions"))
    return heading_kind(h, by_words=False) is not None


@cache
def _exclusion_lead_in() -> re.Pattern[str]:
    alts = "|".join(
        r"\s+".join(map(re.escape, x.split())) for x in _headings()["exclusion_lead_ins"]
    )
    return re.compile(rf"\b(?:{alts})\b", re.I)


def opens_exclusions(paragraph: str) -> bool:
    """True for a paragraph that opens what is not covered ("... is unproven and not
    medically necessary for:")."""
    return bool(_exclusion_lead_in().search(paragraph))


def paragraph_at(lines: list[str], start: int) -> str:
    """The paragraph that begins at line `start`, joined into one line (to test what it opens)."""
    out = []
    for line in lines[start:]:
        if not line.strip():
            break
        out.append(line.strip())
    return " ".join(out)
