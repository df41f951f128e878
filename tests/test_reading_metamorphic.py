"""The same denial written nine other ways reads the same.

Each base letter below is the team's own; the rewrites are made by code: labels renamed to
their synonyms, header fields reordered, the text wrapped at a narrow width, OCR's 0/O and
1/l confusions put into the prose, the whole letter in capitals, dates in other forms ("6th
of May, 2025", "2025.05.20", "Aug-21-25"), identifiers with their label after the value,
a page break (footer, letterhead, running header) inside the criteria, and the patient
printed surname first. The extraction (ids, dates, codes, parties, criteria and their logic,
deadline) must not change.
"""

from __future__ import annotations

import re
import textwrap

import pytest

from service.intake.denial_text import parse_denial_text
from service.models import Denial
from service.triage import triage

# One unwrapped paragraph, as a paste from a web portal often arrives.
PARAGRAPH = (
    "We reviewed the request for an MRI of your lower back. We cannot approve it. The plan "
    "covers this MRI when the records show all of the following: 1) six weeks of physical "
    "therapy or a home exercise program that did not help, 2) a neurologic deficit found on "
    "examination, and 3) plain x-rays of the lumbar spine taken first. The notes we received "
    "do not show these."
)

BASES = {
    "prior-auth": f"""\
Pinecrest Valley Health Plan
PO Box 40211, Dayton, OH 45401-0211

Notice date: 05/06/2025
Member ID: PVH-220318-07
Patient name: Marisol Quenneville
Reference number: PA-25-0502-1187
Requested date of service: 05/20/2025
Service requested: MRI of the lumbar spine without contrast (CPT 72148)
Diagnosis: M54.16 Radiculopathy, lumbar region

{PARAGRAPH}

You may appeal within 180 days of the date of this notice. Send your appeal to:
Pinecrest Valley Health Plan
Appeals Department
PO Box 40277
Dayton, OH 45401-0277
Fax: 1-937-555-0142
We will decide your appeal within 30 days.
""",
    "claim": """\
Harrow Lake Mutual Insurance
Claims Review Unit

Statement date: 09/12/2025
Member ID: HLM-5510-2281
Patient name: Thaddeus Okonkwo-Bell
Claim number: 25-240-771903
Date of service: 08/21/2025
Services: knee injection (20610); hyaluronan injection, per dose (J7321)
Diagnosis: M17.11 Unilateral primary osteoarthritis, right knee
Denial code: CO-50

We denied the hyaluronan injection. The plan covers it only when one of the following applies:
  - the member tried a steroid injection into the same knee without relief
  - the member cannot take steroid injections for a medical reason
The records do not show either.

You have 120 days from the date of this statement to file an appeal. Mail it to:
Harrow Lake Mutual Insurance
Member Appeals
PO Box 61820
Lansing, MI 48909-1820
Fax: 1-517-555-0181
""",
}

# Each label and a synonym a payer might print instead.
SYNONYMS = {
    "Notice date": "Date of notice",
    "Statement date": "Date of this notice",
    "Member ID": "Subscriber #",
    "Patient name": "Enrollee name",
    "Reference number": "Case #",
    "Requested date of service": "Planned date",
    "Claim number": "Claim #",
    "Date of service": "DOS",
    "Service requested": "Procedure requested",
    "Services": "Service",
}


def renamed(text: str) -> str:
    for label, synonym in SYNONYMS.items():
        text = re.sub(rf"(?m)^{re.escape(label)}:", f"{synonym}:", text)
    return text


def reordered(text: str) -> str:
    """The letter's labelled header block (its first run of 'Label: value' lines) reversed."""
    lines = text.split("\n")
    labelled = [bool(re.match(r"^[A-Z][\w ()]+: \S", line)) for line in lines]
    start = labelled.index(True)
    end = next((i for i in range(start, len(lines)) if not labelled[i]), len(lines))
    header = list(range(start, end))
    block = [lines[i] for i in header]
    for i, line in zip(header, reversed(block), strict=True):
        lines[i] = line
    return "\n".join(lines)


def wrapped(text: str) -> str:
    """Every paragraph rewrapped at 38 columns, list items with a hanging indent."""
    out = []
    for line in text.split("\n"):
        bullet = re.match(r"^(\s*[-*•]\s+)", line)
        if len(line) <= 38:
            out.append(line)
        elif bullet:
            out += textwrap.wrap(line, 38, subsequent_indent=" " * len(bullet.group(1)))
        else:
            out += textwrap.wrap(line, 38)
    return "\n".join(out)


def ocr_noise(text: str) -> str:
    """O for 0 in dates, 1 for l inside prose words (not in ids or codes)."""
    text = re.sub(r"(?<=\d)0(?=/)", "O", text)  # 05/06 -> 05/O6 style damage in dates
    return re.sub(r"\b([a-z]{3,})l([a-z]{2,})\b", r"\g<1>1\g<2>", text)


