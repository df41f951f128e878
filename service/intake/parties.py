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
from service.intake.appeal_rights import notice
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
    "blue cross shield medical "
    # a corporate suffix makes any name an organisation's ("Cardinal Peak Specialty Review, LLC")
    "llc inc corp ltd pllc llp l.l.c"
)
_NAME_WORD = r"(?:[A-Z][\w&'.-]*|&|of|and|the|for|de)"
_GAP = r"(?:[ \t]+|[ \t]*\n[ \t]*)"  # a name may wrap onto the next line
# A corporate suffix stays with the name as printed ("Brightfield Vision Benefits, Inc.").
_SUFFIX = r"(?:,[ ](?i:inc|llc|l\.l\.c|corp|ltd|pllc|p\.c|lp|llp)\b\.?)"
_ORG = rf"{_NAME_WORD}(?:{_GAP}{_NAME_WORD}){{1,7}}{_SUFFIX}?"
_ORG_RE = re.compile(rf"{_NAME_WORD}(?:[ ]{_NAME_WORD}){{1,7}}{_SUFFIX}?")
_BEHALF = re.compile(rf"\b(?i:on{_GAP}behalf{_GAP}of{_GAP})(?:(?i:the){_GAP})?(?P<org>{_ORG})")
# The vendor that says it acts for the plan: "Northlight Behavioral Health manages ... on
# behalf of Halcyon Lakes Health Plan" (the sentence's subject).
_ACTS_FOR = re.compile(
    rf"(?:^|(?<=[.!?] )|(?<=\n))[ \t]*(?P<org>{_ORG}),?{_GAP}(?:[\w'-]+{_GAP}){{1,9}}?"
    rf"(?i:on{_GAP}behalf{_GAP}of)\b"
)
_INSURED_BY = re.compile(rf"\binsured{_GAP}by{_GAP}(?P<org>{_ORG})")
_SKIP_LINE = re.compile(
    r"\[[^\]]*\]|█|^\W*$|\bFAX\b.*\b(?:FROM|TO|P\.?\s*\d)|^(?:IMPORTANT|NOTICE|RE)\b|:",
    re.I,
)
# The plan naming itself: 'Wren Harbor Dual Complete (HMO D-SNP) is called "our plan"'.
_SELF = re.compile(
    rf"(?P<org>{_NAME_WORD}(?:[ ]{_NAME_WORD}){{1,7}})\s*(?:\([^)]*\)\s*)?is\s+(?:called|referred"
    r"\s+to\s+as)\s+[\"“']?(?:our\s+plan|the\s+plan|we)\b"
)
_TAIL = re.compile(r"\s*(?:\([^)]*\)|[-–—·|]\s.*)$")
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


def is_org_name(text: str) -> bool:
    """True when the whole text reads as an organisation's name ("Harrow Valley Health Plan")."""
    name = _clean(text)
    return bool(name) and bool(_ORG_RE.fullmatch(name)) and _is_org(name)


_SENTENCE_END = re.compile(r"(?<!\b(?:Co|St|Mt|Dr))(?<!\b(?:Inc|Ltd))(?<!\bCorp)\.\s.*$", re.S)


def _org(text: str, m: re.Match[str]) -> str:
    """The organisation a match names; wrapped onto the next line only in running prose (an
    address line, "PO Box 61790", is not more of the name)."""
    name = m["org"]
    first, wrapped, _ = name.partition("\n")
    if wrapped and re.match(r"[ \t]*\d", text[m.end("org") :]):
        name = first
    return _clean(name)


def _clean(name: str) -> str:
    name = _SENTENCE_END.sub(".", name)  # "Casualty Company. A board-certified ..." ends at "."
    name = " ".join(name.split()).strip(" ,;:")
    while (cut := _TAIL.sub("", name)) != name:
        name = cut
    return name.rstrip(" ,;:") if re.search(r"\b(?i:inc|co|corp|ltd)\.$", name) else name.strip(".")


def _word_display(word: str, text: str) -> str | None:
    """The word as the letter writes it in mixed case somewhere, or None when it never does."""
    core = word.strip(",.")
    for m in re.finditer(rf"\b{re.escape(core)}\b", text, re.I) if core else ():
        if not m.group().isupper():
            return word.replace(core, m.group())
    return None


def display_name(name: str, text: str) -> str:
    """A name printed in capitals takes the mixed-case form the letter uses elsewhere: the
    whole name's, else each word's (capitalised where the letter has none; acronyms kept)."""
    if not name.isupper():
        return name
    m = re.search(r"\b" + r"\s+".join(map(re.escape, name.split())) + r"\b", text, re.I)
    while m:
        if not m.group().isupper():
            return " ".join(m.group().split())
        m = re.compile(m.re.pattern, re.I).search(text, m.end())
    words = name.split()
    found = [_word_display(w, text) for w in words]
    if not any(found):
        return name  # a letter all in capitals: the name as printed
    return " ".join(
        f or (w if len(w.strip(",.")) <= 3 else w.capitalize())
        for f, w in zip(found, words, strict=True)
    )


def letterhead_org(text: str) -> tuple[str, int] | None:
    """The organisation printed at the head of the letter, with its offset."""
    seen = 0
    pos = 0
    for line in text.split("\n"):
        start, pos = pos, pos + len(line) + 1
        cell = re.split(r" {3,}|\t", line.strip())[0].strip("*_ ")  # Markdown emphasis
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


