"""Evidence map → composer → validator, on hand-built cases (no intake, no index)."""

from __future__ import annotations

import datetime as dt

import pytest
from support import LUMBAR_POLICY, lumbar_denial

from service.config import Settings
from service.drafting.composer import ComposeInput, compose
from service.evidence.match import build_evidence_map
from service.models import (
    Category,
    Chart,
    ChartFact,
    Citation,
    CitationKind,
    CodeSystem,
    EvidenceStatus,
    FactType,
    Person,
    Provider,
    ServiceLine,
    StatedCriterion,
    Strategy,
    Triage,
)
from service.render import render_text
from service.validate import validate

TODAY = dt.date(2026, 11, 22)


_denial = lumbar_denial


def _fact(i, type_, text, date, end=None, source="Progress note"):
    return ChartFact(id=f"F{i}", type=type_, text=text, date=date, end_date=end, source=source)


FULL_FACTS = [
    _fact(
        1,
        FactType.PRIOR_TREATMENT,
        "Physical therapy twice weekly for 8 weeks with no improvement in leg pain",
        dt.date(2026, 7, 1),
        dt.date(2026, 8, 26),
        "PT discharge note",
    ),
    _fact(
        2,
        FactType.MEDICATION,
        "Naproxen 500 mg twice daily for 8 weeks, pain persists at 7/10",
        dt.date(2026, 7, 1),
        dt.date(2026, 8, 26),
    ),
    _fact(
        3,
        FactType.EXAM,
        "Positive straight leg raise on the left at 40 degrees; ankle reflex diminished",
        dt.date(2026, 9, 2),
    ),
]


def _chart(facts=FULL_FACTS, provider=True) -> Chart:
    prov = (
        Provider(name="Maria Lopez", credentials="MD", npi="1234567893", phone="555-010-2000")
        if provider
        else Provider()
    )
    return Chart(
        patient=Person(name="Dana Whitfield"),
        provider=prov,
        facts=list(facts),
        source_text="\n".join(f.text for f in facts),
    )


def _triage() -> Triage:
    return Triage(
        category=Category.MEDICAL_NECESSITY,
        strategy=Strategy.APPEAL,
        letter_type="appeal",
        appeal_level="First-level internal appeal",
    )


def _draft(denial=None, chart=None, passages=LUMBAR_POLICY, mutate=None):
    denial, chart = denial or _denial(), chart or _chart()
    settings = Settings(today=TODAY.isoformat())
    evidence = build_evidence_map(denial, chart, passages)
    letter = compose(ComposeInput(denial, chart, _triage(), evidence, passages, settings, TODAY))
    if mutate:
        letter = mutate(letter)
    letter = letter.model_copy(update={"text": render_text(letter, settings)})
    report = validate(
        letter,
        denial=denial,
        chart=chart,
        triage=_triage(),
        evidence=evidence,
        passages=passages,
        settings=settings,
    )
    return letter, report, evidence


def codes(report):
    return {p.code for p in report.problems if p.severity == "error"}


def test_complete_chart_is_released_and_answers_each_stated_criterion():
    letter, report, evidence = _draft()
    assert report.ok, report.problems
    answered = {p.answers for p in letter.points}
    assert {"SC1", "SC2"} <= answered
    for p in letter.points:
        assert p.citations and p.chart_facts
    # the stated criteria are backed by the payer's own policy passages
    cited = {c.passage_id for p in letter.points for c in p.citations}
    assert cited <= {lp.id for lp in LUMBAR_POLICY} and cited
    for must in ("72148", "M54.16", "NWH448812", "CLM-2026-0091", "Maria Lopez", "1234567893"):
        assert must in letter.text
    assert "[" not in letter.text


def test_missing_evidence_holds_the_letter_and_names_the_criterion():
    facts = [f for f in FULL_FACTS if f.type is not FactType.EXAM]
    letter, report, evidence = _draft(chart=_chart(facts))
    assert not report.ok
    gaps = [p for p in report.problems if p.code == "stated_criterion_not_documented"]
    assert [p.where for p in gaps] == ["criteria.SC2"]
    assert "SC2" not in {p.answers for p in letter.points}


def test_empty_chart_is_held_with_each_missing_element():
    letter, report, _ = _draft(chart=Chart())
    assert not report.ok
    wheres = {p.where for p in report.problems}
    assert {"criteria.SC1", "criteria.SC2", "signer.name", "signer.npi"} <= wheres


def test_unknown_payer_policy_cites_the_denial_as_the_payers_own():
    denial = _denial(guideline="Imaging of the Lumbar Spine guideline")
    letter, report, _ = _draft(denial=denial, passages=[])
    assert report.ok, report.problems
    kinds = {c.kind for p in letter.points for c in p.citations}
    assert kinds == {CitationKind.DENIAL}
    assert "Imaging of the Lumbar Spine guideline" in letter.text


