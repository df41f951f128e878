"""The offline, deterministic composer: evidence map → LetterDraft.

It states only what the inputs hold. Chart facts are quoted as written, with their date and the
document they come from; a policy criterion is cited by policy id and section; a guideline we do
not hold is named as the payer's own and answered as the denial states it. Anything a required
element needs but the inputs lack becomes a bracketed placeholder, which the validator refuses.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from service.config import Settings
from service.drafting import phrases
from service.evidence.concepts import concept
from service.models import (
    Category,
    Chart,
    ChartFact,
    Citation,
    CitationKind,
    CriterionSource,
    Denial,
    Enclosure,
    EvidenceLink,
    EvidenceMap,
    EvidenceStatus,
    LetterDraft,
    PlanType,
    Point,
    PolicyPassage,
    Signer,
    Strategy,
    Triage,
)
from service.render import spec_requires

COMPOSER_VERSION = "1.0"
MAX_FACTS_PER_POINT = 4


@dataclass
class ComposeInput:
    denial: Denial
    chart: Chart
    triage: Triage
    evidence: EvidenceMap
    passages: Sequence[PolicyPassage]
    settings: Settings
    today: dt.date
    voice: str = "practice"  # "practice" (billing office) or "patient" (the member appeals)


def quote(text: str) -> str:
    """Quote source text verbatim, minus trailing punctuation, so it stays a substring."""
    return "\u201c" + " ".join(text.split()).rstrip(" .;,") + "\u201d"


def placeholder(label: str) -> str:
    """A visible gap the validator will refuse: '[Member ID]'."""
    return f"[{label}]"


def _service_phrase(denial: Denial) -> str:
    parts = []
    for line in denial.service_lines:
        desc = line.description.strip()
        if line.code:
            parts.append(f"{desc} ({line.code_system.value} {line.code})" if desc else line.code)
        elif desc:
            parts.append(desc)
    return "; ".join(parts)


def _diagnosis_phrase(denial: Denial, chart: Chart) -> str:
    if denial.diagnosis_codes:
        return "; ".join(
            f"{d.description} ({d.code})" if d.description else d.code
            for d in denial.diagnosis_codes
        )
    coded = [f for f in chart.facts if f.type.value == "diagnosis" and f.codes]
    phrases_ = []
    for f in coded:
        text = f.text.strip().rstrip(".")
        missing = [c for c in f.codes if c not in text]
        phrases_.append(f"{text} ({', '.join(missing)})" if missing else text)
    return "; ".join(phrases_)


def _dates_of_service(denial: Denial) -> str:
    dates = sorted(set(denial.dates_of_service))
    if not dates:
        return ""
    if len(dates) == 1:
        return phrases.long_date(dates[0])
    return f"{phrases.long_date(dates[0])} to {phrases.long_date(dates[-1])}"


def _identifiers(inp: ComposeInput) -> dict[str, str]:
    d, c = inp.denial, inp.chart
    medicare = d.plan_type is PlanType.MEDICARE_AB
    post_service = bool(d.claim_number or d.adjustments)
    ids: dict[str, str] = {}
    ids["Patient"] = d.patient_name or c.patient.name or placeholder("Patient name")
    member = d.member_id or c.patient.member_id
    ids["Medicare number" if medicare else "Member ID"] = member or placeholder(
        "Medicare number" if medicare else "Member ID"
    )
    born = d.date_of_birth or c.patient.date_of_birth
    if born:  # the plan matches the member by name, id and date of birth
        ids["Date of birth"] = phrases.long_date(born)
    if d.claim_number:
        ids["Claim number"] = d.claim_number
    if d.reference_number:
        ids["Reference number"] = d.reference_number
    if not (d.claim_number or d.reference_number) and spec_requires(
        inp.triage.letter_type or "appeal", "claim_or_reference"
    ):
        ids["Claim number"] = placeholder("Claim or reference number")
    ids["Service"] = _service_phrase(d) or placeholder("Service and code")
    dos = _dates_of_service(d)
    if dos or post_service or medicare:
        ids["Date of service"] = dos or placeholder("Date of service")
    dx = _diagnosis_phrase(d, c)
    if dx or inp.triage.category in (Category.MEDICAL_NECESSITY, Category.EXPERIMENTAL):
        ids["Diagnosis"] = dx or placeholder("Diagnosis and ICD-10-CM code")
    if d.denial_date:
        ids["Date of denial"] = phrases.long_date(d.denial_date)
    return ids


def _recipient(d: Denial) -> str:
    if not d.payer and not d.reviewer:
        return placeholder("Payer appeals department")
    if d.reviewer and d.reviewer != d.payer:
        # A review vendor decided for the plan: the appeal goes to it, for the plan.
        plan = d.payer or "the member's health plan"
        lines = [f"Appeals Unit, {d.reviewer}, on behalf of {plan}"]
    else:
        lines = [f"Appeals Department, {d.payer}"]
    if d.appeal_instructions.address:
        lines.append(d.appeal_instructions.address)
    if d.appeal_instructions.fax:
        lines.append(f"Fax {d.appeal_instructions.fax}")
    return "\n".join(lines)


def _signer(chart: Chart, s: Settings) -> Signer:
    p = chart.provider
    named = bool(p.name)
    return Signer(
        name=p.name if named else (s.signer_name or placeholder("Signer name")),
        credentials=p.credentials if named else (s.signer_credentials or None),
        npi=(p.npi if named else s.signer_npi) or placeholder("Signer NPI"),
        practice=p.practice or s.practice_name or None,
        address=p.address or s.practice_address or None,
        phone=p.phone or s.practice_phone or None,
        fax=p.fax or s.practice_fax or None,
    )


def _doc_name(source: str) -> str:
    """'Progress note' → 'progress note', but keep 'PT note' and 'MRI report' as written."""
    source = source.strip() or "record"
    first = source.split()[0]
    return source if first[1:2].isupper() else source[0].lower() + source[1:]


def _patient_signer(inp: ComposeInput) -> Signer:
    """The member signs their own appeal."""
    name = inp.denial.patient_name or inp.chart.patient.name
    return Signer(name=name or placeholder("Your name"))


def _fact_lead(fact: ChartFact) -> str:
    doc = _doc_name(fact.source)
    if fact.date and fact.end_date and fact.end_date != fact.date:
        return (
            f"The {doc} covering {phrases.long_date(fact.date)} to "
            f"{phrases.long_date(fact.end_date)}"
        )
    if fact.date:
        return f"The {doc} of {phrases.long_date(fact.date)}"
    return f"The {doc}"


def _fact_sentences(facts: list[ChartFact]) -> list[str]:
    """One sentence per document: 'The note of May 30, 2017 records: “A” and “B”'."""
    groups: dict[str, list[str]] = {}
    for fact in facts:
        groups.setdefault(_fact_lead(fact), []).append(quote(fact.text))
    return [f"{lead} records: {phrases.join_and(quotes)}" for lead, quotes in groups.items()]


def section_label(section: str) -> str:
    """'Coverage criteria > 2' → 'Coverage criteria, item 2'."""
    return section.replace(" > ", ", item ")


def _enclosures(
    evidence: EvidenceMap, facts: dict[str, ChartFact], denial: Denial
) -> tuple[list[Enclosure], dict[str, int]]:
    """One enclosure per source document (source + date) that a met point relies on."""
    groups: dict[tuple[str, dt.date | None], list[str]] = {}
    for link in evidence.links:
        if link.status is not EvidenceStatus.MET:
            continue
        for fid in link.fact_ids[:MAX_FACTS_PER_POINT]:
            f = facts[fid]
            key = ((f.source or "Clinical record").strip(), f.date)
            groups.setdefault(key, [])
            if fid not in groups[key]:
                groups[key].append(fid)
    ordered = sorted(groups.items(), key=lambda kv: (kv[0][1] is None, kv[0][1] or dt.date.min))
    out: list[Enclosure] = []
    by_fact: dict[str, int] = {}
    for n, ((source, when), fids) in enumerate(ordered, start=1):
        desc = f"{source}, {phrases.long_date(when)}" if when else source
        out.append(Enclosure(number=n, description=desc, fact_ids=fids))
        by_fact.update({fid: n for fid in fids})
    when = f" dated {phrases.long_date(denial.denial_date)}" if denial.denial_date else ""
    out.append(Enclosure(number=len(out) + 1, description=f"Copy of the denial letter{when}"))
    return out, by_fact


def _policy_citation(p: PolicyPassage) -> Citation:
    return Citation(
        kind=CitationKind.POLICY,
        passage_id=p.id,
        policy_id=p.policy_id,
        section=p.section,
        label=f"{p.policy_id} ({p.title}), {section_label(p.section)}",
    )


def _denial_citation(denial: Denial, crit_id: str) -> Citation:
    source = denial.guideline or "the denial letter"
    return Citation(
        kind=CitationKind.DENIAL,
        label=f"{source}, as stated in the denial letter ({crit_id})",
    )


def _point(
    number: int,
    link: EvidenceLink,
    inp: ComposeInput,
    facts: dict[str, ChartFact],
    encl: dict[str, int],
    passages: dict[str, PolicyPassage],
) -> Point:
    crit = link.criterion
    used = link.fact_ids[:MAX_FACTS_PER_POINT]
    cited = [passages[pid] for pid in link.citations if pid in passages]
    heading = concept(link.concepts[0]).label if link.concepts else "The stated requirement"
    sentences: list[str] = []
    if crit.source is CriterionSource.DENIAL:
        sentences.append(f"Your letter states: {quote(crit.text)}")
    else:
        p = cited[0]
        heading = f"{heading} ({p.policy_id}, {section_label(p.section)})"
        body = re.sub(r"^\s*\d+\.\s*", "", crit.text)
        sentences.append(f"Your policy {p.policy_id} requires: {quote(body)}")
    sentences.extend(_fact_sentences([facts[fid] for fid in used]))
    if crit.source is CriterionSource.DENIAL and cited:
        refs = "; ".join(f"{p.policy_id}, {section_label(p.section)}" for p in cited)
        sentences.append(f"Your published policy sets out the same requirement ({refs})")
    numbers = sorted({encl[fid] for fid in used if fid in encl})
    text = " ".join(s + "." for s in sentences)
    if numbers:
        text += f" ({phrases.enclosure_ref(numbers)}.)"
    citations = [_policy_citation(p) for p in cited] or [_denial_citation(inp.denial, crit.id)]
    return Point(
        number=number,
        heading=heading,
        answers=crit.id,
        text=text,
        citations=citations,
        chart_facts=used,
        enclosures=numbers,
    )


def _opening(inp: ComposeInput, all_met: bool) -> str:
    d, t = inp.denial, inp.triage
    service = _service_phrase(d) or "the requested service"
    patient = inp.voice == "patient"
    we, whom = ("I", "") if patient else ("We", " for our patient")
    ask = (
        f"{we} ask you to approve {service}{whom} under the plan's exception process."
        if t.strategy is Strategy.EXCEPTION_REQUEST
        else f"{we} ask you to reverse the denial of {service}{whom}."
    )
    when = f" dated {phrases.long_date(d.denial_date)}" if d.denial_date else ""
    how = phrases.CATEGORY_PHRASE.get(t.category, "")
    parts = [ask, f"Your letter{when} denied it {how}".rstrip() + "."]
    if d.guideline:
        parts.append(f"It names {d.guideline} as the basis for the decision.")
    stated = len(d.stated_criteria)
    if stated:
        noun = "condition" if stated == 1 else f"{phrases.number_word(stated)} conditions"
        verb = "documents it" if stated == 1 else "documents each of them"
        tail = f"The enclosed record {verb}." if all_met else "We answer each below."
        parts.append(
            f"It states {'a ' if stated == 1 else ''}{noun} the notes did not show. {tail}"
        )
    elif all_met:
        parts.append("The enclosed record shows that the requirements for this service are met.")
    return " ".join(parts)


def _closing(inp: ComposeInput, all_met: bool) -> str:
    d, t = inp.denial, inp.triage
    service = _service_phrase(d) or "the service"
    we = "I" if inp.voice == "patient" else "we"
    if t.strategy is Strategy.EXCEPTION_REQUEST:
        ask = f"{we} ask that you grant the exception and cover {service}."
    else:
        ask = f"{we} ask that you reverse the denial and approve {service}."
    lead = (
        "Because each requirement is documented in the enclosed record, "
        if all_met
        else ("In light of the enclosed record, ")
    )
    parts = [lead + ask]
    request = phrases.CRITERIA_REQUEST.get(d.plan_type, phrases.CRITERIA_REQUEST_DEFAULT)
    if request:
        parts.append(request.replace("We also ask", "I also ask") if we == "I" else request)
    return " ".join(parts)


def _also_cites(point: Point, citations: list[Citation]) -> Point:
    """Add policy items that the same record meets to an earlier point."""
    new = [c for c in citations if c.passage_id not in {x.passage_id for x in point.citations}]
    if not new:
        return point
    refs = "; ".join(f"{c.policy_id}, {section_label(c.section or '')}" for c in new)
    text = f"{point.text} The same record answers your policy's requirement ({refs})."
    return point.model_copy(update={"text": text, "citations": [*point.citations, *new]})


def _restated(point: Point, link: EvidenceLink, earlier: int) -> Point:
    """The same record answers this criterion too: say so rather than quote it twice."""
    refs = "; ".join(
        f"{c.policy_id}, {section_label(c.section or '')}" for c in point.citations if c.policy_id
    )
    text = (
        f"Your letter also states: {quote(link.criterion.text)}. The record quoted in "
        f"point {earlier} answers this as well"
        + (f", as your policy sets out ({refs})." if refs else ".")
    )
    if point.enclosures:
        text += f" ({phrases.enclosure_ref(point.enclosures)}.)"
    return point.model_copy(update={"text": text})


def compose(inp: ComposeInput) -> LetterDraft:
    """Build the structured letter from the evidence map; text is rendered separately."""
    facts = {f.id: f for f in inp.chart.facts}
    passages = {p.id: p for p in inp.passages}
    enclosures, encl = _enclosures(inp.evidence, facts, inp.denial)
    met = [link for link in inp.evidence.links if link.status is EvidenceStatus.MET]
    stated_gaps = [
        link for link in inp.evidence.gaps if link.criterion.source is CriterionSource.DENIAL
    ]
    points: list[Point] = []
    seen: dict[tuple[str, ...], int] = {}
    for link in met:
        n = len(points) + 1
        point = _point(n, link, inp, facts, encl, passages)
        key = tuple(point.chart_facts)
        earlier = next((i for i, p in enumerate(points) if set(key) <= set(p.chart_facts)), None)
        if link.criterion.source is CriterionSource.POLICY and earlier is not None:
            # The record already quoted meets this policy item too: cite it there, once.
            points[earlier] = _also_cites(points[earlier], point.citations)
            continue
        if key in seen and link.criterion.source is CriterionSource.DENIAL:
            point = _restated(point, link, seen[key])
        seen.setdefault(key, n)
        points.append(point)
    all_met = not stated_gaps and bool(points)
    return LetterDraft(
        letter_type=inp.triage.letter_type or "appeal",
        voice=inp.voice,
        date=inp.today,
        recipient=_recipient(inp.denial),
        subject=f"Re: {phrases.SUBJECT_PREFIX.get(inp.triage.strategy, 'Appeal')} \u2014 "
        f"{_service_phrase(inp.denial) or placeholder('Service and code')}",
        identifiers=_identifiers(inp),
        opening=_opening(inp, all_met),
        points=points,
        closing=_closing(inp, all_met),
        gaps=[link.criterion.id for link in inp.evidence.gaps],
        enclosures=enclosures,
        signer=_patient_signer(inp) if inp.voice == "patient" else _signer(inp.chart, inp.settings),
    )