# An employer's name: capitalised words, "&" and "of", and a corporate suffix.
_EMPLOYER_NAME = re.compile(
    rf"[A-Z][\w'.-]*(?:[ ](?:[A-Z][\w'.-]*|&|of))*(?:{_SUFFIX}|,[ ](?i:co)\b\.?)?"
)
_PRODUCT_WORDS = re.compile(r"(?i)\b(?:individual|bronze|silver|gold|platinum|exchange)\b")


def _employer_name(value: str) -> str | None:
    m = _EMPLOYER_NAME.match(value.strip())
    name = m.group().rstrip(" ,;") if m else ""
    if len(name.split()) < 2 or _PRODUCT_WORDS.search(name) or not re.search(r"[a-z]", name):
        return None if not name.isupper() or len(name.split()) < 2 else name
    return name


def _employer(text: str, values: list[Labelled]) -> tuple[str, int] | None:
    """The employer: labelled, a name under "Group:", "sponsored by" it, or "through" it in
    the plan's own line ("Plan: Open Access, through Pemberton Analytics, LLC")."""
    for v in values:
        if v.field == "employer_group":
            name = re.split(r"\s*\(", v.value)[0].strip(" ,;")
            if name and not _PRODUCT_WORDS.search(name):
                return name, v.start
    for v in values:
        through = re.search(r"(?i),?\s+through\s+", v.value) if v.field == "plan_name" else None
        value = v.value[through.end() :] if through else v.value
        if v.field == "group_number":  # "Grp: 004471 ALDERWOOD SCHOOLS": number, then name
            value = re.sub(r"^[A-Z0-9-]*\d[A-Z0-9-]*[ \t]+", "", value)
        if (through or v.field == "group_number") and (name := _employer_name(value)):
            return name, v.start + len(v.value) - len(value)
    for m in notice("employer_of").finditer(text):
        rest = text[m.end() :]
        name = _employer_name(rest)
        if name:
            return name, m.end() + len(rest) - len(rest.lstrip())
    return None


def _span(start: int, name: str) -> Span:
    return Span(start=start, end=start + len(name))


def _vendor_and_plan(
    text: str, head: tuple[str, int] | None, out: Parties
) -> tuple[str, int] | None:
    """The plan a vendor writes "on behalf of", and the vendor: the sentence's subject, else
    the letterhead when it names someone else."""
    behalf = _BEHALF.search(text)
    if not behalf or not _is_org(_org(text, behalf)):
        return None
    plan = (_org(text, behalf), behalf.start("org"))
    acts = _ACTS_FOR.search(text)
    vendor = (_org(text, acts), acts.start("org")) if acts and _is_org(_org(text, acts)) else None
    if vendor and head and head[0].lower().startswith(vendor[0].lower()):
        vendor = head  # the letterhead's fuller name ("..., LLC")
    vendor = vendor or head
    if vendor and vendor[0].lower() != plan[0].lower():
        out.reviewer, out.reviewer_span = display_name(vendor[0], text), _span(vendor[1], vendor[0])
    return plan


def read_parties(
    text: str, values: list[Labelled], address: tuple[str, int] | None = None
) -> Parties:
    """The plan, the vendor acting for it and the employer group named in a denial.

    `address` is the first line of the plan's appeals address and its offset, when known.
    """
    out = Parties()
    head = letterhead_org(text)
    found: tuple[str, int] | None = None
    if (me := _SELF.search(text)) and _is_org(_clean(me["org"])):
        found = (_clean(me["org"]), me.start("org"))
    found = found or _vendor_and_plan(text, head, out) or _labelled_payer(values)
    insured = _INSURED_BY.search(text)
    if not found and insured and _is_org(_org(text, insured)):
        found = (_org(text, insured), insured.start("org"))
    vendor = payers.find_in_directory(text, "reviewer")
    if not found and head and not (vendor and vendor[1].start <= head[1] + len(head[0])):
        found = head
    if not found and address and _is_org(address[0]) and not head:
        found = address
    found = found or _signed_off_by(text)
    found = found or _from_directory(text, out)
    entry = payers.find_in_directory(found[0], "payer") if found else None
    if entry and entry[1].start == 0 and not out.payer:
        out.payer = entry[0].name  # a directory payer keeps its own name ("Anthem Blue Cross")
    if found:
        out.payer = out.payer or display_name(found[0], text)
        out.payer_span = _span(found[1], found[0])
    if vendor and not out.reviewer:
        out.reviewer, out.reviewer_span = vendor[0].name, vendor[1]
    if emp := _employer(text, values):
        out.employer, out.employer_span = emp[0], _span(emp[1], emp[0])
    return out


_CLOSING = re.compile(
    r"(?im)^[ \t]*(?:sincerely|regards|respectfully|best\s+regards|thank\s+you)\b[^\n]*$"
)


def _signed_off_by(text: str) -> tuple[str, int] | None:
    """The organisation a letter signs off with (a line or a few under "Sincerely,")."""
    for close in _CLOSING.finditer(text):
        pos = close.end()
        for line in text[pos:].split("\n")[:6]:
            name = _clean(line)
            if _ORG_RE.fullmatch(name) and _is_org(name):
                return name, pos + line.find(name.split()[0])
            pos += len(line) + 1
    return None


def _from_directory(text: str, out: Parties) -> tuple[str, int] | None:
    """A payer the directory knows, named anywhere; government programs last."""
    for kind in ("payer", "government"):
        known = payers.find_in_directory(text, kind)
        if known:
            out.payer = known[0].name
            return text[known[1].start : known[1].end], known[1].start
    return None
