"""The provider-voice letter of medical necessity: assessment → LetterDraft.

Written in the first person singular by the treating provider who signs it. Like the appeal
composer it states only what the inputs hold: chart facts are quoted as written with their date
and source document, each policy criterion is cited by policy id and item, and anything a
required element needs but the inputs lack becomes a placeholder the validator refuses.
The words are the partials' (templates/partials/necessity.j2 and common.j2).
"""

from __future__ import annotations

import datetime as dt
import re

from service.drafting import points, sections
from service.drafting.composer import enclosures_for, label, placeholder
from service.intake.necessity import template_id
from service.models import (
    ChartFact,
    EvidenceLink,
    EvidenceStatus,
    LetterDraft,
    LetterKind,
    PlanType,
    Point,
    Signer,
)
from service.policies.criteria import criterion_text
from service.readiness import Assessment
from service.render import long_date, phrase

COMPOSER_VERSION = "1.0"
# The section each kind of letter adds (a key of the label table), after the clinical history.
KIND_SECTION = {
    LetterKind.DRUG: "prior_drugs",
    LetterKind.DME: "standard_inadequate",
    LetterKind.THERAPY: "goals_and_progress",
}
# What each fact group of a section shows when the chart has none (a key of the placeholders).
_MISSING = {"goals_and_progress": ["goals", "progress"]}
_NUMBERED = re.compile(r"^\s*\d+\.\s*")  # a policy criterion's own list number
_CODE_NOTE = re.compile(r"\s*\(((?:[A-V]\d{4}|\d{5})(?:[^()]*))\)")


def _service(a: Assessment) -> str:
    return phrase("necessity", "service_line", line=a.case.denial.service_lines[0])


def _header(a: Assessment) -> dict[str, str]:
    d, svc = a.case.denial, a.case.request.service
    line = d.service_lines[0]
    ids = {"patient": d.patient_name or placeholder("patient_name")}
    if d.date_of_birth:
        ids["date_of_birth"] = long_date(d.date_of_birth)
    medicare = d.plan_type in (PlanType.MEDICARE_AB,) or a.case.payer_id == "medicare"
    member = "medicare_number" if medicare else "member_id"
    ids[member] = d.member_id or placeholder(member)
    ids["plan"] = d.payer or placeholder("payer")
    ids["requested_service"] = _service(a)
    ids["billing_codes"] = phrase("necessity", "billing_codes", line=line, codes=d.diagnosis_codes)
    ids["diagnosis"] = phrase("common", "diagnoses", codes=d.diagnosis_codes)
    ids["quantity_and_frequency"] = phrase("necessity", "quantity", service=svc)
    ids["duration_requested"] = (svc.duration or "").strip() or placeholder("duration_requested")
    ids["purpose"] = phrase("necessity", "purpose", purpose=a.case.request.purpose.value)
    return {label(key): value for key, value in ids.items()}


def _section_facts(a: Assessment) -> dict[str, list[list[ChartFact]]]:
    """Section key -> the fact groups it quotes (therapy has goals, then progress)."""
    facts, kind = a.case.chart.facts, a.case.kind
    out: dict[str, list[list[ChartFact]]] = {}
    history = sections.history(facts)
    if history:
        out["clinical_history"] = [history]
    if kind is LetterKind.DRUG:
        out[KIND_SECTION[kind]] = [sections.prior_drugs(facts)]
    elif kind is LetterKind.DME and sections.is_upgrade(a.case.request.service.description):
        out[KIND_SECTION[kind]] = [sections.standard_inadequate(facts)]
    elif kind is LetterKind.THERAPY:
        out[KIND_SECTION[kind]] = [sections.goals(facts), sections.progress(facts)]
    out["follow_up"] = [sections.follow_up(facts)]
    return out


def _body(found: dict[str, list[list[ChartFact]]]) -> dict[str, str]:
    out = {
        label(key): phrase(
            "necessity",
            "section",
            groups=[
                {"facts": group, "missing": missing}
                for group, missing in zip(groups, _MISSING.get(key, [key]), strict=False)
            ],
        )
        for key, groups in found.items()
    }
    out[label("attestation")] = phrase("necessity", "attestation")
    return out


def _no_upgrade(a: Assessment) -> dict[str, str]:
    # A standard item is not weighed against a simpler one: the section says so instead of asking
    # the chart for a comparison no reviewer needs (the template prints it for every DME letter).
    if a.case.kind is LetterKind.DME and not sections.is_upgrade(
        a.case.request.service.description
    ):
        return {label(KIND_SECTION[LetterKind.DME]): phrase("necessity", "no_upgrade")}
    return {}


