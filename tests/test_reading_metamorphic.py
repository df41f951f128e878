"""The same denial written five other ways reads the same.

Each base letter below is the team's own; the rewrites are made by code: labels renamed to
their synonyms, header fields reordered, the text wrapped at a narrow width, OCR's 0/O and
1/l confusions put into the prose, and the whole letter in capitals. The extraction (ids,
dates, codes, parties, criteria and their logic, deadline) must not change.
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


REWRITES = {
    "renamed": renamed,
    "reordered": reordered,
    "wrapped": wrapped,
    "ocr": ocr_noise,
    "upper": upper,
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
