"""A denial's header fields: identifiers, names and dates from their labels, a remittance's
segments, the letter's date line and its addressee.

A value is taken as its field's type allows: an identifier is a run of letters and digits
(spaces allowed between groups, "GHP 5502 8810 03") holding a digit; a name is capitalised
words; a date parses. Redaction marks are never values.
"""

from __future__ import annotations

import re

from service.intake.codes import PLACEHOLDER_RE, find_icd10
from service.intake.dates import DATE_RE, RANGE_RE, parse_date
from service.intake.denial_prose import Draft
from service.intake.labels import Labelled
from service.intake.names import person_name
from service.intake.x12_text import Remittance

_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*(?: [A-Z0-9][A-Z0-9-]*)*")
_REDACTED = re.compile(r"^[\s\[]*(?:X{2,}|\*{2,}|█)|^XX/", re.I)
_ID_FIELDS = ("member_id", "claim_number", "reference_number")
_DATE_FIELDS = ("date_of_birth", "dates_of_service", "denial_date")
_FAX_HEADER = re.compile(r"\bFAX\b.*\b(?:FROM|TO|P\.?\s*\d)", re.I)


def _redacted(value: str) -> bool:
    return bool(PLACEHOLDER_RE.match(value.strip()) or _REDACTED.search(value))


# OCR reads 0 as O and 1 as l or I; between two digits of an identifier those letters are the
# digits ("WVH-2O4-77l8" is WVH-204-7718). At a group's edge they may be letters ("IO88").
_OCR_DIGITS = str.maketrans({"O": "0", "o": "0", "l": "1", "I": "1", "|": "1"})
_BETWEEN_DIGITS = re.compile(r"(?<=\d)[OolI|]+(?=\d)")


def id_digits(token: str) -> str:
    """An identifier with OCR's letter-for-digit confusions between its digits undone."""
    return _BETWEEN_DIGITS.sub(lambda m: m.group().translate(_OCR_DIGITS), token)


# "ending in 4471": only the id's last digits, which is no id.
_PARTIAL = re.compile(r"(?i)^\s*(?:ending|ends)\s+(?:in|with)\b|^\s*last\s+\d\s+digits\b")


def _identifier(d: Draft, field: str, value: str, start: int) -> None:
    if _PARTIAL.match(value):
        d.warn(f"partly masked field: {field}")
        return
    m = _ID.match(value)
    if not m:
        return
    token = m.group().rstrip("-")
    if not any(c.isdigit() for c in token):
        return
    if field == "reference_number" and len(token.replace(" ", "")) < 5:
        return
    d.put(field, id_digits(token), start, start + len(token))


def _dates(d: Draft, field: str, value: str, start: int) -> None:
    if field == "dates_of_service":
        ranges = list(RANGE_RE.finditer(value))
        found = [(r.start(p), r[p]) for r in ranges for p in ("a", "b")]
        found += [
            (m.start(), m.group())
            for m in DATE_RE.finditer(value)
            if not any(r.start() <= m.start() < r.end() for r in ranges)
        ]
        for pos, raw in sorted(found):
            day = parse_date(raw, d.today)
            if day:
                d.add_date_of_service(day, start + pos, start + pos + len(raw))
        return
    m = _first_date(value)
    day = parse_date(m.group(), d.today) if m else None
    if not m or not day:
        return
    if field == "date_of_birth" and d.today and day > d.today:
        d.warn("date of birth is in the future; ignored")
        return
    d.put(field, day, start + m.start(), start + m.end())


# Words before a date in its field: a weekday ("Tue 10/21/2025"), the same date in another
# language before a slash ("3 de octubre de 2025 / October 3, 2025").
_DATE_LEAD = re.compile(r"[^\d/]{0,12}|[^/\n]{0,40}/\s*")


def _first_date(value: str) -> re.Match[str] | None:
    """The field's date: at its start, or after a weekday or the date in another language."""
    for m in DATE_RE.finditer(value):
        if _DATE_LEAD.fullmatch(value[: m.start()]):
            return m
    return None


def _provider(value: str) -> str | None:
    """A rendering provider: a person without credentials, or an organisation as printed."""
    value = re.split(r"\s+\(|\s+-\s+", value.strip())[0].strip(" ,.")
    person = person_name(value)
    org = (
        value
        if re.search(
            r"(?i)\b(?:LLC|PLLC|P\.?C\.?|Inc|Group|Center|Clinic|Associates"
            r"|Therapy|Hospital|Imaging|MRI|Lab)\b",
            value,
        )
        else None
    )
    if org:
        org = _PLACE.sub("", org)  # "..., Bethesda, MD": where it is, not its name
    return org or person


_PLACE = re.compile(r",\s*[A-Z][A-Za-z .'-]+,\s*[A-Z]{2}$")


