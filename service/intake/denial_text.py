"""Parse a pasted denial letter, EOB, notice or remittance into a Denial.

Every extracted value records the span of the text it came from; nothing is invented. Values
behind redaction placeholders ("[Patient]", "XXXX", "███") are reported as warnings, never
extracted. The text is first put in reading order (two-column blocks unflattened, OCR's
digit-for-letter confusions undone, layout.py); fields are then read by their labels
(labels.py), the parties from the letter itself (parties.py), codes from code contexts
(code_context.py), criteria from enumerations (denial_criteria.py) and the appeal rights from
the notice's own sentences (appeal_rights.py).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator

from service import errors
from service.intake import codes
from service.intake.appeal_rights import network_status, read_appeal_rights
from service.intake.code_subject import named_in_passing
from service.intake.codes import PLACEHOLDER_RE
from service.intake.dates import DATE_RE, parse_date
from service.intake.denial_criteria import find_enumeration
from service.intake.denial_fields import (
    column_values,
    letter_date,
    take_labelled,
    take_remittance,
)
from service.intake.denial_prose import (
    Draft,
    criterion,
    denial_reason,
    drug_lines,
    guideline,
    is_denial,
    prose_criteria,
)
from service.intake.labels import Labelled, labelled_values
from service.intake.layout import (
    fix_dates,
    fix_inner_digits,
    fix_state_codes,
    fix_word_digits,
    fold,
    is_ocr_damaged,
)
from service.intake.letter_sentences import patient_from_letter, service_from_sentences
from service.intake.pages import reading_order
from service.intake.parties import read_parties
from service.intake.payers import identify_plan_type, resolve_payer
from service.intake.text import prose_sentences, segments
from service.intake.x12_text import read_remittance
from service.models import (
    Adjustment,
    CodeSystem,
    Denial,
    DiagnosisCode,
    PlanType,
    ServiceLine,
    Span,
    StatedCriterion,
)

# Redaction marks beyond bracketed placeholders: runs of X or of block characters.
_REDACTED = re.compile(r"^(?:[X*]{3,}|[X*]{2}/[X*]{2}/[X*]{2,4}|█+[\s█]*)$|█{3,}", re.I)


def parse_denial_text(text: str, today: dt.date | None = None) -> Denial:
    """Extract a Denial, with source spans, from pasted denial, EOB or remittance text."""
    if not text.strip():
        raise errors.EmptyInput("The denial is empty.", field="denial")
    view = reading_order(text)
    work = fix_inner_digits(fix_dates(view.text))
    if is_ocr_damaged(work):
        work = fix_state_codes(fix_word_digits(work))
        ocr = True
    else:
        ocr = False
    d = Draft(work, today, fold(work))
    values = labelled_values(work)
    for v in values:
        take_labelled(d, v)
    column_values(d, values)
    take_remittance(d, read_remittance(work))
    letter_date(d)
    patient_from_letter(d)
    sentences = prose_sentences(work)
    fields = [(v.start, v.end) for v in values]
    lines = _service_lines(d, fields, sentences)
    diagnoses = _diagnoses(d, fields, sentences)
    adjustments, remarks = _adjustments(d), _remarks(d)
    segs = segments(work)
    criteria = _stated_criteria(d, sentences, segs)
    denial_reason(d, segs)
    if not (adjustments or remarks or is_denial(d.folded)):
        raise errors.NotADenial("The text does not read as a denial, EOB or coverage notice.")
    appeal = read_appeal_rights(work, sentences, d.sources)
    _parties(d, values, appeal.address)
    service_from_sentences(d, sentences)
    d.values["network"] = network_status(work, next(_said(values, "network"), None))
    guideline(d)
    if PLACEHOLDER_RE.search(text) or _REDACTED.search(text):
        d.warn("redacted placeholders in the text were not read as values")
    if ocr:
        d.warn("the text carries OCR damage; values were read with look-alike letters repaired")
    denial = Denial(
        **d.values,
        service_lines=lines,
        diagnosis_codes=diagnoses,
        adjustments=adjustments,
        remark_codes=remarks,
        stated_criteria=criteria,
        appeal_instructions=appeal,
        source_text=text,
        sources=d.sources,
        warnings=d.warnings,
    )
    return _to_original(denial, view.orig, text)


def _said(values: list[Labelled], field: str) -> Iterator[str]:
    """The non-empty values labelled as one field, in order."""
    return (v.value for v in values if v.field == field and v.value.strip())


def _to_original(denial: Denial, orig: Callable[[int], int], text: str) -> Denial:
    """Spans moved from the reflowed text back to the text as pasted."""

    def move(span: Span) -> Span:
        start = orig(span.start)
        end = orig(max(span.end - 1, span.start)) + 1
        return Span(start=start, end=max(end, start + 1) if end <= len(text) else len(text))

    sources = {k: move(v) for k, v in denial.sources.items()}
    crits = [
        c.model_copy(update={"span": move(c.span)}) if c.span else c for c in denial.stated_criteria
    ]
    return denial.model_copy(update={"sources": sources, "stated_criteria": crits})


def _stated_criteria(
    d: Draft, sentences: list[tuple[int, int]], segs: list[tuple[int, int]]
) -> list[StatedCriterion]:
    """The enumeration of criteria if the letter has one; else its criterion sentences."""
    found = find_enumeration(d.text, sentences)
    if found:
        spans = found.items
        d.values["criteria_logic"] = found.logic
    else:
        spans = prose_criteria(d, segs)
        d.values["criteria_logic"] = "all" if len(spans) > 1 else None
    texts = found.texts if found and found.texts else [None] * len(spans)
    return [
        criterion(d, i, a, b, t) for i, ((a, b), t) in enumerate(zip(spans, texts, strict=True))
    ]


# A plan's product name printed with its kind: "Aetna Medicare Rx Saver (PDP)".
_PRODUCT = re.compile(
    r"(?P<n>(?:[A-Z][\w&'-]*[ \t]+){1,6}?)\((?:PDP|HMO|PPO|MAPD|HMO-POS|PFFS|SNP|HMO D-SNP)[)}\]]"
)


def _parties(d: Draft, values: list[Labelled], address: str | None) -> None:
    first = None
    if address and "appeal_instructions.address" in d.sources:
        line = address.split(", ")[0]
        first = (line, d.sources["appeal_instructions.address"].start)
    if "payer" in d.values:  # a remittance names its payer in N1*PR
        found_name = d.values["payer"]
    else:
        parties = read_parties(d.text, values, first)
        found_name = parties.payer
        if parties.payer and parties.payer_span:
            d.put("payer", parties.payer, parties.payer_span.start, parties.payer_span.end)
        if parties.reviewer and parties.reviewer_span:
            span = parties.reviewer_span
            d.put("reviewer", parties.reviewer, span.start, span.end)
        if parties.employer and parties.employer_span:
            span = parties.employer_span
            d.put("employer_group", parties.employer, span.start, span.end)
    payer_id = resolve_payer(found_name)[1] if found_name else None
    product = _PRODUCT.search(d.text)
    if product:
        name = product["n"].strip()
        d.put("plan_name", name, product.start("n"), product.start("n") + len(name))
    if "plan_type" not in d.values:
        plan_type, pspan = identify_plan_type(d.text, payer_id)
        if (
            plan_type is PlanType.UNKNOWN
            and pspan is None  # words that say it is no health plan keep it unknown
            and found_name
            and payer_id not in ("medicare", "medicaid")
        ):
            plan_type = PlanType.COMMERCIAL  # a private plan with no government or employer sign
        d.values["plan_type"] = plan_type
        if pspan:
            d.sources["plan_type"] = pspan
    if d.values["plan_type"] is PlanType.MEDICARE_AB and payer_id != "medicare":
        # Original Medicare pays its own claims; the contractor in the address acts for it.
        m = re.search(r"\bMedicare\b", d.text)
        if m:
            d.values.pop("payer", None)
            d.put("payer", "Medicare", m.start(), m.end())
    employer = d.values.get("employer_group")
    if employer and d.values["plan_type"] is PlanType.COMMERCIAL and not _PUBLIC.search(employer):
        d.values["plan_type"] = PlanType.ERISA  # an employer's group plan


# ERISA leaves out governmental employers' plans: a school district's, a city's, a state's.
_PUBLIC = re.compile(
    r"(?i)\b(?:schools?|school\s+district|public|county|city\s+of|state\s+of|township"
    r"|municipal\w*|borough|commonwealth\s+of|unified)\b"
)


# ---- codes ----------------------------------------------------------------------------------


def _service_lines(
    d: Draft, fields: list[tuple[int, int]], sentences: list[tuple[int, int]]
) -> list[ServiceLine]:
    lines: list[ServiceLine] = []
    seen: set[tuple[str, tuple[str, ...]]] = set()
    found = codes.find_procedure_codes(d.text)
    passing = named_in_passing(d.text, [(h.code, h.start) for h, _ in found], fields, sentences)
    for hit, desc in found:
        if d.is_used(hit.start, hit.end) or hit.code in passing:
            continue
        if (hit.code, hit.extra) in seen:
            _date_on_line(d, hit.start)  # the same service on another date
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
    return lines + drug_lines(d, len(lines))


def _date_on_line(d: Draft, pos: int) -> dt.date | None:
    ls = d.text.rfind("\n", 0, pos) + 1
    le = d.text.find("\n", pos)
    line = d.text[ls : len(d.text) if le < 0 else le]
    if re.search(r"(?i)\b(?:requested|received|dated|on)\s+\S*$", line[: pos - ls]):
        return None
    for m in DATE_RE.finditer(d.text, ls, len(d.text) if le < 0 else le):
        before = d.text[max(ls, m.start() - 12) : m.start()]
        if re.search(r"(?i)\b(?:on|received|dated|by)\s*$", before):
            continue  # "requested ... on 04/15/2025" is the request's date, not the service's
        day = parse_date(m.group(), d.today)
        if day and not d.is_used(m.start(), m.end()):
            d.add_date_of_service(day, m.start(), m.end())
            return day
    return None


def _diagnoses(
    d: Draft, fields: list[tuple[int, int]], sentences: list[tuple[int, int]]
) -> list[DiagnosisCode]:
    out: list[DiagnosisCode] = []
    hits = [(h, codes.repair_icd10(h.code)) for h in codes.find_icd10(d.text)]
    # Codes quoted from a policy's list of covered diagnoses are not the claim's own.
    passing = named_in_passing(d.text, [(n, h.start) for h, n in hits if n], fields, sentences)
    for hit, norm in hits:
        if norm is None:
            d.warn(f"invalid ICD-10-CM code not used: {hit.code}")
            continue
        if norm in passing or any(x.code == norm for x in out):
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


def _adjustments(d: Draft) -> list[Adjustment]:
    out: list[Adjustment] = []
    for hit in codes.find_carcs(d.text):
        code = hit.code.upper().lstrip("0") or "0"
        group = hit.extra[0] if hit.extra else None
        if [a for a in out if a.carc == code and (a.group == group or not group)]:
            continue
        if not codes.is_known_carc(code):
            d.warn(f"CARC {code} is not in our code table")
        d.sources[f"adjustments[{len(out)}]"] = Span(start=hit.start, end=hit.end)
        label = codes.carc_label(code)
        out.append(Adjustment(group=group, carc=code, amount=hit.amount, label=label))
    return out


def _remarks(d: Draft) -> list[str]:
    out: list[str] = []
    for hit in codes.find_rarcs(d.text):
        if hit.code in out:
            continue
        if not codes.is_known_rarc(hit.code):
            d.warn(f"remark code {hit.code} is not in our code table")
        d.sources[f"remark_codes[{len(out)}]"] = Span(start=hit.start, end=hit.end)
        out.append(hit.code)
    return out
