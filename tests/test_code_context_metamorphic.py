"""Codes only from code contexts, however the letter is rewritten.

The base letters hold code-shaped numbers that are not codes (a group number in a table cell, a
suite, a PO box, a phone extension, amounts, a five-digit reference) beside real codes in the
places a reader finds them: a pipe table's code cell, a code label with an add-on "+", a code
in parentheses after its description, an OCR'd diagnosis code. A policy sentence quoting its
list of covered diagnoses names codes that are not the claim's. Rewritten (labels renamed,
fields reordered, wrapped, OCR noise, capitals), the letters must give the same codes.
"""

from __future__ import annotations

import re
import textwrap

import pytest

from service.intake.denial_text import parse_denial_text

BASES = {
    "pipe-table": """\
CORMORANT BAY HEALTH - COVERAGE DETERMINATION
| Enrollee          | Ruth Castellanos   | Enrollee No.       | CBH661022947       |
| Birth date        | 07/19/1958         | Group              | 71003              |
| Case #            | CD-0415583         | Determination Date | 08/27/2025         |
| Service requested | Sleep study        | Code               | 95810              |
| Diagnosis         | G47.33             | Requested for      | 09/04/2025         |

Decision: DENIED. A home sleep apnea test (95806) may be available instead.
Send a written appeal within 65 days to Cormorant Bay Health, Appeals, 18 Harbor Point Rd,
Suite 95811, Norfolk, VA 23510-2209. Fax 757-555-0135.
""",
    "unlabelled-icd": """\
Pellham Ridge Health Alliance
2 Meridian Plaza, Suite 64616, Columbus, OH 43215
Tel 614-555-0127 ext. 97035

Date: 02/03/2026
Member number: PRH-77310442
Authorization request: AR-2601-77413

You asked us to cover onabotulinumtoxinA (J0585) with chemodenervation for chronic migraine
(64615) for chronic migraine without aura, intractable, without status migrainosus (G43.719)
and drug-induced headache, intractable (G44.41). We cannot approve it. Billed 1250.00 for 5
units, reference 52319.

Our drug policy covers this treatment for the diagnoses chronic migraine without aura
(G43.701, G43.709, G43.711, G43.719) when the patient has tried two preventive medicines.

Appeal within 180 days to Pellham Ridge Health Alliance, Appeals Unit, PO Box 43291,
Columbus, OH 43216-3291, or fax 614-555-0129.
""",
    "add-on-ocr": """\
Willowmere Health Plan
PO Box 64483, Lansing, MI 48909-4493

Notice date: 03/21/2025
Member ID: WHP77201455
Service: lumbar facet joint injection, CPT 64493 and +64494
Diagnosis: M47.8I6 Spondylosis without myelopathy or radiculopathy, lumbar region

Your request has been denied as not medically necessary. Appeal within 60 days to
Willowmere Health Plan, Appeals, PO Box 64510, Lansing, MI 48909-4510.
""",
}

EXPECTED = {
    "pipe-table": (["95810"], ["G47.33"]),
    "unlabelled-icd": (["64615", "J0585"], ["G43.719", "G44.41"]),
    "add-on-ocr": (["64493", "64494"], ["M47.816"]),
}

SYNONYMS = {
    "Code": "CPT",
    "Group": "Group No.",
    "Member number": "Subscriber #",
    "Member ID": "Enrollee ID",
    "Service": "Procedure",
    "Diagnosis": "Dx",
    "Notice date": "Date of notice",
}


def renamed(text: str) -> str:
    for label, synonym in SYNONYMS.items():
        text = re.sub(rf"(?m)(^|\| ){re.escape(label)}(?=:| )", rf"\g<1>{synonym}", text)
    return text


def reordered(text: str) -> str:
    """Lines of the first block after the letterhead (fields or table rows) reversed."""
    blocks = text.split("\n\n")
    i = 1 if len(blocks) > 2 else 0
    head, *rows = blocks[i].split("\n") if i == 0 else ["", *blocks[i].split("\n")]
    blocks[i] = "\n".join(([head] if i == 0 else []) + rows[::-1]).strip("\n")
    return "\n\n".join(blocks)


def wrapped(text: str) -> str:
    """Prose paragraphs rewrapped at 44 columns; field lines wrapped on their own."""
    out = []
    for block in text.split("\n\n"):
        lines = block.split("\n")
        if any(re.match(r"^(?:\||[\w ]+: )", line) for line in lines):
            out.append("\n".join(w for line in lines for w in textwrap.wrap(line, 44) or [""]))
        else:
            out.append("\n".join(textwrap.wrap(" ".join(lines), 44)))
    return "\n\n".join(out)


def ocr_noise(text: str) -> str:
    """1 for l inside prose words and O for 0 in dates (not in ids or codes)."""
    text = re.sub(r"(?:(?<=^)|(?<=[\s/]))0(?=\d/)", "O", text, flags=re.M)
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


def codes(text: str) -> tuple[list[str], list[str]]:
    d = parse_denial_text(text)
    return sorted(d.service_codes), sorted(x.code for x in d.diagnosis_codes)


@pytest.mark.parametrize("base", sorted(BASES))
def test_only_the_claims_own_codes_are_read(base):
    assert codes(BASES[base]) == EXPECTED[base]


@pytest.mark.parametrize("rewrite", sorted(REWRITES))
@pytest.mark.parametrize("base", sorted(BASES))
def test_a_rewritten_letter_gives_the_same_codes(base, rewrite):
    changed = REWRITES[rewrite](BASES[base])
    assert changed != BASES[base]
    assert codes(changed) == EXPECTED[base]


NOT_CODES = [
    "Call Provider Services at 1-800-555-0100 ext. 27447 Monday through Friday.",
    "Provider line 801-555-0163 x 99213",
    "Check #: 99214   Issued to provider",
    "Invoice 99215 covering services in March",
    "EFT trace 20610 Deposit date 04/02/2025",
    "Account ending 99213 will be credited",
    "Confirmation 97110 was sent",
    "Total 99213 units of service",
    "Remit to Lockbox 99283 Chicago",
    "Route 64483 Office Park",
    "Tracking no. 64483 for your appeal",
    "Apt 73721, Springfield IL 62701",
]
CODES = [
    ("Visit 31 of 30, 97110 therapeutic exercise", "97110"),
    ("CPT 97110 x 4 units", "97110"),
    ("97110 therapeutic exercise, 5 units", "97110"),
    ("Procedure: 99214-25 office visit", "99214"),
]


@pytest.mark.parametrize("line", NOT_CODES)
def test_a_number_in_a_non_code_context_is_no_code(line):
    from service.intake.codes import find_procedure_codes

    assert [h.code for h, _ in find_procedure_codes(line)] == []
    assert [h.code for h, _ in find_procedure_codes(line.upper())] == []


@pytest.mark.parametrize(("line", "code"), CODES)
def test_a_code_in_a_code_context_is_read(line, code):
    from service.intake.codes import find_procedure_codes

    assert [h.code for h, _ in find_procedure_codes(line)] == [code]


@pytest.mark.parametrize(
    ("line", "codes"),
    [
        ("See Section B12.3 of the policy", []),
        ("Policy A12.01 applies to this request", []),
        ("Diagnosis code no. M17.11", ["M17.11"]),
        ("Dx M54.50 and M51.26", ["M54.50", "M51.26"]),
    ],
)
def test_a_documents_own_numbering_is_no_diagnosis(line, codes):
    from service.intake.codes import find_icd10

    assert [h.code for h in find_icd10(line)] == codes
