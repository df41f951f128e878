"""The criteria gate reads the evaluations, not the prose (service/validate/criteria.py): a point
claims met only a met criterion, on its decisive facts; a released letter answers every stated
criterion; a held one names each criterion the chart does not meet. Individual consideration is
a letter strategy of experimental denials, for a criterion the chart is silent on, never one it
contradicts; and a model's point keeps its criterion's verdict and evidence ids."""

from __future__ import annotations

import datetime as dt
import json

from fake_llm import FakeLLM, answer, case, checker
from support import lumbar_denial
from test_letter import FULL_FACTS, _chart, _draft, _fact, codes

from service.config import Settings
from service.drafting.composer import ComposeInput, compose
from service.drafting.model import draft_with_model
from service.evidence.match import build_evidence_map
from service.models import (
    Category,
    Claim,
    CodeSystem,
    DiagnosisCode,
    FactType,
    ServiceLine,
    StatedCriterion,
    Strategy,
    Triage,
)
from service.render import render_text
from service.validate import validate

TODAY = dt.date(2026, 11, 22)


def _swap_facts(point_index: int, fact_ids: list[str]):
    def mutate(letter):
        points = list(letter.points)
        points[point_index] = points[point_index].model_copy(update={"chart_facts": fact_ids})
        return letter.model_copy(update={"points": points})

    return mutate


def test_a_point_may_not_rest_on_facts_its_evaluation_did_not_decide_on():
    letter, report, evidence = _draft()
    assert report.ok
    sc2 = next(i for i, p in enumerate(letter.points) if p.answers == "SC2")
    _, report, _ = _draft(mutate=_swap_facts(sc2, ["F1"]))  # the PT note answers SC1, not SC2
    assert "missing_evidence" in codes(report)


def test_a_point_may_not_claim_a_criterion_the_chart_does_not_meet():
    chart = _chart(facts=FULL_FACTS[:2])  # no exam: SC2 is not documented

    def claim_sc2(letter):
        first = letter.points[0]
        extra = first.model_copy(update={"number": 2, "answers": "SC2"})
        return letter.model_copy(update={"points": [first, extra]})

    letter, report, _ = _draft(chart=chart, mutate=claim_sc2)
    assert "claims_gap" in codes(report)


def test_a_released_letter_answers_every_stated_criterion():
    def drop_sc2(letter):
        return letter.model_copy(
            update={"points": [p for p in letter.points if p.answers != "SC2"]}
        )

    _, report, _ = _draft(mutate=drop_sc2)
    problems = [p for p in report.problems if p.code == "unanswered_criterion"]
    assert problems and "weakness, reflex changes" in problems[0].message


def test_a_held_letter_names_each_criterion_in_the_payers_words():
    _, report, _ = _draft(chart=_chart(facts=[]))
    held = {p.where: p.message for p in report.problems if p.code.startswith("stated_criterion")}
    assert set(held) == {"criteria.SC1", "criteria.SC2"}
    assert "six weeks of physical therapy" in held["criteria.SC1"]
    assert "What would document it" in held["criteria.SC1"]


def _triage(category: Category) -> Triage:
    return Triage(
        category=category,
        strategy=Strategy.APPEAL,
        letter_type="appeal",
        appeal_level="First-level internal appeal",
    )


EXPERIMENTAL = "The requested drug is considered investigational for this diagnosis."
TRIAL_FACTS = [
    _fact(1, FactType.DIAGNOSIS, "Metastatic colon cancer, C18.9", dt.date(2026, 9, 1)),
    _fact(
        2,
        FactType.HISTORY,
        "Enrolled in a phase 2 trial at the cancer center; the study drug is supplied by the trial",
        dt.date(2026, 9, 1),
    ),
]


