"""Parse a pasted denial letter, EOB excerpt or coverage notice into a Denial.

Every extracted value records the span of the text it came from; nothing is invented. Values
behind redaction placeholders ("[Patient]", "[CASE]") are reported as warnings, never extracted.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any

from service import errors
from service.intake import codes, payers
from service.intake.codes import PLACEHOLDER_RE
from service.intake.text import DATE_RE, RANGE_RE, parse_date, segments
from service.models import (
    Adjustment,
    AppealInstructions,
    CodeSystem,
    Denial,
    DiagnosisCode,
    ServiceLine,
    Span,
    StatedCriterion,
)

# OCR confuses l, I, 1 and | (and 0 with o). Keyword patterns run on a folded copy of the text
# of the same length, so their spans still index the original.
_FOLD = str.maketrans({"l": "i", "L": "i", "I": "i", "|": "i"})


def _fold(text: str) -> str:
    folded = text.translate(_FOLD)
    return re.sub(r"(?<=[A-Za-z])[01]|[01](?=[A-Za-z])", lambda m: "oi"[int(m.group())], folded)


def _keywords(pattern: str, flags: int = re.I) -> re.Pattern[str]:
    return re.compile(pattern.replace("l", "i").replace("L", "i"), flags)


# Field labels as printed on letters and EOBs; within a field, longer alternatives come first.
_LABELS: dict[str, str] = {
    "patient_name": r"patient(?:'s)?\s+name|member\s+name|beneficiary(?:\s+name)?"
    r"|subscriber\s+name|enrollee(?:\s+name)?|insured(?:'s)?\s+name|patient|member",
    "member_id": r"member\s*(?:id(?:entification)?|number|no\.?)(?:\s*(?:number|no\.?))?"
    r"|subscriber\s*(?:id|number)|(?:insured|identification)\s*(?:id|number|no\.?)"
    r"|medicare\s*(?:number|id)|MBI|health\s+plan\s+id|ID(?:\s*number)?",
    "date_of_birth": r"date\s+of\s+birth|birth\s*date|DOB|D\.O\.B\.?",
    "claim_number": r"claim\s*(?:number|no\.?|id|control\s+number)?|ICN|DCN",
    "reference_number": r"reference\s*(?:number|no\.?|id)?|ref\.?\s*(?:number|no\.?)?"
    r"|case\s*(?:number|no\.?|id)|auth(?:orization)?\s*(?:number|no\.?)|tracking\s*number"
    r"|request\s*(?:id|number)|service",
    "dates_of_service": r"date(?:\(s\)|s)?\s+of\s+(?:admission\s*/\s*)?service"
    r"|service\s+dates?|DOS",
    "denial_date": r"date\s+of\s+(?:notice|letter|determination|denial|decision)"
    r"|(?:notice|letter|determination|decision|denial)\s+date|date",
    "plan_name": r"(?:benefit\s+)?plan(?:\s+name)?|product",
    "drug": r"drug(?:\s+name)?|medication(?:\s+requested)?|prescription",
    "diagnosis": r"diagnosis|diagnoses|dx",
    "other": r"(?:req(?:uesting)?|rendering|ordering|treating)\s+provider|provider(?:\s+name)?"
    r"|facility|npi|group(?:\s+(?:name|number))?|phone|fax|address|service\s*/\s*item|amount",
}
_LABEL_RE = re.compile(
    r"(?<![\w/])(?:" + "|".join(f"(?P<{k}>{v})" for k, v in _LABELS.items()) + r")\s*#?\s*:[ \t]*",
    re.I,
)
_ID_FIELDS = ("member_id", "claim_number", "reference_number")
_DATE_FIELDS = ("date_of_birth", "dates_of_service", "denial_date")
_ID_TOKEN = re.compile(r"(?<![\w\[/-])(?=[A-Z0-9-]*\d)[A-Z0-9][A-Z0-9-]{3,24}(?![\w\]/])")
_NAME = re.compile(r"[A-Z][A-Za-z'.-]+(?:,?\s[A-Z][A-Za-z'.-]*){1,3}")

_DENIAL_WORDS = _keywords(
    r"\bden(?:ied|ial|y)\b|\bnot\s+(?:been\s+)?approved\b|\bnot\s+medically\s+necessary\b"
    r"|\bnot\s+(?:be\s+)?covered\b|\bnon-?covered\b|\bexcluded\b|\bexperimental\b"
    r"|\binvestigational\b|\bnot\s+(?:included\s+)?on\s+our\s+list\b|\bformulary\b"
    r"|\bnot\s+payable\b|\bunable\s+to\s+approve\b|\badverse\s+(?:benefit\s+)?determination\b"
    r"|\bexplanation\s+of\s+benefits\b|\bremittance\b|\bcoverage\s+determination\b"
    r"|\bdoes\s+not\s+pay\b|\bwill\s+not\s+pay\b",
    re.I,
)
# Words that say this letter refuses something (narrower than _DENIAL_WORDS).
_DENIED = _keywords(
    r"\bden(?:ied|ial)\b|\bnot\s+(?:been\s+)?approved\b|\bnot\s+medically\s+necessary\b"
    r"|\bnot\s+(?:be\s+)?covered\b|\bnon-?covered\b|\bexcluded\b|\bexperimental\b"
    r"|\binvestigational\b|\bnot\s+(?:included\s+)?on\s+our\s+list\b|\bnot\s+payable\b"
    r"|\bunable\s+to\s+approve\b|\b(?:does|will)\s+not\s+pay\b|\bnot\s+reasonable\s+and\s+necessary\b",
    re.I,
)
_REASON_LEAD = _keywords(
    r"\bbecause\b|\bdue\s+to\s+the\s+following\b|\breasons?(?:\(s\))?\s*:"
    r"|\bfor\s+the\s+following\s+reasons?\b|\bdenial\s+reason\b",
    re.I,
)
# A stated criterion is a sentence that names a condition for coverage or says what was not shown.
_CRITERION = _keywords(
    r"\bshould\s+(?:only\s+)?(?:be\s+(?:used|done|tried|given|performed|considered)|include"
    r"|have|show)\b"
    r"|\b(?:you|patient|member|there)\s+(?:also\s+)?(?:must|needs?\s+to|has\s+to|have\s+to)\b"
    r"|\bmust\s+(?:be|have|show|include|document|meet|try|fail)\b"
    r"|\b(?:is|are)\s+required\s+(?:for|before|when|if)\b"
    r"|\brequires?\s+(?:a|an|the|that|prior|documentation|evidence|failure|trial)\b"
    r"|\bonly\s+(?:covered|approved|allowed|medically\s+necessary)\s+(?:when|if|for)\b"
    r"|\bdoes\s+not\s+allow\s+coverage\b|\bnot\s+covered\s+(?:unless|when|if)\b"
    r"|\b(?:did|does|do)\s+not\s+(?:tell|show|say|explain|document|provide|include|indicate"
    r"|demonstrate|describe|state|support)\b"
    r"|\b(?:no|insufficient|lack\s+of)\s+(?:documentation|evidence|record|information)\s+"
    r"(?:of|that|showing|to\s+show)\b"
    r"|\b(?:considered|deemed)\s+(?:experimental|investigational|cosmetic|not\s+proven)\b"
    r"|\bexperimental\s*/\s*investigational\b"
    r"|\bnot\s+(?:included\s+)?on\s+(?:our|the)\s+(?:list\s+of\s+covered\s+drugs|formulary"
    r"|drug\s+list)\b|\bsubject\s+to\s+(?:certain\s+)?limits\b|\bnon-?formulary\b"
    r"|\bmeets?\s+(?:our|the)\s+criteria\s+for\s+coverage\b"
    r"|\brequest(?:ing)?\s+an?\s+(?:formulary\s+|tiering\s+)?exception\b"
    r"|\bstep\s+therapy\b|\b(?:quantity|dosage|dose)\s+(?:limit|exceeds)\b",
    re.I,
)
# Summaries of the decision and appeal-rights boilerplate are not criteria.
_NOT_CRITERION = _keywords(
    r"\b(?:this|that)\s+is\s+the\s+case\b|\bdoes\s+not\s+meet\s+the\s+(?:clinical\s+)?criteria\b"
    r"|\bnot\s+show\s+that\s+(?:you|the\s+(?:patient|member))\s+meets?\s+the\s+(?:\w+\s+)?criteria\b"
    r"|\bbased\s+on\s+the\s+information\b|\bappeal\b|\bgrievance\b|\bright\s+to\b"
    r"|\bfree\s+of\s+charge\b|\bupon\s+request\b|\bTTY\b|\bcall\s+us\b",
    re.I,
)
_REASON_STOP = _keywords(
    r"\bto\s+make\s+this\s+decision\b|\bmay\s+view\b|\bappeal\b|\bgrievance\b|\bcall\b"
    r"|\bcontact\b|\bright\s+to\b|\bdisagree\b|\bredetermination\b|\breconsideration\b|\bmay\s+obtain\b|\bfree\s+of\s+charge\b|\bupon\s+request\b",
    re.I,
)
# A letter states a handful of criteria; past this many the text is not one letter.
_MAX_CRITERIA = 40
_DUP_CHARS = 600
_LIST_INTRO = _keywords(
    r"(?:criteria|requirements?|information|documentation|reasons?)\b[^:]{0,80}:\s*$"
    r"|\bthe\s+following\b[^:]{0,80}:\s*$"
)
_BULLET_START = re.compile(r"^\s*(?:[•\-*·▪]|\d{1,2}[.)]|[a-z][.)])\s+")
_LEAD_COLON = _keywords(
    r"^.*?\b(?:because|reasons?(?:\(s\))?(?:\s+for\s+(?:the\s+)?denial)?|denial\s+reason)\s*:\s*"
)
_ANAPHOR = _keywords(r"^(?:this|these|that|such|it|they)\b[^.]{0,40}\binclude", re.I)
_DRUG_FORM = re.compile(
    r"\b(?:TABS?|TABLETS?|CAPS?|CAPSULES?|PATCH(?:ES)?|INJ|INJECTION|SOLN|SOLUTION|SUSP"
    r"|SUSPENSION|CREAM|OINT(?:MENT)?|GEL|DEPOT|PEN|INHALER|SPRAY|VIAL|SYRINGE)\b"
    r"|\d+(?:\.\d+)?\s*(?:MG|MCG|ML|%|UNITS?)(?!\w)",
    re.I,
)
_DRUG_PATTERNS = (
    (True, r"\brequest(?:ed)?\s+for\s+(?:benefits|coverage|approval)\s+(?:for|of)\s+"),
    (False, r"\bfollowing\s+(?:prescription|drug|medication)(?:\(s\)|s)?\s*:\s*"),
)
_DRUG_NAME = r"(?P<d>(?:[^.\n]|\.(?=\d))+)"
_DRUG_REQUESTED = re.compile(
    r"\bthe\s+(?P<d>[A-Z][\w/%.()-]*(?:\s+[\w/%.()-]+){0,4}?)\s+requested\b"
)
_GUIDELINES: tuple[tuple[str, int], ...] = (
    (
        r"\b(?:guideline|policy|criteria|bulletin)\s+(?:titled|entitled|called|named)\s+[\"“']?"
        r"(?P<g>[^\"”\n.]{3,120}?)[\"”']?(?=\s+to\s+make\b|\s*[.\n(]|$)",
        re.I,
    ),
    (
        r"\b(?:medical|clinical|coverage|reimbursement|payment)\s+policy(?:\s+bulletin)?"
        r"\s*(?:number|no\.?)?\s*[:#]\s*(?P<g>[^\n.;]{2,100})",
        re.I,
    ),
    # A named guideline with its id ("Clinical Guideline CG-SURG-78", "Medical Policy MP-123").
    (
        r"(?P<g>\b(?:Clinical|Medical|Coverage|Payment|Reimbursement)\s+"
        r"(?:Guideline|Policy(?:\s+Bulletin)?)\s+#?[A-Z][A-Z0-9]*[-.]?[A-Z0-9.-]*\d[\w.-]*\w)",
        0,
    ),
    # A capitalised title ending in Policy or Guideline ("Standard Lupron Depot Policy").
    (r"(?P<g>\b(?:[A-Z][\w'-]*[ \t]+){1,6}(?:Policy[ \t]+Bulletin|Policy|Guidelines?))\b", 0),
    (
        r"(?P<g>\b(?:LCD|Local\s+Coverage\s+Determination)\s*(?:\(LCD\)\s*)?#?\s*L?\d{5}"
        r"|\bNCD\s*#?\s*\d{2,3}(?:\.\d+)*)",
        0,
    ),
)
_PHONE = r"(?<!\d)(?:1[\s.-]*)?\(?\d{3}\)?[\s.-]*\d{3}[\s.-]*\d{4}(?!\d)"
_PHONE_RE = re.compile(_PHONE)
_FAX_RE = re.compile(
    r"\bfax(?:\s*(?:number|no\.?|#))?\s*[:#]?\s*(?:(?:it|them|your\s+appeal)\s+)?"
    r"(?:to\s+|at\s+)?(?P<v>" + _PHONE + ")",
    re.I,
)
_DEADLINE_RE = re.compile(
    r"\b(?:within|no\s+later\s+than)\s+(?P<n>\d{1,3})\s+(?:calendar\s+)?days\b", re.I
)
_APPEAL_CONTEXT = _keywords(
    r"\bappeal|\bgrievance|\breconsideration|\bredetermination|\bcoverage\s+determination"
    r"|\bexception\b|\brequest\s+a\s+review\b",
    re.I,
)


@dataclass
class _Draft:
    """Values found so far, with their spans, warnings and the spans already used."""

    text: str
    today: dt.date | None
    folded: str = ""
    values: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, Span] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    used: list[tuple[int, int]] = field(default_factory=list)
    drugs: list[tuple[str, int, int]] = field(default_factory=list)

    def put(self, key: str, value: Any, start: int, end: int) -> None:
        if key in self.values or value in (None, ""):
            return
        self.values[key] = value
        self.sources[key] = Span(start=start, end=end)
        self.used.append((start, end))

    def add_date_of_service(self, day: dt.date, start: int, end: int) -> None:
        days = self.values.setdefault("dates_of_service", [])
        if day not in days:
            self.sources[f"dates_of_service[{len(days)}]"] = Span(start=start, end=end)
            days.append(day)
            self.used.append((start, end))

    def is_used(self, start: int, end: int) -> bool:
        return any(a < end and start < b for a, b in self.used)

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)


def parse_denial_text(text: str, today: dt.date | None = None) -> Denial:
    """Extract a Denial, with source spans, from pasted denial or EOB text."""
    if not text.strip():
        raise errors.EmptyInput("The denial is empty.", field="denial")
    draft = _Draft(text, today, _fold(text))
    _labelled_fields(draft)
    _letter_date(draft)
    lines = _service_lines(draft)
    diagnoses = _diagnoses(draft)
    adjustments, remarks = _adjustments(draft), _remarks(draft)
    segs = segments(text)
    criteria = _stated_criteria(draft, segs)
    _denial_reason(draft, segs)
    if not (adjustments or remarks or _DENIAL_WORDS.search(draft.folded)):
        raise errors.NotADenial("The text does not read as a denial, EOB or coverage notice.")
    _parties(draft)
    _guideline(draft)
    if PLACEHOLDER_RE.search(text):
        draft.warn("redacted placeholders in the text were not read as values")
    return Denial(
        **draft.values,
        service_lines=lines,
        diagnosis_codes=diagnoses,
        adjustments=adjustments,
        remark_codes=remarks,
        stated_criteria=criteria,
        appeal_instructions=_appeal_instructions(draft, segs),
        source_text=text,
        sources=draft.sources,
        warnings=draft.warnings,
    )


# ---- labelled header fields -----------------------------------------------------------------


def _labelled_fields(d: _Draft) -> None:
    matches = list(_LABEL_RE.finditer(d.text))
    empty: list[tuple[str, re.Match[str]]] = []
    for i, m in enumerate(matches):
        kind = m.lastgroup or "other"
        line_end = d.text.find("\n", m.end())
        line_end = len(d.text) if line_end < 0 else line_end
        stop = line_end
        if i + 1 < len(matches) and matches[i + 1].start() < line_end:
            stop = matches[i + 1].start()
        raw = d.text[m.end() : stop]
        cut = re.search(r"\s{2,}|\t", raw)
        value = (raw[: cut.start()] if cut else raw).rstrip()
        if value:
            _take_labelled(d, kind, value, m.end())
        else:
            empty.append((kind, m))
    _column_values(d, empty)


def _take_labelled(d: _Draft, kind: str, value: str, start: int) -> None:
    if PLACEHOLDER_RE.match(value.strip()):
        if kind != "other":
            d.warn(f"redacted field: {kind}")
        return
    if kind == "patient_name" and (m := _NAME.match(value)):
        # "Jane Doe (DOB ...)" keeps the name; "Jane Doe2" is not a name.
        if m.end() == len(value) or not value[m.end()].isalnum():
            d.put(kind, m.group(), start, start + m.end())
    elif kind in _ID_FIELDS and (m := re.match(r"[A-Za-z0-9][A-Za-z0-9-]{3,24}\b", value)):
        token = m.group()
        if any(c.isdigit() for c in token) and not (kind == "reference_number" and len(token) < 6):
            d.put(kind, token, start, start + len(token))
    elif kind in _DATE_FIELDS:
        _take_date(d, kind, value, start)
    elif kind == "plan_name" and len(value) <= 80:
        d.put(kind, value.rstrip(" .,;"), start, start + len(value.rstrip(" .,;")))
    elif kind == "drug":
        d.drugs.append((value.rstrip(" .,;"), start, start + len(value.rstrip(" .,;"))))
    elif kind == "diagnosis" and not codes.find_icd10("Dx: " + value):
        d.warn(f"diagnosis stated without an ICD-10-CM code: {value.strip()}")


def _take_date(d: _Draft, kind: str, value: str, start: int) -> None:
    if kind == "dates_of_service" and (r := RANGE_RE.match(value)):
        for part in ("a", "b"):
            day = parse_date(r[part], d.today)
            if day:
                d.add_date_of_service(day, start + r.start(part), start + r.end(part))
        return
    m = DATE_RE.match(value)
    day = parse_date(m.group(), d.today) if m else None
    if not m or not day:
        return
    if kind == "dates_of_service":
        d.add_date_of_service(day, start, start + m.end())
    elif kind == "date_of_birth" and d.today and day > d.today:
        d.warn("date of birth is in the future; ignored")
    else:
        d.put(kind, day, start, start + m.end())


def _column_values(d: _Draft, empty: list[tuple[str, re.Match[str]]]) -> None:
    """Labels printed in one column and their values later in the same order (a form layout)."""
    pending = [k for k, _ in empty if k in _ID_FIELDS + _DATE_FIELDS and k not in d.values]
    if len(pending) < 3 or not empty:
        return
    zone_start = max(m.end() for _, m in empty)
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
                _take_date(d, target, zone[a:b], zone_start + a)


def _is_id(token: str) -> bool:
    if re.fullmatch(r"ICD-?\d+(?:-CM)?", token) or codes.is_cpt(token) or codes.is_hcpcs(token):
        return False
    return any(c.isalpha() for c in token) or sum(c.isdigit() for c in token) >= 6


def _letter_date(d: _Draft) -> None:
    """The letter date: a date standing alone on a line above the salutation."""
    if "denial_date" in d.values:
        return
    dear = re.search(r"^\s*Dear\b", d.text, re.M | re.I)
    limit = dear.start() if dear else sum(len(x) + 1 for x in d.text.split("\n")[:12])
    for m in DATE_RE.finditer(d.text[:limit]):
        ls = d.text.rfind("\n", 0, m.start()) + 1
        le = d.text.find("\n", m.end())
        line = d.text[ls : len(d.text) if le < 0 else le]
        if line.strip().rstrip(".,") == m.group() and not d.is_used(m.start(), m.end()):
            day = parse_date(m.group(), d.today)
            if day:
                d.put("denial_date", day, m.start(), m.end())
                return


# ---- codes ----------------------------------------------------------------------------------


def _service_lines(d: _Draft) -> list[ServiceLine]:
    lines: list[ServiceLine] = []
    seen: set[tuple[str, tuple[str, ...]]] = set()
    for hit, desc in codes.find_procedure_codes(d.text):
        if (hit.code, hit.extra) in seen or d.is_used(hit.start, hit.end):
            continue
        seen.add((hit.code, hit.extra))
        i = len(lines)
        system = CodeSystem.CPT if codes.is_cpt(hit.code) else CodeSystem.HCPCS
        line = ServiceLine(code=hit.code, code_system=system, modifiers=list(hit.extra))
        d.sources[f"service_lines[{i}].code"] = Span(start=hit.start, end=hit.end)
        if desc:
            line.description = d.text[desc[0] : desc[1]]
            d.sources[f"service_lines[{i}].description"] = Span(start=desc[0], end=desc[1])
        line.date_of_service = _date_on_line(d, hit.start)
        lines.append(line)
    return lines + _drug_lines(d, len(lines))


def _date_on_line(d: _Draft, pos: int) -> dt.date | None:
    ls = d.text.rfind("\n", 0, pos) + 1
    le = d.text.find("\n", pos)
    for m in DATE_RE.finditer(d.text, ls, len(d.text) if le < 0 else le):
        day = parse_date(m.group(), d.today)
        if day and not d.is_used(m.start(), m.end()):
            d.add_date_of_service(day, m.start(), m.end())
            return day
    return None


def _drug_lines(d: _Draft, offset: int) -> list[ServiceLine]:
    found = list(d.drugs)
    for needs_form, lead in _DRUG_PATTERNS:
        for m in re.finditer(lead + _DRUG_NAME, d.text, re.I):
            name = _trim_drug(m["d"])
            if name and (not needs_form or _DRUG_FORM.search(name)):
                found.append((name, m.start("d"), m.start("d") + len(name)))
    for m in _DRUG_REQUESTED.finditer(d.text):
        if _DRUG_FORM.search(m["d"]):
            found.append((m["d"], m.start("d"), m.end("d")))
    lines: list[ServiceLine] = []
    seen: set[str] = set()
    for name, start, end in found:
        key = " ".join(name.lower().split())
        if key in seen or PLACEHOLDER_RE.search(name):
            continue
        seen.add(key)
        d.sources[f"service_lines[{offset + len(lines)}].description"] = Span(start=start, end=end)
        lines.append(ServiceLine(code_system=CodeSystem.DRUG, description=name))
    return lines


def _trim_drug(raw: str) -> str:
    name = raw.strip()
    # Quantity and days' supply ("30/30", "#30", "QTY 30") follow the drug name on requests.
    name = re.sub(r"\s+(?:\d+/\d+|#\s*\d+|qty:?\s*\d+)\s*$", "", name, flags=re.I)
    name = name.rstrip(" .,;:")
    return name if 2 < len(name) <= 60 else ""


def _diagnoses(d: _Draft) -> list[DiagnosisCode]:
    out: list[DiagnosisCode] = []
    for hit in codes.find_icd10(d.text):
        norm = codes.normalize_icd10(hit.code)
        if any(x.code == norm for x in out):
            continue
        if not codes.is_valid_icd10(norm):
            d.warn(f"invalid ICD-10-CM code not used: {hit.code}")
            continue
        desc = codes.icd10_description(norm)
        billable = codes.is_billable_icd10(norm)
        if not billable:
            d.warn(f"ICD-10-CM code {norm} is a category, not a billable code")
        if "unspecified" in desc.lower():
            d.warn(f"unspecified ICD-10-CM code: {norm}")
        d.sources[f"diagnosis_codes[{len(out)}]"] = Span(start=hit.start, end=hit.end)
        out.append(DiagnosisCode(code=norm, description=desc, billable=billable))
    m = re.search(r"(?P<w>[A-Za-z][A-Za-z ,'\n-]{5,150}?)\s*\(ICD-?10(?:-CM)?\)", d.text)
    if m and not out:
        d.warn(f"diagnosis stated without an ICD-10-CM code: {' '.join(m['w'].split())}")
    return out


def _adjustments(d: _Draft) -> list[Adjustment]:
    out: list[Adjustment] = []
    for hit in codes.find_carcs(d.text):
        code = hit.code.upper().lstrip("0") or "0"
        group = hit.extra[0] if hit.extra else None
        same = [a for a in out if a.carc == code and (a.group == group or not group)]
        if same:
            continue
        if not codes.is_known_carc(code):
            d.warn(f"CARC {code} is not in our code table")
        d.sources[f"adjustments[{len(out)}]"] = Span(start=hit.start, end=hit.end)
        label = codes.carc_label(code)
        out.append(Adjustment(group=group, carc=code, amount=hit.amount, label=label))
    return out


def _remarks(d: _Draft) -> list[str]:
    out: list[str] = []
    for hit in codes.find_rarcs(d.text):
        if hit.code in out:
            continue
        if not codes.is_known_rarc(hit.code):
            d.warn(f"remark code {hit.code} is not in our code table")
        d.sources[f"remark_codes[{len(out)}]"] = Span(start=hit.start, end=hit.end)
        out.append(hit.code)
    return out


# ---- prose: stated criteria, reason, guideline, appeal rights -------------------------------


def _clean(text: str) -> str:
    return " ".join(text.split())


def _is_heading(s: str) -> bool:
    letters = [c for c in s if c.isalpha()]
    return bool(letters) and sum(c.isupper() for c in letters) / len(letters) > 0.8


def _stated_criteria(d: _Draft, segs: list[tuple[int, int]]) -> list[StatedCriterion]:
    spans: list[list[int]] = []
    last_idx = -2  # index of the segment that last started or extended a kept criterion
    in_list = False  # inside bullets introduced by "The following criteria were not met:"
    for idx, (a, b) in enumerate(segs):
        s, f = d.text[a:b], d.folded[a:b]
        bullet = _BULLET_START.match(s)
        in_list = in_list and bool(bullet)
        listed = in_list and not _NOT_CRITERION.search(f)
        if _LIST_INTRO.search(f):
            in_list = True
        if not listed and (_is_heading(s) or not _CRITERION.search(f) or _NOT_CRITERION.search(f)):
            continue
        if listed and bullet:
            a += bullet.end()
        prev = d.text[spans[-1][0] : spans[-1][1]] if spans else ""
        # Elaborations ("This treatment should include ...") and list items ("...; or") belong
        # to the criterion they continue.
        if idx == last_idx + 1 and (_ANAPHOR.match(f) or prev.rstrip().endswith(("; or", "; and"))):
            spans[-1][1] = b
            last_idx = idx
        elif len(spans) < _MAX_CRITERIA and not any(
            _near_duplicate(d.text[a:b], d.text[x:y]) for x, y in spans
        ):
            spans.append([a + _lead_in(d.folded[a:b]), b])
            last_idx = idx
    out = []
    for i, (a, b) in enumerate(spans):
        d.sources[f"stated_criteria[{i}]"] = Span(start=a, end=b)
        out.append(
            StatedCriterion(id=f"SC{i + 1}", text=_clean(d.text[a:b]), span=Span(start=a, end=b))
        )
    return out


def _lead_in(folded: str) -> int:
    """Length of a "denied because:" lead before the criterion itself, or 0."""
    lead = _LEAD_COLON.search(folded)
    crit = _CRITERION.search(folded)
    return lead.end() if lead and crit and lead.end() <= crit.start() else 0


def _near_duplicate(a: str, b: str) -> bool:
    """True when the shorter text is mostly contained in the longer (an OCR-repeated passage)."""
    x, y = sorted((_clean(a).lower()[:_DUP_CHARS], _clean(b).lower()[:_DUP_CHARS]), key=len)
    if x == y or x in y:
        return True
    # Shared letters bound the match from above; most pairs stop here without the O(n*m) match.
    if sum((Counter(x) & Counter(y)).values()) < 0.85 * len(x):
        return False
    matched = sum(
        blk.size for blk in SequenceMatcher(None, x, y, autojunk=False).get_matching_blocks()
    )
    return matched / max(len(x), 1) >= 0.85


def _denial_reason(d: _Draft, segs: list[tuple[int, int]]) -> None:
    start = next(
        (
            i
            for i, (a, b) in enumerate(segs)
            if _REASON_LEAD.search(d.folded[a:b]) and _DENIED.search(d.folded[a:b])
        ),
        None,
    )
    if start is None:
        start = next(
            (
                i
                for i, (a, b) in enumerate(segs)
                if _DENIED.search(d.folded[a:b])
                and not _is_heading(d.text[a:b])
                and not _REASON_STOP.search(d.folded[a:b])
            ),
            None,
        )
    if start is None:
        return
    end = start
    for j in range(start + 1, min(start + 12, len(segs))):
        gap = d.text[segs[j - 1][1] : segs[j][0]]
        s = d.text[segs[j][0] : segs[j][1]]
        if _REASON_STOP.search(_fold(s)) or _is_heading(s) or ("\n\n" in gap and j > start + 1):
            break
        end = j
    a, b = segs[start][0], segs[end][1]
    d.put("denial_reason", _clean(d.text[a:b]), a, b)


def _guideline(d: _Draft) -> None:
    for pattern, flags in _GUIDELINES:
        for m in re.finditer(pattern, d.text, flags):
            raw = m["g"]
            body = raw.strip().rstrip(" ,;:")
            g = _clean(body)
            if len(g) >= 3 and not PLACEHOLDER_RE.search(g) and "privacy" not in g.lower():
                start = m.start("g") + len(raw) - len(raw.lstrip())
                d.put("guideline", g, start, start + len(body))
                return


def _parties(d: _Draft) -> None:
    name, payer_id, span = payers.identify_payer(d.text)
    if name and span:
        d.put("payer", name, span.start, span.end)
    reviewer, rspan = payers.identify_reviewer(d.text)
    if reviewer and rspan:
        d.put("reviewer", reviewer, rspan.start, rspan.end)
    plan_type, pspan = payers.identify_plan_type(d.text, payer_id)
    d.values["plan_type"] = plan_type
    if pspan:
        d.sources["plan_type"] = pspan
    m = re.search(
        r"(?P<n>(?:[A-Z][\w&'-]*\s+){1,6}?)\((?:PDP|HMO|PPO|MAPD|HMO-POS|PFFS|SNP)[)}\]]", d.text
    )
    if m:
        n = m["n"].strip()
        d.put("plan_name", n, m.start("n"), m.start("n") + len(n))


def _appeal_instructions(d: _Draft, segs: list[tuple[int, int]]) -> AppealInstructions:
    out = AppealInstructions()
    for a, b in segs:
        if _APPEAL_CONTEXT.search(d.folded[a:b]):
            _deadline_and_phone(d, out, a, b)
    f = _FAX_RE.search(d.text)
    if f:
        out.fax = _format_phone(f["v"])
        d.sources["appeal_instructions.fax"] = Span(start=f.start("v"), end=f.end("v"))
    _appeal_address(d, out)
    return out


def _deadline_and_phone(d: _Draft, out: AppealInstructions, a: int, b: int) -> None:
    s = d.text[a:b]
    m = _DEADLINE_RE.search(s)
    if m and out.deadline_days is None:
        out.deadline_days = int(m["n"])
        out.deadline_text = _clean(s)
        d.sources["appeal_instructions.deadline_days"] = Span(
            start=a + m.start("n"), end=a + m.end("n")
        )
        d.sources["appeal_instructions.deadline_text"] = Span(start=a, end=b)
    p = _PHONE_RE.search(s)
    if (
        p
        and out.phone is None
        and not re.search(r"\bfax\b", s[max(0, p.start() - 20) : p.start()], re.I)
    ):
        out.phone = _format_phone(p.group())
        d.sources["appeal_instructions.phone"] = Span(start=a + p.start(), end=a + p.end())


def _format_phone(raw: str) -> str:
    digits = re.sub(r"\D", "", raw)
    if len(digits) == 11:
        return f"{digits[0]}-{digits[1:4]}-{digits[4:7]}-{digits[7:]}"
    return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"


def _appeal_address(d: _Draft, out: AppealInstructions) -> None:
    intro = re.search(
        r"\b(?:mail|send|submit|write)\b[^.\n]{0,60}\b(?:appeal|request|grievance)[^.\n:]{0,40}"
        r"\bto\s*:?[ \t]*\n?|\bappeals?\s+address\s*:\s*\n?",
        d.text,
        re.I,
    )
    if not intro:
        return
    tail = d.text[intro.end() : intro.end() + 250]
    end = re.search(r"[A-Za-z .]+,?\s+[A-Z]{2}\s+\d{5}(?:-\d{4})?", tail)
    if end and "\n\n" not in tail[: end.start()]:
        a, b = intro.end(), intro.end() + end.end()
        out.address = ", ".join(x.strip(" ,") for x in d.text[a:b].split("\n") if x.strip())
        d.sources["appeal_instructions.address"] = Span(start=a, end=b)
