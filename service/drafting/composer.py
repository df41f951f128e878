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
from service.drafting import points
from service.models import (
    Category,
    Chart,
    ChartFact,
    Citation,
    Claim,
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
    # The configured practice's address and numbers belong to that practice: they fill what
    # the chart leaves out only when the chart names no other practice for its clinician.
    other = bool(p.practice) and _key(p.practice) != _key(s.practice_name)

    def fill(chart_value: str | None, configured: str) -> str | None:
        return chart_value or (None if other else configured) or None

    return Signer(
        name=p.name if named else (s.signer_name or placeholder("signer_name")),
        credentials=p.credentials if named else (s.signer_credentials or None),
        npi=(p.npi if named else s.signer_npi) or placeholder("signer_npi"),
        practice=p.practice or s.practice_name or None,
        address=fill(p.address, s.practice_address),
        phone=fill(p.phone, s.practice_phone),
        fax=fill(p.fax, s.practice_fax),
    )


def _key(name: str | None) -> str:
    return " ".join((name or "").lower().split())


def _patient_signer(inp: ComposeInput) -> Signer:
    """The member signs their own appeal."""
    name = inp.denial.patient_name or inp.chart.patient.name
    return Signer(name=name or placeholder("your_name"))


def enclosures_for(fact_ids: Sequence[str], facts: dict[str, ChartFact]) -> list[Enclosure]:
    """One enclosure per source document (source and date) the letter relies on, by date."""
    groups: dict[tuple[str, dt.date | None], list[str]] = {}
    for fid in dict.fromkeys(fact_ids):
        f = facts[fid]
        day = f.note_date or f.date  # the document's date, not a date its sentence states
        desc = phrase("common", "enclosure", source=f.source, date=day)
        groups.setdefault((desc, day), []).append(fid)
    ordered = sorted(groups.items(), key=lambda kv: (kv[0][1] is None, kv[0][1] or dt.date.min))
    return [
        Enclosure(number=n, description=desc, fact_ids=fids)
        for n, ((desc, _), fids) in enumerate(ordered, start=1)
    ]


def _enclosures(
    used: Sequence[str], facts: dict[str, ChartFact], denial: Denial
) -> tuple[list[Enclosure], dict[str, int]]:
    """The documents the points rely on, then the denial letter itself."""
    out = enclosures_for(used, facts)
    by_fact = {fid: e.number for e in out for fid in e.fact_ids}
    copy = phrase("appeal", "denial_copy", date=denial.denial_date)
    return [*out, Enclosure(number=len(out) + 1, description=copy)], by_fact


def _point(
    number: int,
    link: EvidenceLink,
    inp: ComposeInput,
    facts: dict[str, ChartFact],
    encl: dict[str, int],
    passages: dict[str, PolicyPassage],
) -> Point:
    """A criterion answered in its own point: the payer's words, the evaluation's evidence and
    comparison, and the policy items that back it."""
    crit = link.criterion
    used = points.point_facts(link)
    cited = [passages[pid] for pid in link.citations if pid in passages]
    numbers = sorted({encl[fid] for fid in used if fid in encl})
    # A policy criterion is answered as the policy sets it; a stated one as the denial words it.
    source = cited[0] if crit.source is CriterionSource.POLICY else None
    text = phrase(
        "appeal",
        "point",
        criterion=_NUMBERED.sub("", crit.text) if source else points.asked(link),
        listed=crit.id in {sc.id for sc in inp.denial.stated_criteria},
        policy_id=source.policy_id if source else None,
        evaluation=link.evaluation,
        facts=facts,
        source=points.authority(link, inp.denial),
        same_policy=[] if source else cited,
        enclosures=numbers,
    )
    citations = [points.policy_citation(p) for p in cited] or [
        points.denial_citation(inp.denial, crit.id)
    ]
    return Point(
        number=number,
        heading=phrase("appeal", "heading", title=points.title(link), passage=source),
        answers=crit.id,
        text=text,
        citations=citations,
        chart_facts=used,
        enclosures=numbers,
    )


def _consideration(
    number: int, link: EvidenceLink, inp: ComposeInput, used: list[ChartFact], encl: dict[str, int]
) -> Point:
    """An experimental denial's criterion the chart cannot answer: the record set out for
    individual consideration, claiming nothing met."""
    numbers = sorted({encl[f.id] for f in used if f.id in encl})
    text = phrase(
        "appeal",
        "consideration",
        criterion=link.criterion.text,
        patient=inp.voice == "patient",
        facts=used,
        trial=points.routine_trial_care(inp.denial, inp.chart),
        plan_type=inp.denial.plan_type.value,
        enclosures=numbers,
    )
    return Point(
        number=number,
        heading=phrase("appeal", "heading", title=points.title(link), passage=None),
        answers=link.criterion.id,
        claim=Claim.CONSIDERATION,
        text=text,
        citations=[points.denial_citation(inp.denial, link.criterion.id)],
        chart_facts=[f.id for f in used],
        enclosures=numbers,
    )


def _opening(inp: ComposeInput, all_met: bool, answered: int, consideration: bool) -> str:
    d, t = inp.denial, inp.triage
    listed = {sc.id for sc in d.stated_criteria}
    # the criteria the denial lists, as the evidence map reads them (a reason-code line is none)
    stated = sum(1 for lk in inp.evidence.links if lk.criterion.id in listed)
    return phrase(
        "appeal",
        "opening",
        exception=t.strategy is Strategy.EXCEPTION_REQUEST,
        consideration=consideration,
        patient=inp.voice == "patient",
        service=service_phrase(d),
        denial_date=d.denial_date,
        category=t.category.value,
        guideline=d.guideline,
        stated=stated,
        answered=answered,
        all_met=all_met,
    )


def _closing(inp: ComposeInput, all_met: bool, records: bool, consideration: bool) -> str:
    return phrase(
        "appeal",
        "closing",
        exception=inp.triage.strategy is Strategy.EXCEPTION_REQUEST,
        consideration=consideration,
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


def _planned(inp: ComposeInput) -> list[tuple[EvidenceLink, list[ChartFact] | None]]:
    """The criteria the letter answers, in order, each with the facts of an individual-
    consideration point (None for a point that restates a met evaluation): one per stated
    criterion the chart meets or, where the strategy allows, one it sets out for individual
    consideration; then each policy criterion met."""
    plan: list[tuple[EvidenceLink, list[ChartFact] | None]] = []
    for link in inp.evidence.links:
        stated = link.criterion.source is CriterionSource.DENIAL
        if link.status is EvidenceStatus.MET:
            plan.append((link, None))
        elif stated and points.open_to_consideration(link, inp.triage):
            shown = points.consideration_facts(inp.chart)
            if shown:
                plan.append((link, shown))
    # the stated criteria first, in the denial's order, then the policy's
    return sorted(plan, key=lambda item: item[0].criterion.source is not CriterionSource.DENIAL)


def _points(inp: ComposeInput, facts: dict[str, ChartFact]) -> tuple[list[Point], list[Enclosure]]:
    """The letter's points and its enclosures (the documents the points cite, then the denial)."""
    plan = _planned(inp)
    used = [
        fid
        for link, shown in plan
        for fid in (points.point_facts(link) if shown is None else [f.id for f in shown])
    ]
    enclosures, encl = _enclosures(used, facts, inp.denial)
    passages = {p.id: p for p in inp.passages}
    out: list[Point] = []
    for link, shown in plan:
        n = len(out) + 1
        if shown is not None:
            out.append(_consideration(n, link, inp, shown, encl))
            continue
        point = _point(n, link, inp, facts, encl, passages)
        key = set(point.chart_facts)
        earlier = next((i for i, p in enumerate(out) if key and key <= set(p.chart_facts)), None)
        if link.criterion.source is CriterionSource.POLICY and earlier is not None:
            # The record already quoted meets this policy item too: cite it there, once.
            out[earlier] = _also_cites(out[earlier], point.citations)
            continue
        out.append(point)
    return out, enclosures


def compose(inp: ComposeInput) -> LetterDraft:
    """Build the structured letter from the evidence map; text is rendered separately."""
    facts = {f.id: f for f in inp.chart.facts}
    numbered, enclosures = _points(inp, facts)
    stated = [lk for lk in inp.evidence.links if lk.criterion.source is CriterionSource.DENIAL]
    stated_ids = {lk.criterion.id for lk in stated}
    met_ids = {p.answers for p in numbered if p.claim is Claim.MET}
    answered = len({p.answers for p in numbered} & stated_ids)
    consideration = any(p.claim is Claim.CONSIDERATION for p in numbered)
    # What the letter may announce follows what it holds: every stated criterion answered by
    # a point whose evaluation is met, and chart records enclosed (every enclosure but the
    # denial copy carries chart facts).
    all_met = bool(numbered) and stated_ids <= met_ids and not consideration
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
        opening=_opening(inp, all_met, answered, consideration),
        points=numbered,
        closing=_closing(inp, all_met, records, consideration),
        gaps=[link.criterion.id for link in inp.evidence.gaps],
        enclosures=enclosures,
        signer=_patient_signer(inp) if inp.voice == "patient" else _signer(inp.chart, inp.settings),
    )
