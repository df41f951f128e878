"""Who sent the denial: the plan, the review vendor acting for it, and the employer group.

Read from the letter itself before any list: a vendor writes "on behalf of" the plan; a plan
prints its name in the letterhead, labels it ("Health plan:"), names it in the appeals
address and signs off with it. The payer directory (payers.py) adds ids and recognises the
well-known names; it is consulted, never required.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from service.intake import payers
from service.intake.labels import Labelled
from service.models import Span


def _words(text: str) -> frozenset[str]:
    """The space-separated words of text, as a set (keeps word tables short)."""
    return frozenset(text.split())


# Words that end or fill an organisation's name ("Health Plan", "Mutual Insurance Company").
_ORG_WORDS = _words(
    "health plan plans insurance mutual cooperative co-op alliance partners care healthcare "
    "company rx benefit benefits services management administrators medicare medicaid assurance "
    "network solutions complete hmo ppo mutual-health life group foundation trust association "
    "blue cross shield medical"
)
_NAME_WORD = r"(?:[A-Z][\w&'.-]*|&|of|and|the|for|de)"
_ORG_RE = re.compile(rf"{_NAME_WORD}(?:[ ]{_NAME_WORD}){{1,7}}")
_BEHALF = re.compile(
    rf"\bon\s+behalf\s+of\s+(?:the\s+)?(?P<org>{_NAME_WORD}(?:[ ]{_NAME_WORD}){{1,7}})"
)
_INSURED_BY = re.compile(rf"\binsured\s+by\s+(?P<org>{_NAME_WORD}(?:[ ]{_NAME_WORD}){{1,7}})")
_SKIP_LINE = re.compile(
    r"\[[^\]]*\]|█|^\W*$|\bFAX\b.*\b(?:FROM|TO|P\.?\s*\d)|^(?:IMPORTANT|NOTICE|RE)\b|:",
    re.I,
)
# The plan naming itself: 'Wren Harbor Dual Complete (HMO D-SNP) is called "our plan"'.
_SELF = re.compile(
    rf"(?P<org>{_NAME_WORD}(?:[ ]{_NAME_WORD}){{1,7}})\s*(?:\([^)]*\)\s*)?is\s+(?:called|referred"
    r"\s+to\s+as)\s+[\"“']?(?:our\s+plan|the\s+plan|we)\b"
)
_TAIL = re.compile(r"\s*(?:\([^)]*\)|-\s.*|,\s*(?:Inc|LLC|L\.L\.C)\.?)$")
_LETTERHEAD_LINES = 8


@dataclass
class Parties:
    """The plan, its vendor and the employer, each with where it was read."""

    payer: str | None = None
    payer_span: Span | None = None
    reviewer: str | None = None
    reviewer_span: Span | None = None
    employer: str | None = None
    employer_span: Span | None = None


# A heading naming the document ("Medicare Summary Notice", "Explanation of Benefits").
_DOCUMENT_WORDS = _words(
    "notice summary explanation letter statement determination details about denied denial "
    "decision important your our this information appeal appeals rights request coverage "
    "department unit dear re attn"
)


def _is_org(name: str) -> bool:
    words = [w.lower().strip(".,") for w in name.split()]
    if any(w in _DOCUMENT_WORDS for w in words):
        return False
    return 2 <= len(words) <= 8 and any(w in _ORG_WORDS for w in words)


def _clean(name: str) -> str:
    name = " ".join(name.split()).strip(" ,.;:")
    while (cut := _TAIL.sub("", name)) != name:
        name = cut
    return name


def _display(name: str, text: str) -> str:
    """A name printed in capitals takes the mixed-case form the letter uses elsewhere."""
    if not name.isupper():
        return name
    m = re.search(r"\b" + r"\s+".join(map(re.escape, name.split())) + r"\b", text, re.I)
    while m:
        if not m.group().isupper():
            return " ".join(m.group().split())
        m = re.compile(m.re.pattern, re.I).search(text, m.end())
    return name


def letterhead_org(text: str) -> tuple[str, int] | None:
    """The organisation printed at the head of the letter, with its offset."""
    seen = 0
    pos = 0
    for line in text.split("\n"):
        start, pos = pos, pos + len(line) + 1
        cell = re.split(r" {3,}|\t", line.strip())[0]
        if not cell or _SKIP_LINE.search(cell):
            continue
        seen += 1
        if seen > _LETTERHEAD_LINES:
            return None
        m = _ORG_RE.fullmatch(_clean(cell))
        if m and _is_org(m.group()):
            return m.group(), start + line.find(cell)
    return None


def _labelled_payer(values: list[Labelled]) -> tuple[str, int] | None:
    for v in values:
        if v.field == "payer" and _is_org(_clean(v.value)):
            return _clean(v.value), v.start
    return None


def _employer(values: list[Labelled]) -> tuple[str, int] | None:
    for v in values:
        if v.field == "employer_group":
            name = re.split(r"\s*\(", v.value)[0].strip(" ,;")
            if name and not re.search(r"(?i)\b(?:individual|bronze|silver|gold|platinum)\b", name):
                return name, v.start
    return None


def _span(start: int, name: str) -> Span:
    return Span(start=start, end=start + len(name))


def read_parties(
    text: str, values: list[Labelled], address: tuple[str, int] | None = None
) -> Parties:
    """The plan, the vendor acting for it and the employer group named in a denial.

    `address` is the first line of the plan's appeals address and its offset, when known.
    """
    out = Parties()
    head = letterhead_org(text)
    behalf = _BEHALF.search(text)
    found: tuple[str, int] | None = None
    if (me := _SELF.search(text)) and _is_org(_clean(me["org"])):
        found = (_clean(me["org"]), me.start("org"))
    if not found and behalf and _is_org(_clean(behalf["org"])):
        found = (_clean(behalf["org"]), behalf.start("org"))
        if head and head[0].lower() != found[0].lower():
            out.reviewer, out.reviewer_span = _display(head[0], text), _span(head[1], head[0])
    found = found or _labelled_payer(values)
    insured = _INSURED_BY.search(text)
    if not found and insured and _is_org(_clean(insured["org"])):
        found = (_clean(insured["org"]), insured.start("org"))
    vendor = payers.find_in_directory(text, "reviewer")
    if not found and head and not (vendor and vendor[1].start <= head[1] + len(head[0])):
        found = head
    if not found and address and _is_org(address[0]) and not head:
        found = address
    known = payers.find_in_directory(text, "payer")
    if not found and known:
        found = (text[known[1].start : known[1].end], known[1].start)
        out.payer = known[0].name
    if not found and (gov := payers.find_in_directory(text, "government")):
        found = (text[gov[1].start : gov[1].end], gov[1].start)
        out.payer = gov[0].name
    entry = payers.find_in_directory(found[0], "payer") if found else None
    if entry and entry[1].start == 0 and not out.payer:
        out.payer = entry[0].name  # a directory payer keeps its own name ("Anthem Blue Cross")
    if found:
        out.payer = out.payer or _display(found[0], text)
        out.payer_span = _span(found[1], found[0])
    if vendor and not out.reviewer:
        out.reviewer, out.reviewer_span = vendor[0].name, vendor[1]
    if emp := _employer(values):
        out.employer, out.employer_span = emp[0], _span(emp[1], emp[0])
    return out
