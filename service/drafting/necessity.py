"""The provider-voice letter of medical necessity: assessment → LetterDraft.

Written in the first person singular by the treating provider who signs it. Like the appeal
composer it states only what the inputs hold: chart facts are quoted as written with their date
and source document, each policy criterion is cited by policy id and item, and anything a
required element needs but the inputs lack becomes a placeholder the validator refuses.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from service.drafting import sections
from service.drafting.composer import placeholder, quote, section_label
from service.drafting.phrases import enclosure_ref, long_date
from service.evidence.concepts import concept
from service.intake.necessity import template_id
from service.models import (
    ChartFact,
    Citation,
    CitationKind,
    Enclosure,
    EvidenceLink,
    EvidenceStatus,
    LetterDraft,
    LetterKind,
    PlanType,
    Point,
    PolicyPassage,
    Purpose,
    Signer,
)
from service.policies.criteria import criterion_text
from service.readiness import Assessment

COMPOSER_VERSION = "1.0"
MAX_FACTS_PER_POINT = 4
ATTESTATION = (
    "I attest that I am the treating provider for this patient, that I have reviewed the "
    "medical record, and that the information in this letter is accurate and is documented "
    "in the enclosed record."
)
KIND_SECTION = {
    LetterKind.DRUG: "Prior drugs tried",
    LetterKind.DME: "Why a standard item is inadequate",
    LetterKind.THERAPY: "Goals and progress",
}
_PURPOSE_ASK = {
    Purpose.PRIOR_AUTHORIZATION: "to request prior authorization of",
    Purpose.WITH_APPEAL: "in support of the appeal of your denial of",
    Purpose.CONTINUATION_OF_CARE: "to request continued authorization of",
}
_PURPOSE_LABEL = {
    Purpose.PRIOR_AUTHORIZATION: "Prior authorization",
    Purpose.WITH_APPEAL: "Supporting an appeal",
    Purpose.CONTINUATION_OF_CARE: "Continuation of care",
}


def fact_sentence(fact: ChartFact) -> str:
    """'The PT note of March 2, 2026 records: “…”' — the chart's words, dated and sourced."""
    source = (fact.source or "clinical record").strip()
    doc = source if source[1:2].isupper() else source[0].lower() + source[1:]
    if fact.date and fact.end_date and fact.end_date != fact.date:
        lead = f"The {doc} covering {long_date(fact.date)} to {long_date(fact.end_date)}"
    else:
        lead = f"The {doc} of {long_date(fact.date)}" if fact.date else f"The {doc}"
    return f"{lead} records: {quote(fact.text)}."


def _facts_text(found: Sequence[ChartFact], missing: str) -> str:
    return " ".join(fact_sentence(f) for f in found) if found else placeholder(missing)


def _service(a: Assessment) -> str:
    line = a.case.denial.service_lines[0]
    code = f"{line.code_system.value} {line.code}"
    return f"{line.description.strip()} ({code})" if line.description.strip() else code


def _diagnosis(a: Assessment) -> str:
    return "; ".join(
        f"{d.description} ({d.code})" if d.description else d.code
        for d in a.case.denial.diagnosis_codes
    )


def _quantity(a: Assessment) -> str:
    svc = a.case.request.service
    parts = [x.strip() for x in (svc.quantity, svc.frequency) if x and x.strip()]
    return ", ".join(parts) or placeholder("Quantity and frequency")


def _header(a: Assessment) -> dict[str, str]:
    d, svc = a.case.denial, a.case.request.service
    ids = {"Patient": d.patient_name or placeholder("Patient name")}
    if d.date_of_birth:
        ids["Date of birth"] = long_date(d.date_of_birth)
    medicare = d.plan_type in (PlanType.MEDICARE_AB,) or a.case.payer_id == "medicare"
    label = "Medicare number" if medicare else "Member ID"
    ids[label] = d.member_id or placeholder(label)
    ids["Plan"] = d.payer or placeholder("Payer")
    ids["Requested service"] = _service(a)
    line = d.service_lines[0]
    dx_codes = ", ".join(x.code for x in d.diagnosis_codes)
    ids["Billing codes"] = f"{line.code_system.value} {line.code}; diagnosis {dx_codes}"
    ids["Diagnosis"] = _diagnosis(a)
    ids["Quantity and frequency"] = _quantity(a)
    ids["Duration requested"] = (svc.duration or "").strip() or placeholder("Duration requested")
    ids["Purpose"] = _PURPOSE_LABEL[a.case.request.purpose]
    return ids