def _pieces(body: str, codes: set[str]) -> list[str]:
    """The criterion in verbatim pieces, leaving out parentheticals that name only other codes
    (a letter for K0003 does not print K0005)."""
    pieces, last = [], 0
    for m in _CODE_NOTE.finditer(body):
        named = set(re.findall(r"[A-V]\d{4}|\d{5}", m.group(1)))
        if named and not named & codes:
            pieces.append(body[last : m.start()])
            last = m.end()
    pieces.append(body[last:])
    return [x for x in pieces if x.strip(" .;,")]


def _items(body: str) -> list[tuple[str, str]]:
    """The lettered items of a criterion ('a. ...', 'b. ...') as (letter, text) pairs."""
    parts = re.split(r"\n\s*([a-z])\.\s+", "\n" + body.split("\n", 1)[-1])
    return [(parts[i], parts[i + 1]) for i in range(1, len(parts) - 1, 2)]


def _point(n: int, link: EvidenceLink, a: Assessment, encl: dict[str, int]) -> Point:
    """A policy criterion answered in its own point, restating its evaluation as the appeal
    does (the same evaluation says the same thing in both letters)."""
    p = next(x for x in a.scope.passages if x.id == link.criterion.id)
    used = points.point_facts(link)
    body = _NUMBERED.sub("", criterion_text(p))
    numbers = sorted({encl[f] for f in used if f in encl})
    text = phrase(
        "necessity",
        "point",
        policy_id=p.policy_id,
        pieces=_pieces(body, set(a.case.denial.service_codes)),
        items=_items(body) if a.scope.items.get(p.id) else None,
        evaluation=link.evaluation,
        facts=points.fact_map(a.case.chart.facts),
        enclosures=numbers,
    )
    return Point(
        number=n,
        heading=phrase("necessity", "heading", title=points.title(link), passage=p),
        answers=p.id,
        text=text,
        citations=[points.policy_citation(p)],
        chart_facts=used,
        enclosures=numbers,
    )


def _opening(a: Assessment, all_met: bool) -> str:
    return phrase(
        "necessity",
        "opening",
        patient=a.case.denial.patient_name,
        credentials=a.case.chart.provider.credentials,
        purpose=a.case.request.purpose.value,
        line=a.case.denial.service_lines[0],
        codes=a.case.denial.diagnosis_codes,
        service=a.case.request.service,
        policy_id=a.readiness.policy_id,
        all_met=all_met,
    )


def _closing(a: Assessment) -> str:
    signer = a.case.chart.provider
    return phrase(
        "necessity",
        "closing",
        purpose=a.case.request.purpose.value,
        line=a.case.denial.service_lines[0],
        service=a.case.request.service,
        contact=signer.phone or signer.fax,
    )


def compose_necessity(a: Assessment, today: dt.date) -> LetterDraft:
    """Build the structured letter of medical necessity; text is rendered separately."""
    facts = {f.id: f for f in a.case.chart.facts}
    met = [link for link in a.evidence.links if link.status is EvidenceStatus.MET]
    found = _section_facts(a)
    used = [fid for link in met for fid in points.point_facts(link)]
    used += [f.id for groups in found.values() for group in groups for f in group]
    enclosures = enclosures_for(used, facts)
    encl = {fid: e.number for e in enclosures for fid in e.fact_ids}
    answered = [_point(n, link, a, encl) for n, link in enumerate(met, start=1)]
    all_met = bool(answered) and not a.evidence.gaps
    p = a.case.chart.provider
    return LetterDraft(
        letter_type=template_id(a.case.kind),
        voice="provider",
        date=today,
        recipient=phrase(
            "necessity",
            "recipient",
            purpose=a.case.request.purpose.value,
            payer=a.case.denial.payer,
        ),
        subject=phrase("necessity", "subject", line=a.case.denial.service_lines[0]),
        identifiers={**_header(a), **_no_upgrade(a), **_body(found)},
        opening=_opening(a, all_met),
        points=answered,
        closing=_closing(a),
        gaps=[link.criterion.id for link in a.evidence.gaps],
        enclosures=enclosures,
        signer=Signer(
            name=p.name,
            credentials=p.credentials,
            npi=p.npi,
            practice=p.practice,
            address=p.address,
            phone=p.phone,
            fax=p.fax,
        ),
    )
