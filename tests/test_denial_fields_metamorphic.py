"""Header fields read by label families, however the letter is rewritten.

The base letters print their fields the ways UM vendors, EOBs and plain notices do: a vendor
acting "on behalf of" the plan with its employer sponsor in a wrapped bracket, a group number
followed by the employer's name, two label
pairs on one line ("Participant: ...   Participant ID: ..."), a "#" against its word
("Member#:"), an id after a comma in the name's value ("Member: Emeka Lindahl, ID KVH41..."),
a five-digit reference, an appeal address inside a wrapped sentence that goes on to a fax
number. Rewritten (labels renamed, fields reordered, wrapped, OCR noise, capitals), the
letters must give the same fields.
"""

from __future__ import annotations

import re
import textwrap

import pytest

from service.intake.denial_text import parse_denial_text

BASES = {
    "vendor": """\
Cardinal Peak Specialty Review, LLC
1400 Commerce Parkway, Suite 20550, Brentwood, TN 37027

Utilization review performed on behalf of Hearthstone Health Plan, claims administrator for
the Delvecchio Logistics Employee Health Benefit Plan (plan sponsor: Delvecchio
Logistics, Inc.)

Date of notice: 01/09/2026
Participant: Marisol Okonkwo          Participant ID: HHP-DL-3302187
Case ID: CPS-26-000418
Servicing surgeon: Dr. Anders Villanueva
Planned admission: 01/22/2026
Requested procedure(s): lumbar interbody fusion (22630)

The request is not approved as not medically necessary. To appeal, send a written request
within 180 days of this notice, with any records not yet sent, to Hearthstone Health Plan,
Appeals Department, PO Box 40917, Nashville, TN 37204, or fax it to 615-555-0177.
""",
    "eob": """\
Kittredge Valley Health Insurance Co.
PO Box 97161, Denver CO 80217-9716

Date issued: 11/18/2025
Grp: 004471 ALDERWOOD SCHOOLS
Patient: Emeka J. Lindahl, ID KVH410028813   Member#: KVH410028813
Our reference: 52319
Claim: KV25-319-004471
Dates of service: 10/28/2025
Line 1: 97110 therapeutic exercise, 5 units, billed 325.00, paid 0.00

We denied this claim: the benefit limit has been reached (CARC 119). Submit a
reconsideration within 120 days of this notice to Kittredge Valley Health Insurance Co.,
Reconsiderations, PO Box 97188, Denver CO 80217-9718, or fax 303-555-0190.
""",
}

EXPECTED = {
    "vendor": {
        "payer": "hearthstone health plan",
        "reviewer": "cardinal peak specialty review, llc",
        "employer_group": "delvecchio logistics, inc.",
        "plan_type": "erisa",
        "patient_name": "marisol okonkwo",
        "member_id": "HHP-DL-3302187",
        "reference_number": "CPS-26-000418",
        "claim_number": None,
        "dates_of_service": ["2026-01-22"],
        "denial_date": "2026-01-09",
        "rendering_provider": "anders villanueva",
        "appeal_address": "hearthstone health plan, appeals department, po box 40917, "
        "nashville, tn 37204",
        "deadline_days": 180,
    },
    "eob": {
        "payer": "kittredge valley health insurance co.",
        "reviewer": None,
        "employer_group": "alderwood schools",
        "plan_type": "commercial",  # a school district's plan is governmental, not ERISA
        "patient_name": "emeka j. lindahl",
        "member_id": "KVH410028813",
        "reference_number": "52319",
        "claim_number": "KV25-319-004471",
        "dates_of_service": ["2025-10-28"],
        "denial_date": "2025-11-18",
        "rendering_provider": None,
        "appeal_address": "kittredge valley health insurance co., reconsiderations, po box 97188, "
        "denver co 80217-9718",
        "deadline_days": 120,
    },
}