def _section_facts(a: Assessment) -> dict[str, list[list[ChartFact]]]:
    """Section label -> the fact groups it quotes (therapy has goals, then progress)."""
    facts, kind = a.case.chart.facts, a.case.kind
    out: dict[str, list[list[ChartFact]]] = {}
    history = sections.history(facts)
    if history:
        out["Clinical history"] = [history]
    if kind is LetterKind.DRUG:
        out[KIND_SECTION[kind]] = [sections.prior_drugs(facts)]
    elif kind is LetterKind.DME and sections.is_upgrade(a.case.request.service.description):
        out[KIND_SECTION[kind]] = [sections.standard_inadequate(facts)]
    elif kind is LetterKind.THERAPY:
        out[KIND_SECTION[kind]] = [sections.goals(facts), sections.progress(facts)]
    out["Follow-up plan"] = [sections.follow_up(facts)]
    return out


_MISSING = {"Goals and progress": ["Measurable goals", "Measured progress"]}


def _body(found: dict[str, list[list[ChartFact]]]) -> dict[str, str]:
    out = {
        label: " ".join(
            _facts_text(group, name)
            for group, name in zip(groups, _MISSING.get(label, [label]), strict=False)
        )
        for label, groups in found.items()
    }
    out["Attestation"] = ATTESTATION
    return out


# A standard item is not weighed against a simpler one: the section says so instead of asking the
# chart for a comparison no reviewer needs (the template prints the section for every DME letter).
NO_UPGRADE = (
    "No upgrade is requested: the item is the standard one for this need, so there is "
    "no simpler item to rule out."
)


def _no_upgrade(a: Assessment) -> dict[str, str]:
    if a.case.kind is LetterKind.DME and not sections.is_upgrade(
        a.case.request.service.description
    ):
        return {KIND_SECTION[LetterKind.DME]: NO_UPGRADE}
    return {}


_CODE_NOTE = re.compile(r"\s*\(((?:[A-V]\d{4}|\d{5})(?:[^()]*))\)")


def quote_for(body: str, codes: set[str]) -> str:
    """The criterion quoted verbatim, leaving out parentheticals that name only other codes
    (a letter for K0003 does not print K0005); each remaining piece stays a verbatim quote."""
    pieces, last = [], 0
    for m in _CODE_NOTE.finditer(body):
        named = set(re.findall(r"[A-V]\d{4}|\d{5}", m.group(1)))
        if named and not named & codes:
            pieces.append(body[last : m.start()])
            last = m.end()
    pieces.append(body[last:])
    return " \u2026 ".join(quote(x) for x in pieces if x.strip(" .;,"))


def _requirement(p: PolicyPassage, items: list[str] | None, codes: set[str]) -> str:
    body = re.sub(r"^\s*\d+\.\s*", "", criterion_text(p))
    if not items:
        return f"Your policy {p.policy_id} requires: {quote_for(body, codes)}."
    parts = re.split(r"\n\s*([a-z])\.\s+", "\n" + body.split("\n", 1)[-1])
    kept = [(parts[i], parts[i + 1]) for i in range(1, len(parts) - 1, 2)]
    quoted = "; ".join(f"item {letter}, {quote(text)}" for letter, text in kept)
    return f"Your policy {p.policy_id} requires ({quoted})."