@pytest.mark.parametrize(
    ("mutation", "problem"),
    [
        (
            lambda p: p.model_copy(update={"text": p.text + " The CPT 99215 visit confirms it."}),
            "ungrounded_code",
        ),
        (
            lambda p: p.model_copy(update={"text": p.text + " Seen again on March 3, 2019."}),
            "ungrounded_date",
        ),
        (
            lambda p: p.model_copy(
                update={"text": p.text + " \u201cMRI showed cauda equina\u201d."}
            ),
            "ungrounded_quote",
        ),
        (lambda p: p.model_copy(update={"text": p.text + " We will pursue legal action."}), "tone"),
        (
            lambda p: p.model_copy(
                update={
                    "citations": [
                        Citation(
                            kind=CitationKind.POLICY, passage_id="NW-IMG-999@v1#coverage-criteria-1"
                        )
                    ]
                }
            ),
            "invalid_citation",
        ),
        (lambda p: p.model_copy(update={"citations": []}), "missing_citation"),
        (
            lambda p: p.model_copy(update={"text": p.text + " See policy BSM-RAD-0207."}),
            "ungrounded_policy",
        ),
        (
            lambda p: p.model_copy(update={"text": p.text + " Billed $4,120.00."}),
            "ungrounded_amount",
        ),
        # a policy citation the reader cannot see: the policy id is nowhere in the point
        (
            lambda p: p.model_copy(
                update={
                    "heading": p.heading.replace("NW-IMG-104", "the policy"),
                    "text": p.text.replace("NW-IMG-104", "the policy"),
                    "citations": [c for c in p.citations if c.policy_id]
                    or [
                        Citation(
                            kind=CitationKind.POLICY,
                            passage_id=LUMBAR_POLICY[0].id,
                            policy_id=LUMBAR_POLICY[0].policy_id,
                            section=LUMBAR_POLICY[0].section,
                        )
                    ],
                }
            ),
            "unnamed_citation",
        ),
    ],
)
def test_validator_refuses_an_invented_detail(mutation, problem):
    def mutate(letter):
        points = [mutation(letter.points[0]), *letter.points[1:]]
        return letter.model_copy(update={"points": points})

    _, report, _ = _draft(mutate=mutate)
    assert not report.ok
    assert problem in codes(report)


def test_validator_refuses_a_dropped_signature_and_a_placeholder():
    def mutate(letter):
        signer = letter.signer.model_copy(update={"name": None, "npi": None})
        return letter.model_copy(update={"signer": signer, "closing": letter.closing + " [TBD]"})

    _, report, _ = _draft(mutate=mutate)
    assert {"missing_element", "unfilled_placeholder"} <= codes(report)


def test_negated_fact_is_not_evidence():
    negated = _fact(9, FactType.HISTORY, "Did not try physical therapy", dt.date(2026, 8, 1))
    negated = negated.model_copy(update={"outcome": "negated"})
    facts = [negated, FULL_FACTS[1], FULL_FACTS[2]]
    _, report, evidence = _draft(chart=_chart(facts))
    sc1 = next(link for link in evidence.links if link.criterion.id == "SC1")
    assert sc1.status is EvidenceStatus.GAP
    # The concept table's "physical_therapy" row is gone: the therapy requirement itself is
    # not documented, because a negated sentence never counts as the therapy done.
    therapy = sc1.evaluation.children[0]
    assert therapy.kind.value == "therapy_duration"
    assert therapy.verdict.value == "not_documented"


def test_validator_checks_each_voice():
    def as_patient_with_our_patient(letter):
        return letter.model_copy(update={"voice": "patient"})  # opening still says "our patient"

    _, report, _ = _draft(mutate=as_patient_with_our_patient)
    assert "wrong_voice" in codes(report)

    def practice_in_first_person(letter):
        return letter.model_copy(update={"closing": letter.closing + " I know my patient well."})

    _, report, _ = _draft(mutate=practice_in_first_person)
    assert "wrong_voice" in codes(report)


def test_a_finding_on_the_other_side_is_not_evidence():
    denial = _denial(
        service_lines=[
            ServiceLine(
                code="73721",
                code_system=CodeSystem.CPT,
                description="MRI right knee without contrast",
            )
        ],
        stated_criteria=[
            StatedCriterion(
                id="SC1", text="The notes do not show a positive McMurray test or locking."
            )
        ],
    )
    left = _fact(
        1,
        FactType.EXAM,
        "Positive McMurray test and locking of the left knee",
        dt.date(2026, 8, 25),
    )
    right = _fact(
        2,
        FactType.EXAM,
        "Positive McMurray test and locking of the right knee",
        dt.date(2026, 8, 25),
    )
    _, _, evidence = _draft(denial=denial, chart=_chart([left]), passages=[])
    assert evidence.links[0].status is EvidenceStatus.GAP
    _, _, evidence = _draft(denial=denial, chart=_chart([left, right]), passages=[])
    assert evidence.links[0].fact_ids == ["F2"]


def test_the_signer_keeps_the_address_of_their_own_practice():
    """A chart naming another practice does not borrow the configured practice's address."""
    from service.drafting.composer import _signer
    from service.models import Chart, Provider

    settings = Settings(
        practice_name="Harbor View Medical Group",
        practice_address="1 Main St",
        practice_phone="555-010-0001",
    )
    provider = Provider(
        name="Ana Reyes",
        credentials="MD",
        npi="1234567893",
        practice="Bayview Oral Surgery",
        phone="555-014-2200",
    )
    theirs = Chart(provider=provider)
    signer = _signer(theirs, settings)
    assert (signer.practice, signer.address, signer.phone) == (
        "Bayview Oral Surgery",
        None,
        "555-014-2200",
    )
    ours = Chart(provider=provider.model_copy(update={"practice": None, "phone": None}))
    signer = _signer(ours, settings)
    assert (signer.practice, signer.address, signer.phone) == (
        "Harbor View Medical Group",
        "1 Main St",
        "555-010-0001",
    )
