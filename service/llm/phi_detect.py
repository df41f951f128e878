"""A layout-independent detector of patient identifiers, for what the parsers did not label.

Denials name the patient in a salutation ("Dear Dana Whitfield,"), give the date of birth in a
sentence ("born April 12, 1961"), put a member id after "Your ID card number" and a claim number
after "Our reference for this claim is", and print the home address and phone in the address
block. None of that needs a label the parsers know, so before any remote call these shapes are
found in the raw text and the values added to what the redactor replaces everywhere:

- names after a salutation, before a birth date, or on an address block's first line;
- dates after "born" / "birth";
- street addresses and "City, ST 12345" lines, phone numbers, e-mail addresses;
- any run of six or more characters with five or more digits within a few words after an
  ID-like word (id, number, no., #, reference, claim, member, account, card, policy, group,
  case, authorization, record), and any bare run of nine or more digits.

Codes survive: a CPT code is five characters, an ICD-10 code has a letter and a dot, and dates
of service keep their slashes. Provider names and NPIs caught by these shapes are replaced too,
which costs the model nothing: the letter's identity block and signature come from the parse.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_NAME = r"[A-Z][a-z'\u2019-]+(?:[ \t]+[A-Z]\.?)?(?:[ \t]+[A-Z][a-z'\u2019-]+){0,2}"
_SALUTATION = re.compile(
    rf"\b(?:Dear|Hello|Hi|Attn:?|Attention:?)[ \t]+(?:(?:Mr|Mrs|Ms|Miss|Mx)\.?[ \t]+)?"
    rf"({_NAME})[ \t]*[,:]"
)
# words a salutation addresses that are roles, not names
_NOT_NAMES = {
    "provider", "member", "sir", "madam", "patient", "customer", "subscriber", "colleague",
    "doctor", "team", "appeals", "reviewer", "whom", "friend", "enrollee", "beneficiary",
}  # fmt: skip
_DATE = (
    r"\d{1,2}[/-]\d{1,2}[/-]\d{2,4}|\d{4}-\d{2}-\d{2}"
    r"|(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?[ \t]+\d{1,2},?[ \t]+\d{4}"
    r"|\d{1,2}[ \t]+(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?[ \t]+\d{4}"
)
# a name directly followed by its birth date: "Dana Whitfield (born 4/12/61)", "Dana W., DOB"
_NAME_BORN = re.compile(
    rf"(?<![\w.])({_NAME})[ \t]*[,(][ \t]*(?:born|b\.|dob|d\.o\.b\.|date[ \t]+of[ \t]+birth)\b"
)
_BORN = re.compile(rf"\b(?:born|birth(?:[ \t]*date)?|b\.)[ \t]*(?:on|:)?[ \t]*({_DATE})", re.I)
_STREET = re.compile(
    r"\b\d{1,6}[ \t]+(?:[A-Z][A-Za-z]*\.?[ \t]+){1,4}(?:Street|St|Avenue|Ave|Road|Rd|Lane|Ln|"
    r"Drive|Dr|Boulevard|Blvd|Court|Ct|Way|Place|Pl|Terrace|Ter|Circle|Cir|Parkway|Pkwy|"
    r"Highway|Hwy|Trail|Trl)\b\.?(?:,?[ \t]+(?:Apt|Apartment|Unit|Suite|Ste|#)\.?[ \t]*[\w-]+)?"
)
_CITY = re.compile(
    r"\b[A-Z][A-Za-z.]+(?:[ \t]+[A-Z][A-Za-z.]+){0,3},[ \t]*[A-Z]{2}[ \t]+\d{5}(?:-\d{4})?\b"
)
_PHONE = re.compile(r"(?<![\w-])(?:\+?1[ .-]?)?\(?\d{3}\)?[ .-]?\d{3}[ .-]\d{4}(?![\w-])")
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_ID_WORD = re.compile(
    r"\b(?:id|identification|number|no\.?|#|reference|ref\.?|claim|member|account|acct|card|"
    r"policy|group|subscriber|case|authori[sz]ation|auth|record|mrn|certificate)\b",
    re.I,
)
_NEAR_ID = re.compile(r"(?<![\w-])(?=(?:[A-Za-z-]*\d){5})[A-Za-z0-9][A-Za-z0-9-]{5,}(?![\w-])")
_BARE_DIGITS = re.compile(r"(?<![\w-])\d{9,}(?![\w-])")
WINDOW = 48  # characters after an ID-like word in which its value is looked for
# an address block: a name alone on a line, then a street line
_BLOCK = re.compile(
    rf"^[ \t]*(?:(?:Mr|Mrs|Ms|Miss|Mx)\.?[ \t]+)?({_NAME})[ \t]*\n(?=[ \t]*\d)", re.M
)


def detect(text: str) -> Iterator[tuple[str, str]]:
    """(kind, value) of every identifier shape found in `text`."""
    for m in _SALUTATION.finditer(text):
        name = m.group(1).strip()
        if name.split()[0].lower() not in _NOT_NAMES:
            yield "PATIENT", name
    for m in _BLOCK.finditer(text):
        if _STREET.match(text[m.end() :].lstrip(" \t")):
            yield "PATIENT", m.group(1).strip()
    yield from (("PATIENT", m.group(1).strip()) for m in _NAME_BORN.finditer(text))
    yield from (("DOB", m.group(1)) for m in _BORN.finditer(text))
    yield from (("ADDRESS", m.group(0)) for m in _STREET.finditer(text))
    yield from (("ADDRESS", m.group(0)) for m in _CITY.finditer(text))
    yield from (("PHONE", m.group(0)) for m in _PHONE.finditer(text))
    yield from (("EMAIL", m.group(0)) for m in _EMAIL.finditer(text))
    yield from (("ID", m.group(0)) for m in _BARE_DIGITS.finditer(text))
    for word in _ID_WORD.finditer(text):
        window = text[word.end() : word.end() + WINDOW]
        found = _NEAR_ID.search(window)
        if found:
            yield "ID", found.group(0)


PATTERNS = [
    ("ADDRESS", _STREET),
    ("ADDRESS", _CITY),
    ("PHONE", _PHONE),
    ("EMAIL", _EMAIL),
    ("ID", _BARE_DIGITS),
]