SYNONYMS = {
    "Participant ID": "Enrollee No.",
    "Participant": "Enrollee",
    "Date of notice": "Notice date",
    "Date issued": "Date of this notice",
    "Case ID": "Case #",
    "Our reference": "Reference #",
    "Claim": "Claim Control #",
    "Servicing surgeon": "Operating surgeon",
    "Planned admission": "Date of surgery",
}


def renamed(text: str) -> str:
    for label, synonym in SYNONYMS.items():
        text = re.sub(rf"(?m)(^|\s{{3,}}){re.escape(label)}:", rf"\g<1>{synonym}:", text)
    return text


def reordered(text: str) -> str:
    """The labelled header block (the first run of 'Label: value' lines) reversed."""
    lines = text.split("\n")
    labelled = [bool(re.match(r"^[A-Z][\w ()#-]+: \S", line)) for line in lines]
    start = labelled.index(True)
    end = next((i for i in range(start, len(lines)) if not labelled[i]), len(lines))
    lines[start:end] = lines[start:end][::-1]
    return "\n".join(lines)


def wrapped(text: str) -> str:
    """The closing paragraph rewrapped at 50 columns."""
    head, _, tail = text.rpartition("\n\n")
    return head + "\n\n" + "\n".join(textwrap.wrap(" ".join(tail.split()), 50)) + "\n"


def ocr_noise(text: str) -> str:
    """1 for l inside prose words, O for 0 at a date's start (not in ids or codes)."""
    text = re.sub(r"(?m)(?<=: )0(?=\d/)", "O", text)
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


def fields(text: str) -> dict:
    d = parse_denial_text(text)
    norm = lambda s: " ".join(str(s).split()).casefold() if s else None  # noqa: E731
    return {
        "payer": norm(d.payer),
        "reviewer": norm(d.reviewer),
        "employer_group": norm(getattr(d, "employer_group", None)),
        "plan_type": d.plan_type.value,
        "patient_name": norm(d.patient_name),
        "member_id": d.member_id,
        "reference_number": d.reference_number,
        "claim_number": d.claim_number,
        "dates_of_service": [x.isoformat() for x in d.dates_of_service],
        "denial_date": d.denial_date.isoformat() if d.denial_date else None,
        "rendering_provider": norm(getattr(d, "rendering_provider", None)),
        "appeal_address": norm(d.appeal_instructions.address),
        "deadline_days": d.appeal_instructions.deadline_days,
    }


@pytest.mark.parametrize("base", sorted(BASES))
def test_the_fields_read_as_a_careful_reader_reads_them(base):
    assert fields(BASES[base]) == EXPECTED[base]


@pytest.mark.parametrize("rewrite", sorted(REWRITES))
@pytest.mark.parametrize("base", sorted(BASES))
def test_a_rewritten_letter_gives_the_same_fields(base, rewrite):
    changed = REWRITES[rewrite](BASES[base])
    assert changed != BASES[base]
    got = fields(changed)
    want = EXPECTED[base]
    if rewrite == "upper":  # ids and names keep their letters; only their case changes
        want = {
            k: v.upper() if isinstance(v, str) and k.endswith(("_id", "number")) else v
            for k, v in want.items()
        }
    assert got == want


@pytest.mark.parametrize("case", [str, str.upper])
def test_an_id_named_in_a_sentence_reads_in_any_case(case):
    text = (
        "Sablewood Health\nAugust 14, 2025\n\nWe denied the claim for chiropractic care (98941)."
        " Your member number is SWH 4471 0926 and the claim was received on 08/01/2025.\n"
    )
    assert parse_denial_text(case(text)).member_id == "SWH 4471 0926"


def test_an_ids_last_digits_alone_are_no_id():
    text = "Halcyon Lakes Health Plan\nDate: 10/21/2025\nMember ID: ENDING IN 4471\n"
    d = parse_denial_text(text + "Your request for H0018 was denied.\n")
    assert d.member_id is None