def _experimental(facts, category=Category.EXPERIMENTAL, code="99214"):
    line = ServiceLine(code=code, code_system=CodeSystem.CPT, description="Office visit")
    denial = lumbar_denial(
        stated_criteria=[StatedCriterion(id="SC1", text=EXPERIMENTAL)],
        service_lines=[line],
        diagnosis_codes=[DiagnosisCode(code="C18.9", description="Colon cancer")],
    )
    chart = _chart(facts=facts)
    settings = Settings(today=TODAY.isoformat())
    evidence = build_evidence_map(denial, chart, [])
    triage = _triage(category)
    letter = compose(ComposeInput(denial, chart, triage, evidence, [], settings, TODAY))
    letter = letter.model_copy(update={"text": render_text(letter, settings)})
    report = validate(
        letter,
        denial=denial,
        chart=chart,
        triage=triage,
        evidence=evidence,
        passages=[],
        settings=settings,
    )
    return letter, report, evidence


def test_an_experimental_denial_asks_for_individual_consideration_without_claiming_it_met():
    letter, report, evidence = _experimental(TRIAL_FACTS)
    [link] = evidence.links
    assert link.evaluation.verdict.value == "not_documented"
    [point] = letter.points
    assert point.claim is Claim.CONSIDERATION and point.answers == "SC1"
    assert "consider this patient" in letter.opening or "individually" in letter.opening
    assert "We do not ask you to read your policy differently" in point.text
    assert "meets each criterion" not in letter.text
    assert report.ok, report.problems


def test_routine_costs_in_a_clinical_trial_are_not_the_investigational_drug():
    letter, _, _ = _experimental(TRIAL_FACTS, code="99214")
    assert "not the investigational item itself" in letter.points[0].text
    # a drug code is the investigational item: the routine-costs sentence is not said
    letter, _, _ = _experimental(TRIAL_FACTS, code="J9035")
    assert "not the investigational item itself" not in letter.text


def test_consideration_is_a_strategy_of_the_category_not_a_way_around_a_gap():
    letter, report, _ = _experimental(TRIAL_FACTS, category=Category.MEDICAL_NECESSITY)
    assert not letter.points and not report.ok
    assert "stated_criterion_not_documented" in codes(report)
    # the experimental letter's consideration point, put before a medical-necessity gate
    letter, _, evidence = _experimental(TRIAL_FACTS)
    report = validate(
        letter,
        denial=lumbar_denial(stated_criteria=[StatedCriterion(id="SC1", text=EXPERIMENTAL)]),
        chart=_chart(facts=TRIAL_FACTS),
        triage=_triage(Category.MEDICAL_NECESSITY),
        evidence=evidence,
        passages=[],
        settings=Settings(today=TODAY.isoformat()),
    )
    assert "consideration_not_allowed" in codes(report)


def test_an_age_point_may_print_the_birth_date_it_was_decided_from_and_no_other_may():
    denial = lumbar_denial(
        date_of_birth=dt.date(1980, 2, 11),
        stated_criteria=[StatedCriterion(id="SC1", text="The member is at least 40 years old.")],
    )
    letter, report, _ = _draft(denial=denial)
    age = next(p for p in letter.points if p.answers == "SC1")
    assert "(born February 11, 1980)" in age.text
    assert "identifier_outside_identity" not in codes(report)


def test_a_model_point_on_facts_outside_its_evaluation_is_repaired():
    inp = case()
    bad = json.loads(answer())
    bad["points"][1]["chart_facts"] = ["F1"]  # SC2 was decided on F3
    fake = FakeLLM(json.dumps(bad), answer())
    result = draft_with_model(inp, llm=fake, check=checker(inp))
    repair = fake.requests[1]["messages"][-1]["content"]
    assert "use the evidence ids of SC2's evaluation (F3) and no others" in repair
    assert result.drafter == "llm" and result.report is not None and result.report.ok


def test_the_model_sees_each_evaluation_and_its_comparison_not_the_birth_date():
    inp = case()
    fake = FakeLLM(answer())
    draft_with_model(inp, llm=fake, check=checker(inp))
    sent = fake.sent_text()
    assert "[denial, met, claim met] facts: F1, F2" in sent
    assert "The evidence and comparison that decided it:" in sent
    assert "1961" not in sent  # the date of birth never reaches the model
    assert compose(inp).points  # the composer's letter is the skeleton it phrases into
