"""The offline, deterministic composer: evidence map → LetterDraft.

It states only what the inputs hold. Chart facts are quoted as written, with their date and the
document they come from; a policy criterion is cited by policy id and section; a guideline we do
not hold is named as the payer's own and answered as the denial states it. Anything a required
element needs but the inputs lack becomes a bracketed placeholder, which the validator refuses.
The words are the partials' (templates/partials/appeal.j2 and common.j2): this module decides
what each part of the letter says and hands the partials structured values.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from service.config import Settings
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
    FactType,
    LetterDraft,
    PlanType,
    Point,
    PolicyPassage,
    Signer,
    Strategy,
    Triage,
)
from service.render import long_date, phrase, spec_requires, words

COMPOSER_VERSION = "1.0"
MAX_FACTS_PER_POINT = 4
_NUMBERED = re.compile(r"^\s*\d+\.\s*")  # a policy criterion's own list number


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


def placeholder(what: str) -> str:
    """A visible gap the validator will refuse ('[Member ID]'); `what` keys the wording table."""
    return phrase("common", "placeholder", what=what)


def label(key: str) -> str:
    """The label an identifier line prints and the letter's spec addresses ('Member ID')."""
    return str(words("common")["labels"][key])


def service_phrase(denial: Denial) -> str:
    """The denied service lines as the letter names them, '' when the denial names none."""
    return phrase("appeal", "service_lines", lines=denial.service_lines)


def _diagnosis_phrase(denial: Denial, chart: Chart) -> str:
    if denial.diagnosis_codes:
        items = [{"text": d.description, "codes": [d.code]} for d in denial.diagnosis_codes]
        return phrase("common", "coded", items=items)
    items = []
    for f in chart.facts:
        if f.type is FactType.DIAGNOSIS and f.codes:
            text = f.text.strip().rstrip(".")
            # A code the chart's own words already show is not repeated after them.
            items.append({"text": text, "codes": [c for c in f.codes if c not in text]})
    return phrase("common", "coded", items=items)


def _dates_of_service(denial: Denial) -> str:
    dates = sorted(set(denial.dates_of_service))
    return phrase("common", "dates", first=dates[0], last=dates[-1]) if dates else ""


def _identifiers(inp: ComposeInput) -> dict[str, str]:
    d, c = inp.denial, inp.chart
    medicare = d.plan_type is PlanType.MEDICARE_AB
    post_service = bool(d.claim_number or d.adjustments)
    member = "medicare_number" if medicare else "member_id"
    ids: dict[str, str] = {
        "patient": d.patient_name or c.patient.name or placeholder("patient_name"),
    }
    # the plan files an appeal by the member: their date of birth, when known, matches it
    born = d.date_of_birth or c.patient.date_of_birth
    if born:
        ids["date_of_birth"] = long_date(born)
    ids[member] = d.member_id or c.patient.member_id or placeholder(member)
    if d.claim_number:
        ids["claim_number"] = d.claim_number
    if d.reference_number:
        ids["reference_number"] = d.reference_number
    if not (d.claim_number or d.reference_number) and spec_requires(
        inp.triage.letter_type or "appeal", "claim_or_reference"
    ):
        ids["claim_number"] = placeholder("claim_or_reference")
    ids["service"] = service_phrase(d) or placeholder("service")
    dos = _dates_of_service(d)
    if dos or post_service or medicare:
        ids["date_of_service"] = dos or placeholder("date_of_service")
    dx = _diagnosis_phrase(d, c)
    if dx or inp.triage.category in (Category.MEDICAL_NECESSITY, Category.EXPERIMENTAL):
        ids["diagnosis"] = dx or placeholder("diagnosis")
    if d.denial_date:
        ids["date_of_denial"] = long_date(d.denial_date)
    return {label(key): value for key, value in ids.items()}


def _recipient(d: Denial) -> str:
    return phrase(
        "appeal",
        "recipient",
        payer=d.payer,
        reviewer=d.reviewer,
        address=d.appeal_instructions.address,
        fax=d.appeal_instructions.fax,
    )


def _signer(chart: Chart, s: Settings) -> Signer:
    p = chart.provider
    named = bool(p.name)
    return Signer(
        name=p.name if named else (s.signer_name or placeholder("signer_name")),
        credentials=p.credentials if named else (s.signer_credentials or None),
        npi=(p.npi if named else s.signer_npi) or placeholder("signer_npi"),
        practice=p.practice or s.practice_name or None,
        address=p.address or s.practice_address or None,
        phone=p.phone or s.practice_phone or None,
        fax=p.fax or s.practice_fax or None,
    )


def _patient_signer(inp: ComposeInput) -> Signer:
    """The member signs their own appeal."""
    name = inp.denial.patient_name or inp.chart.patient.name
    return Signer(name=name or placeholder("your_name"))


def _by_document(facts: list[ChartFact]) -> list[list[ChartFact]]:
    """Facts grouped by the document (and date) the letter names them by: one sentence each."""
    groups: dict[str, list[ChartFact]] = {}
    for fact in facts:
        groups.setdefault(phrase("appeal", "document", fact=fact), []).append(fact)
    return list(groups.values())


