"""What a letter says in its sentences rather than its fields: who it is to (the salutation
and the addressee block) and when and by whom the service was given ("provided to you by
Summit County Ambulance Service on 05/29/2025", "the surgeon who would do the implant, Dr.
... , had scheduled it for August 12, 2025"). Read only where no field gave the value; the
cue words are data (data/notice_phrases.yaml).
"""

from __future__ import annotations

import re

from service.intake import codes
from service.intake.appeal_rights import notice
from service.intake.dates import DATE_RE, RANGE_RE, parse_date
from service.intake.denial_prose import Draft
from service.intake.names import CREDENTIALS


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_DEAR = re.compile(r"^\s*Dear\s+(?:Mr|Mrs|Ms|Miss|Mx)\.?\s+(?P<last>[A-Z][\w'-]+)", re.M)
# "Dear Priyanka Raghunathan,": the whole name, no title, no credential.
_DEAR_FULL = re.compile(r"^\s*Dear\s+(?P<n>[A-Z][\w'’-]+(?:\s[A-Z][\w'’.-]*){1,3})\s*[,:]", re.M)
# "Dear Valued Member,", "Dear Health Care Provider,": a role, not a name.
_ROLES = _words(
    "member members customer provider providers patient valued subscriber enrollee beneficiary "
    "sir madam colleague colleagues friend physician doctor team office health care"
)
_STREET = re.compile(r"^[ \t]*\d+[A-Z]?\s+(?:[NSEW]\.?\s+)?[A-Z0-9][\w.' -]*$")
_CITY = re.compile(r"^[ \t]*[A-Za-z .'-]+,?\s+[A-Z]{2}\s+\d{5}(?:-\d{4})?[ \t]*$")
_NAME_LINE = re.compile(
    r"^[ \t]*(?:(?:Mr|Mrs|Ms|Miss|Mx)\.?\s+)?(?P<n>[A-Z][a-z'.-]+(?:\s[A-Z][\w'.-]*){1,3})[ \t]*$",
    re.M,
)


def patient_from_letter(d: Draft) -> None:
    """A letter to the patient names them: the addressee line the salutation agrees with, the
    name printed alone just above the member id, the whole name in the salutation, or the
    name heading the addressee's postal block."""
    if "patient_name" in d.values:
        return
    dear = _DEAR.search(d.text)
    for m in _NAME_LINE.finditer(d.text[: dear.start() if dear else 1500]):
        name = m["n"]
        nxt = d.text[m.end() : m.end() + 120].lstrip("\n")
        if dear and name.split()[-1] == dear["last"]:
            d.put("patient_name", name, m.start("n"), m.end("n"))
            return
        if not dear and re.match(
            r"(?i)[^\n]*\b(?:member|id|medicare)\b[^\n]*(?:id|number)\s*[:#]", nxt
        ):
            d.put("patient_name", name, m.start("n"), m.end("n"))
            return
    full = _DEAR_FULL.search(d.text)
    words = full["n"].split() if full else []
    if full and not any(w.upper().strip(".") in CREDENTIALS or w.lower() in _ROLES for w in words):
        d.put("patient_name", full["n"], full.start("n"), full.end("n"))
        return
    _addressee(d)


def _addressee(d: Draft) -> None:
    """'Name / 2291 Portage Trail / Cuyahoga Falls, OH 44223' near the head of the letter."""
    lines = d.text[:1500].split("\n")
    pos = 0
    for i, line in enumerate(lines[:-2]):
        m = _NAME_LINE.match(line)
        if m and _STREET.match(lines[i + 1]) and _CITY.match(lines[i + 2]):
            d.put("patient_name", m["n"], pos + m.start("n"), pos + m.end("n"))
            return
        pos += len(line) + 1


def service_from_sentences(d: Draft, sentences: list[tuple[int, int]]) -> None:
    """When and by whom the service was given, from the letter's sentences."""
    _span_range_dates(d, sentences)
    if not d.values.get("dates_of_service"):
        _cued_date(d)
    if "rendering_provider" not in d.values:
        _performer(d, sentences)


def _cued_date(d: Draft) -> None:
    """'planned for the 17th of March, 2025', 'provided to you by X on 05/29/2025'."""
    for cue in notice("service_date").finditer(d.text):
        m = _DATE_AFTER.match(d.text, cue.end())
        day = parse_date(m["d"], d.today) if m else None
        if m and day:
            d.add_date_of_service(day, m.start("d"), m.end("d"))
            return


_DATE_AFTER = re.compile(rf"\s*(?P<d>{DATE_RE.pattern})", re.I)
_DR = re.compile(r"\bDr\.?\s+(?P<n>[A-Z][\w'’-]+(?:\s+[A-Z]\.)?(?:\s+[A-Z][\w'’-]+){1,2})")
_BY_ORG = re.compile(
    r"\bby\s+(?P<n>[A-Z][\w&'’.-]*(?:\s+(?:[A-Z][\w&'’.-]*|&|of)){1,6})(?=\s+(?:on|in|at)\b|[,.])"
)


def _performer(d: Draft, sentences: list[tuple[int, int]]) -> None:
    """The one said to have given the service: 'Dr. Name' or 'provided ... by <Org>' in a
    sentence about performing it, never in one about asking for it."""
    for a, b in sentences:
        s = " ".join(d.text[a:b].split())
        if not notice("performed_service").search(s) or notice("asked_for_service").search(s):
            continue
        m = _DR.search(d.text, a, b) or _BY_ORG.search(d.text, a, b)
        if m:
            name = " ".join(m["n"].split())
            d.put("rendering_provider", name, m.start("n"), m.end("n"))
            return


def _span_range_dates(d: Draft, sentences: list[tuple[int, int]]) -> None:
    """A service's requested span ('... (T1019) from 07/14/2025 through 01/13/2026')."""
    if d.values.get("dates_of_service"):
        return
    for a, b in sentences:
        s = d.text[a:b]
        r = RANGE_RE.search(s)
        if r and codes.find_procedure_codes(s) and re.search(r"\bfrom\s*$", s[: r.start()]):
            for part in ("a", "b"):
                day = parse_date(r[part], d.today)
                if day:
                    d.add_date_of_service(day, a + r.start(part), a + r.end(part))
            return