def upper(text: str) -> str:
    return text.upper()


_MONTHS = "January February March April May June July August September October November December"


def other_dates(text: str) -> str:
    """Every MM/DD/YYYY date written another way: day first in words, ISO with dots, or
    Mon-DD-YY, in turn."""
    forms = [
        lambda d, m, y: f"{d}{_ordinal(d)} of {_MONTHS.split()[m - 1]}, {y}",
        lambda d, m, y: f"{y}.{m:02d}.{d:02d}",
        lambda d, m, y: f"{_MONTHS.split()[m - 1][:3]}-{d:02d}-{y % 100:02d}",
    ]
    count = iter(range(100))

    def rewrite(m: re.Match[str]) -> str:
        form = forms[next(count) % len(forms)]
        return form(int(m[2]), int(m[1]), int(m[3]))

    return re.sub(r"\b(\d{2})/(\d{2})/(\d{4})\b", rewrite, text)


def _ordinal(day: int) -> str:
    return "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")


def labels_after(text: str) -> str:
    """Identifier lines printed value first, label after in parentheses ('X (member ID)')."""
    return re.sub(
        r"(?m)^(Member ID|Claim number|Reference number): (\S+)$",
        lambda m: f"  {m[2]} (your {m[1].lower()})",
        text,
    )


def page_break(text: str) -> str:
    """A page's footer, the letterhead again and a running header put inside the criteria."""
    lines = text.split("\n")
    at = next(i for i, line in enumerate(lines) if re.search(r"(?:^\s*-|\b1\))\s", line))
    bullet = re.match(r"\s*-\s+", lines[at])
    hang = bullet.end() if bullet else 0  # a wrapped bullet hangs under its text
    lines[at : at + 1] = textwrap.wrap(lines[at], 60, subsequent_indent=" " * hang)
    name = next(line.split(": ", 1)[1] for line in lines if line.startswith("Patient name:"))
    furniture = [
        "",
        "FORM UM-17 (rev. 2024)                                              Page 1 of 2",
        lines[0],
        "",
        f"{name} | continued | Page 2 of 2",
        "",
    ]
    return "\n".join(lines[: at + 1] + furniture + lines[at + 1 :])


def surname_first(text: str) -> str:
    """The patient's name printed surname first in capitals ('QUENNEVILLE, MARISOL')."""
    return re.sub(
        r"(?m)^Patient name: (\w+) ([\w-]+)$",
        lambda m: f"Patient name: {m[2].upper()}, {m[1].upper()}",
        text,
    )


REWRITES = {
    "renamed": renamed,
    "reordered": reordered,
    "wrapped": wrapped,
    "ocr": ocr_noise,
    "upper": upper,
    "dates": other_dates,
    "labels_after": labels_after,
    "page_break": page_break,
    "surname_first": surname_first,
}


def extraction(d: Denial) -> dict:
    """What must not change: identifiers, dates, codes, parties, criteria, deadline."""
    norm = lambda s: " ".join(str(s).split()).casefold() if s else s  # noqa: E731
    return {
        "payer": norm(d.payer),
        "member_id": d.member_id,
        "patient_name": norm(d.patient_name),
        "claim_number": d.claim_number,
        "reference_number": d.reference_number,
        "denial_date": d.denial_date,
        "dates_of_service": d.dates_of_service,
        "service_codes": sorted(d.service_codes),
        "diagnosis_codes": sorted(x.code for x in d.diagnosis_codes),
        "carc_codes": d.carc_codes,
        "criteria": [norm(c.text) for c in d.stated_criteria],
        "criteria_logic": d.criteria_logic,
        "deadline_days": d.appeal_instructions.deadline_days,
        "appeal_fax": d.appeal_instructions.fax,
        "appeal_address": norm(d.appeal_instructions.address),
        "category": triage(d).category,
    }


@pytest.mark.parametrize("base", sorted(BASES))
def test_the_base_letters_read_as_a_careful_reader_reads_them(base):
    got = extraction(parse_denial_text(BASES[base]))
    assert got["member_id"] and got["denial_date"] and got["service_codes"]
    assert len(got["criteria"]) in (2, 3) and got["criteria_logic"] in ("all", "any")
    assert got["deadline_days"] in (120, 180) and got["appeal_fax"]


@pytest.mark.parametrize("rewrite", sorted(REWRITES))
@pytest.mark.parametrize("base", sorted(BASES))
def test_a_rewritten_letter_reads_the_same(base, rewrite):
    text = BASES[base]
    changed = REWRITES[rewrite](text)
    assert changed != text
    assert extraction(parse_denial_text(changed)) == extraction(parse_denial_text(text))