def enclosures_for(fact_ids: Sequence[str], facts: dict[str, ChartFact]) -> list[Enclosure]:
    """One enclosure per source document (source and date) the letter relies on, by date."""
    groups: dict[tuple[str, dt.date | None], list[str]] = {}
    for fid in dict.fromkeys(fact_ids):
        f = facts[fid]
        desc = phrase("common", "enclosure", source=f.source, date=f.date)
        groups.setdefault((desc, f.date), []).append(fid)
    ordered = sorted(groups.items(), key=lambda kv: (kv[0][1] is None, kv[0][1] or dt.date.min))
    return [
        Enclosure(number=n, description=desc, fact_ids=fids)
        for n, ((desc, _), fids) in enumerate(ordered, start=1)
    ]


def _enclosures(
    evidence: EvidenceMap, facts: dict[str, ChartFact], denial: Denial
) -> tuple[list[Enclosure], dict[str, int]]:
    """The documents the met points rely on, then the denial letter itself."""
    used = [
        fid
        for link in evidence.links
        if link.status is EvidenceStatus.MET
        for fid in link.fact_ids[:MAX_FACTS_PER_POINT]
    ]
    out = enclosures_for(used, facts)
    by_fact = {fid: e.number for e in out for fid in e.fact_ids}
    copy = phrase("appeal", "denial_copy", date=denial.denial_date)
    return [*out, Enclosure(number=len(out) + 1, description=copy)], by_fact


def _policy_citation(p: PolicyPassage) -> Citation:
    return Citation(
        kind=CitationKind.POLICY,
        passage_id=p.id,
        policy_id=p.policy_id,
        section=p.section,
        label=phrase("common", "policy_citation", passage=p),
    )


def _denial_citation(denial: Denial, crit_id: str) -> Citation:
    text = phrase("appeal", "denial_citation", guideline=denial.guideline, criterion=crit_id)
    return Citation(kind=CitationKind.DENIAL, label=text)


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
    numbers = sorted({encl[fid] for fid in used if fid in encl})
    # A policy criterion is answered as the policy sets it; a stated one as the denial words it.
    source = cited[0] if crit.source is CriterionSource.POLICY else None
    text = phrase(
        "appeal",
        "point",
        criterion=_NUMBERED.sub("", crit.text) if source else crit.text,
        policy_id=source.policy_id if source else None,
        groups=_by_document([facts[fid] for fid in used]),
        same_policy=[] if source else cited,
        enclosures=numbers,
    )
    name = concept(link.concepts[0]).label if link.concepts else ""
    citations = [_policy_citation(p) for p in cited] or [_denial_citation(inp.denial, crit.id)]
    return Point(
        number=number,
        heading=phrase("appeal", "heading", concept=name, passage=source),
        answers=crit.id,
        text=text,
        citations=citations,
        chart_facts=used,
        enclosures=numbers,
    )


def _opening(inp: ComposeInput, all_met: bool, answered: int) -> str:
    d, t = inp.denial, inp.triage
    return phrase(
        "appeal",
        "opening",
        exception=t.strategy is Strategy.EXCEPTION_REQUEST,
        patient=inp.voice == "patient",
        service=service_phrase(d),
        denial_date=d.denial_date,
        category=t.category.value,
        guideline=d.guideline,
        stated=len(d.stated_criteria),
        answered=answered,
        all_met=all_met,
    )


def _closing(inp: ComposeInput, all_met: bool, records: bool) -> str:
    return phrase(
        "appeal",
        "closing",
        exception=inp.triage.strategy is Strategy.EXCEPTION_REQUEST,
        patient=inp.voice == "patient",
        service=service_phrase(inp.denial),
        all_met=all_met,
        records=records,
        plan_type=inp.denial.plan_type.value,
    )


def _also_cites(point: Point, citations: list[Citation]) -> Point:
    """Add policy items that the same record meets to an earlier point."""
    new = [c for c in citations if c.passage_id not in {x.passage_id for x in point.citations}]
    if not new:
        return point
    text = phrase("appeal", "also_cites", text=point.text, citations=new)
    return point.model_copy(update={"text": text, "citations": [*point.citations, *new]})


def _restated(point: Point, link: EvidenceLink, earlier: int) -> Point:
    """The same record answers this criterion too: say so rather than quote it twice."""
    text = phrase(
        "appeal",
        "restated",
        criterion=link.criterion.text,
        earlier=earlier,
        citations=[c for c in point.citations if c.policy_id],
        enclosures=point.enclosures,
    )
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
    # What the letter may announce follows what it holds: stated conditions its points answer,
    # and chart records enclosed (every enclosure but the denial copy carries chart facts).
    answered = len({p.answers for p in points} & {sc.id for sc in inp.denial.stated_criteria})
    records = any(e.fact_ids for e in enclosures)
    return LetterDraft(
        letter_type=inp.triage.letter_type or "appeal",
        voice=inp.voice,
        date=inp.today,
        recipient=_recipient(inp.denial),
        subject=phrase(
            "appeal",
            "subject",
            strategy=inp.triage.strategy.value,
            service=service_phrase(inp.denial),
        ),
        identifiers=_identifiers(inp),
        opening=_opening(inp, all_met, answered),
        points=points,
        closing=_closing(inp, all_met, records),
        gaps=[link.criterion.id for link in inp.evidence.gaps],
        enclosures=enclosures,
        signer=_patient_signer(inp) if inp.voice == "patient" else _signer(inp.chart, inp.settings),
    )