def take_labelled(d: Draft, v: Labelled) -> None:
    """Read one labelled value into the draft by its label's field."""
    value, start, field = v.value, v.start, v.field
    if not value.strip():
        return
    if _redacted(value):
        if field not in ("other", "service", "payer", "plan_name"):
            d.warn(f"redacted field: {field}")
        return
    if field == "patient_name" and (name := person_name(value)):
        d.put(field, name, start, start + len(name))
    elif field in _ID_FIELDS:
        _identifier(d, field, value, start)
    elif field in _DATE_FIELDS:
        _dates(d, field, value, start)
    elif field == "rendering_provider" and (name := _provider(value)):
        d.put(field, name, start, start + len(name))
    elif field == "provider" and (name := _provider(value)):
        d.put("_provider", name, start, start + len(name))
    elif field == "plan_name" and len(value) <= 80:
        plan = re.split(r",\s*insured\s+by\b", value)[0].rstrip(" .,;")
        d.put(field, plan, start, start + len(plan))
    elif field == "service":
        _service(d, v)
    elif field == "diagnosis" and not find_icd10("Dx: " + value):
        d.warn(f"diagnosis stated without an ICD-10-CM code: {value.strip()}")


def _service(d: Draft, v: Labelled) -> None:
    value = v.value.strip()
    if re.fullmatch(r"\d{6,}", value):  # "Service: 172598614" is the request's number
        d.put("reference_number", value, v.start, v.start + len(value))
    elif v.label.lower().startswith(("drug", "medication")):
        name = value.rstrip(" .,;")
        d.drugs.append((name, v.start, v.start + len(name)))


def finish_provider(d: Draft) -> None:
    """A post-service claim's "Provider:" is who rendered it, when nothing says more."""
    found = d.values.pop("_provider", None)
    span = d.sources.pop("_provider", None)
    if found and span and "rendering_provider" not in d.values and "claim_number" in d.values:
        d.put("rendering_provider", found, span.start, span.end)


def take_remittance(d: Draft, r: Remittance) -> None:
    """Values read from pasted 835 segments."""
    for key, value in r.values.items():
        start, end = r.spans[key]
        if key == "plan_type":
            d.values.setdefault("plan_type", value)
        else:
            d.put(key, value, start, end)
    for day, start, end in r.dates_of_service:
        d.add_date_of_service(day, start, end)
    finish_provider(d)


def letter_date(d: Draft) -> None:
    """The letter date: a date standing alone on a line above the salutation."""
    if "denial_date" in d.values:
        return
    dear = re.search(r"^\s*Dear\b", d.text, re.M | re.I)
    limit = dear.start() if dear else sum(len(x) + 1 for x in d.text.split("\n")[:15])
    for m in DATE_RE.finditer(d.text[:limit]):
        ls = d.text.rfind("\n", 0, m.start()) + 1
        le = d.text.find("\n", m.end())
        line = d.text[ls : len(d.text) if le < 0 else le]
        if _FAX_HEADER.search(line):
            continue
        if line.strip().rstrip(".,") == m.group() and not d.is_used(m.start(), m.end()):
            day = parse_date(m.group(), d.today)
            if day:
                d.put("denial_date", day, m.start(), m.end())
                return


_ID_TOKEN = re.compile(r"(?<![\w\[/-])(?=[A-Z0-9-]*\d)[A-Z0-9][A-Z0-9-]{3,24}(?![\w\]/])")


def _is_id(token: str) -> bool:
    from service.intake.codes import is_cpt, is_hcpcs

    if re.fullmatch(r"ICD-?\d+(?:-CM)?", token) or is_cpt(token) or is_hcpcs(token):
        return False
    return any(c.isalpha() for c in token) or sum(c.isdigit() for c in token) >= 6


def column_values(d: Draft, values: list[Labelled]) -> None:
    """Labels printed in one column and their values later in the same order (a form layout)."""
    empty = [v for v in values if not v.value.strip()]
    pending = [v.field for v in empty if v.field in _ID_FIELDS + _DATE_FIELDS]
    pending = [f for f in pending if f not in d.values]
    if len(pending) < 3:
        return
    zone_start = max(v.end for v in empty)
    zone = d.text[zone_start : zone_start + 800]
    tokens: list[tuple[int, int, str]] = [
        (r.start(), r.end(), "range") for r in RANGE_RE.finditer(zone)
    ]
    tokens += [(m.start(), m.end(), "date") for m in DATE_RE.finditer(zone)]
    tokens += [(m.start(), m.end(), "id") for m in _ID_TOKEN.finditer(zone) if _is_id(m.group())]
    taken: list[tuple[int, int]] = []
    for a, b, kind in sorted(tokens, key=lambda t: (t[0], -t[1])):
        if any(x < b and a < y for x, y in taken):
            continue
        want: tuple[str, ...] = _ID_FIELDS if kind == "id" else _DATE_FIELDS
        if kind == "range":
            want = ("dates_of_service",)
        target = next((k for k in pending if k in want), None)
        if target:
            pending.remove(target)
            taken.append((a, b))
            if target in _ID_FIELDS:
                d.put(target, zone[a:b], zone_start + a, zone_start + b)
            else:
                _dates(d, target, zone[a:b], zone_start + a)