def _point(n: int, link: EvidenceLink, a: Assessment, encl: dict[str, int]) -> Point:
    p = next(x for x in a.scope.passages if x.id == link.criterion.id)
    facts = {f.id: f for f in a.case.chart.facts}
    used = link.fact_ids[:MAX_FACTS_PER_POINT]
    label = concept(link.concepts[0]).label if link.concepts else "Policy requirement"
    text = " ".join(
        [
            _requirement(p, a.scope.items.get(p.id), set(a.case.denial.service_codes)),
            *(fact_sentence(facts[f]) for f in used),
        ]
    )
    numbers = sorted({encl[f] for f in used if f in encl})
    if numbers:
        text += f" ({enclosure_ref(numbers)}.)"
    citation = Citation(
        kind=CitationKind.POLICY,
        passage_id=p.id,
        policy_id=p.policy_id,
        section=p.section,
        label=f"{p.policy_id} ({p.title}), {section_label(p.section)}",
    )
    return Point(
        number=n,
        heading=f"{label} ({p.policy_id}, {section_label(p.section)})",
        answers=p.id,
        text=text,
        citations=[citation],
        chart_facts=used,
        enclosures=numbers,
    )


def _enclosures(fact_ids: Sequence[str], facts: dict[str, ChartFact]) -> list[Enclosure]:
    """One enclosure per source document (source and date) the letter relies on."""
    groups: dict[tuple[str, dt.date | None], list[str]] = {}
    for fid in dict.fromkeys(fact_ids):
        f = facts[fid]
        groups.setdefault(((f.source or "Clinical record").strip(), f.date), []).append(fid)
    ordered = sorted(groups.items(), key=lambda kv: (kv[0][1] is None, kv[0][1] or dt.date.min))
    return [
        Enclosure(number=n, description=f"{src}, {long_date(when)}" if when else src, fact_ids=ids)
        for n, ((src, when), ids) in enumerate(ordered, start=1)
    ]


def _opening(a: Assessment, all_met: bool) -> str:
    r, signer = a.case.request, a.case.chart.provider
    role = signer.credentials or "provider"
    patient = a.case.denial.patient_name or "my patient"
    parts = [
        f"I am writing as {patient}'s treating {role} {_PURPOSE_ASK[r.purpose]} {_service(a)} "
        f"for {_diagnosis(a)}."
    ]
    if r.service.duration:
        parts.append(f"I am requesting {_quantity(a)} for {r.service.duration.strip()}.")
    if all_met and a.readiness.policy_id:
        parts.append(
            f"The enclosed record documents each criterion of your policy "
            f"{a.readiness.policy_id} that applies to this request, as set out below."
        )
    return " ".join(parts)


def _closing(a: Assessment) -> str:
    r, signer = a.case.request, a.case.chart.provider
    span = f" for {r.service.duration.strip()}" if r.service.duration else ""
    ask = "continue to authorize" if r.purpose is Purpose.CONTINUATION_OF_CARE else "authorize"
    if r.purpose is Purpose.WITH_APPEAL:
        ask = "reverse the denial and authorize"
    text = f"Based on this record, I ask you to {ask} {_service(a)}{span}."
    contact = signer.phone or signer.fax
    if contact:
        text += f" I am available to discuss this request with your medical reviewer at {contact}."
    return text


def _recipient(a: Assessment) -> str:
    payer = a.case.denial.payer or placeholder("Payer")
    if a.case.request.purpose is Purpose.WITH_APPEAL:
        return f"Appeals Department, {payer}"
    return f"Utilization Management, {payer}"


def compose_necessity(a: Assessment, today: dt.date) -> LetterDraft:
    """Build the structured letter of medical necessity; text is rendered separately."""
    facts = {f.id: f for f in a.case.chart.facts}
    met = [link for link in a.evidence.links if link.status is EvidenceStatus.MET]
    found = _section_facts(a)
    used = [fid for link in met for fid in link.fact_ids[:MAX_FACTS_PER_POINT]]
    used += [f.id for groups in found.values() for group in groups for f in group]
    enclosures = _enclosures(used, facts)
    encl = {fid: e.number for e in enclosures for fid in e.fact_ids}
    points = [_point(n, link, a, encl) for n, link in enumerate(met, start=1)]
    all_met = bool(points) and not a.evidence.gaps
    p = a.case.chart.provider
    return LetterDraft(
        letter_type=template_id(a.case.kind),
        voice="provider",
        date=today,
        recipient=_recipient(a),
        subject=f"Re: Letter of medical necessity \u2014 {_service(a)}",
        identifiers={**_header(a), **_no_upgrade(a), **_body(found)},
        opening=_opening(a, all_met),
        points=points,
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
