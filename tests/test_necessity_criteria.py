"""Criteria a letter of medical necessity must not claim loosely: counts, point thresholds,
lead-in prerequisites, alternatives, renewal and other-code criteria, and requests the chart
contradicts. Policies are the real corpus files in the scripted fake retriever."""

from __future__ import annotations

from support import REPO, TODAY, FakeRetriever

from service.config import Settings
from service.evidence.match import build_evidence_map
from service.evidence.requirements import parse_criterion
from service.evidence.thresholds import point_thresholds
from service.models import (
    Chart,
    ChartFact,
    Denial,
    DraftStatus,
    EvidenceStatus,
    FactType,
    NecessityRequest,
    ReadinessStatus,
)
from service.pipelines.necessity import check_readiness, draft_necessity
from service.policies.corpus import load_policy
from service.policies.criteria import alternative_groups, prerequisites
from service.readiness.conflicts import CODE, per_week

SIGNER = {
    "name": "Lionel Ambrose",
    "credentials": "MD",
    "npi": "1234567893",
    "phone": "555-010-9100",
}


def _f(type_, date, source, text):
    return {"type": type_, "date": date, "source": source, "text": text}


def _request(service, dx, facts, payer="northwind", purpose="prior_authorization"):
    return NecessityRequest.model_validate(
        {
            "patient": {"name": "Test Patient", "member_id": "NWH000001"},
            "payer": payer,
            "plan_type": "commercial",
            "service": service,
            "diagnosis_codes": dx,
            "chart": {"facts": facts},
            "signer": SIGNER,
            "purpose": purpose,
        }
    )


def _policy(path):
    return FakeRetriever(load_policy(REPO / "policy_corpus" / path))


def _settings():
    return Settings(today=TODAY, practice_name="Riverside Clinic", practice_phone="555-010-3000")


def _status(report, number):
    return next(r.status for r in report.criteria if r.id.endswith(f"coverage-criteria-{number}"))


MIGRAINE = {
    "code": "J3032",
    "description": "Eptinezumab injection, 1 mg",
    "quantity": "100 mg",
    "frequency": "every 3 months",
    "duration": "6 months",
}
MIGRAINE_FACTS = [
    _f(
        "diagnosis",
        "2026-05-06",
        "Neurology consult",
        "Chronic migraine without aura per ICHD-3, confirmed by the prescriber; age 44",
    ),
    _f(
        "medication",
        "2026-05-06",
        "Neurology consult",
        "Topiramate 100 mg daily for 12 weeks: inadequate response",
    ),
    _f(
        "medication",
        "2026-05-06",
        "Neurology consult",
        "Galcanezumab 120 mg monthly self-injected for 4 months: inadequate response",
    ),
    _f(
        "history",
        "2026-10-28",
        "Neurology note",
        "Headache diary for 3 months: 16 headache days per month, 9 with migraine features",
    ),
    _f(
        "history",
        "2026-10-28",
        "Neurology note",
        "Medication overuse headache assessed: not present",
    ),
    _f("plan", "2026-10-28", "Neurology note", "Plan: eptinezumab 100 mg every 3 months"),
]


def _migraine(facts, **service):
    request = _request({**MIGRAINE, **service}, ["G43.709"], facts)
    return check_readiness(
        request, settings=_settings(), retriever=_policy("northwind/nw-rx-433.md")
    )


def test_counted_criterion_needs_that_many_distinct_items():
    one_class = _migraine(MIGRAINE_FACTS)
    assert _status(one_class, 3) is ReadinessStatus.NOT_DOCUMENTED
    assert not one_class.ready
    second = _f(
        "medication",
        "2026-05-06",
        "Neurology consult",
        "Propranolol 80 mg daily for 12 weeks: inadequate response",
    )
    two_classes = _migraine([*MIGRAINE_FACTS, second])
    assert _status(two_classes, 3) is ReadinessStatus.MET


def test_counts_are_read_apart_from_durations():
    # The concept table's item counter is gone: the requirement parser reads the count.
    tree = parse_criterion(
        "2",
        "2. Lasted at least 3 months, including at least two of:\n"
        "   a. A splint.\n   b. NSAIDs.\n   c. Soft diet.",
    )
    assert tree.kind.value == "at_least_n" and tree.count == 2
    assert parse_criterion("1", "1. Symptoms for at least three months.").count is None


def test_renewal_criterion_does_not_apply_to_a_first_request():
    report = _migraine(
        [
            *MIGRAINE_FACTS,
            _f(
                "medication",
                "2026-05-06",
                "Neurology consult",
                "Propranolol 80 mg daily for 12 weeks: failed",
            ),
        ]
    )
    assert _status(report, 6) is ReadinessStatus.NOT_APPLICABLE
    assert report.ready


def test_frequency_the_chart_contradicts_holds_the_letter_naming_the_field():
    facts = [
        *MIGRAINE_FACTS,
        _f(
            "medication",
            "2026-05-06",
            "Neurology consult",
            "Propranolol 80 mg daily for 12 weeks: failed",
        ),
    ]
    report = _migraine(facts, frequency="every month")
    flags = [f for f in report.flags if f.code == CODE]
    assert [f.where for f in flags] == ["service.frequency"] and not report.ready
    assert "month" not in flags[0].message  # the field is named, not the values
    assert not [f for f in _migraine(facts).flags if f.code == CODE]


def test_frequency_phrases_compare_as_rates():
    assert per_week("once weekly") == per_week("every week") == 1
    assert per_week("twice weekly") == 2 and per_week("2 visits a week") == 2
    assert per_week("every 2 weeks") == 0.5 and per_week("purchase") is None


PT = {
    "code": "97110",
    "description": "Therapeutic exercise",
    "quantity": "8 visits",
    "frequency": "2 visits a week",
    "duration": "4 weeks",
}


def _pt_facts(before, after):
    return [
        _f(
            "diagnosis",
            "2026-09-08",
            "PT initial evaluation",
            "Osteoarthritis of the right "
            "knee with functional loss, expected to improve with therapy",
        ),
        _f("exam", "2026-09-08", "PT initial evaluation", f"Initial evaluation: LEFS {before}/80"),
        _f(
            "plan",
            "2026-09-08",
            "PT plan of care",
            "Plan of care: therapeutic exercise 97110, "
            "2 visits a week for 8 weeks; goal LEFS 50 in 8 weeks",
        ),
        _f(
            "exam",
            "2026-11-16",
            "PT re-assessment",
            f"Re-assessment: LEFS improved from {before} to {after}",
        ),
        _f(
            "plan",
            "2026-11-16",
            "PT re-assessment",
            "Skilled therapist needed for progression of loading; home exercise program continued",
        ),
    ]


def _pt(before, after):
    request = _request(PT, ["M17.11"], _pt_facts(before, after), purpose="continuation_of_care")
    return check_readiness(
        request, settings=_settings(), retriever=_policy("northwind/nw-reh-350-v2.md")
    )


def test_point_threshold_is_compared_with_the_recorded_change():
    # The chart records the change and it falls short: the criterion is not met (the chart
    # contradicts it), which readiness now tells apart from not documented.
    assert _status(_pt(35, 39), 5) is ReadinessStatus.NOT_MET  # 4 < 9 points
    assert _status(_pt(32, 44), 5) is ReadinessStatus.MET  # 12 >= 9 points
    assert any(
        "lefs" in names
        for _, names in point_thresholds(
            "at least 9 points on the Lower Extremity Functional Scale"
        )
    )


def test_threshold_that_cannot_be_established_is_a_gap():
    fact = ChartFact(id="F1", type=FactType.EXAM, text="Re-assessment: function improved")
    criterion = (
        "Coverage criteria:\n5. A re-assessment showing improvement of at least 9 "
        "points on the Lower Extremity Functional Scale."
    )
    passages = [
        p.model_copy(update={"text": criterion})
        for p in load_policy(REPO / "policy_corpus/northwind/nw-reh-350-v2.md")
        if p.section == "Coverage criteria > 5"
    ]
    denial = Denial(payer="Northwind Health")
    links = build_evidence_map(denial, Chart(facts=[fact]), passages).links
    assert links and all(link.status is EvidenceStatus.GAP for link in links)


KNEE = {
    "code": "73721",
    "description": "MRI knee without contrast",
    "quantity": "1 study",
    "frequency": "once",
    "duration": "30 days",
}
KNEE_FACTS = [
    _f(
        "symptom",
        "2026-08-04",
        "Sports medicine note",
        "Catching and locking of the right knee since a twisting injury",
    ),
    _f(
        "exam",
        "2026-08-04",
        "Sports medicine note",
        "Positive McMurray test with medial joint-line tenderness",
    ),
    _f(
        "prior_treatment",
        "2026-09-22",
        "PT discharge",
        "Physical therapy for 6 weeks with continued catching",
    ),
    _f(
        "plan",
        "2026-09-22",
        "PT discharge",
        "Plan: MRI to assess the meniscus; follow-up to discuss arthroscopy",
    ),
]


def _knee(facts):
    request = _request(KNEE, ["S83.241A"], facts, payer="lakeshore")
    return check_readiness(
        request, settings=_settings(), retriever=_policy("lakeshore/lchp-img-012.md")
    )


def test_lead_in_prerequisite_is_checked_like_a_criterion():
    passages = load_policy(REPO / "policy_corpus/lakeshore/lchp-img-012.md")
    assert [p.section for p in prerequisites(passages)] == ["Coverage criteria > prerequisite"]
    missing = _knee(KNEE_FACTS)
    assert not missing.ready
    assert any(i.endswith("prerequisite") for i in missing.undocumented)
    xray = _f(
        "imaging",
        "2026-08-04",
        "Knee x-ray report",
        "Knee x-rays: no fracture, joint spaces preserved; do not explain the locking",
    )
    assert _knee([*KNEE_FACTS, xray]).ready


def test_alternatives_are_read_per_group_from_the_lead_in():
    groups = alternative_groups(load_policy(REPO / "policy_corpus/lakeshore/lchp-rx-050.md"))
    assert [sorted(g) for g in groups] == [
        ["LCHP-RX-050@v1#coverage-criteria-5", "LCHP-RX-050@v1#coverage-criteria-6"]
    ]
    assert not alternative_groups(load_policy(REPO / "policy_corpus/medicare/med-l5110.md"))


def test_power_wheelchair_criteria_do_not_apply_to_a_manual_chair():
    request = _request(
        {
            "code": "K0003",
            "description": "Lightweight manual wheelchair",
            "quantity": "1",
            "frequency": "purchase",
            "duration": "12 months",
        },
        ["G80.0"],
        [],
        payer="lakeshore",
    )
    report = check_readiness(
        request, settings=_settings(), retriever=_policy("lakeshore/lchp-dme-070.md")
    )
    for n in (4, 5, 6, 7, 8):
        assert _status(report, n) is ReadinessStatus.NOT_APPLICABLE
    for n in (1, 2, 3):
        assert _status(report, n) is ReadinessStatus.NOT_DOCUMENTED


def test_standard_dme_item_needs_no_upgrade_justification():
    facts = [
        _f(
            "symptom",
            "2026-05-28",
            "Sleep clinic note",
            "Loud snoring and witnessed apneas; Epworth 14",
        ),
        _f(
            "imaging",
            "2026-06-20",
            "Sleep study report",
            "Home sleep apnea test: apnea-hypopnea index 31 events per hour",
        ),
        _f("diagnosis", "2026-06-20", "Sleep study report", "Obstructive sleep apnea"),
        _f(
            "plan",
            "2026-07-01",
            "Sleep clinic note",
            "CPAP nightly; follow-up visit between day 30 and day 90 with a device download",
        ),
    ]
    request = _request(
        {
            "code": "E0601",
            "description": "Continuous positive airway pressure device",
            "quantity": "1",
            "frequency": "nightly use",
            "duration": "90 days",
        },
        ["G47.33"],
        facts,
    )
    result = draft_necessity(
        request, settings=_settings(), retriever=_policy("northwind/nw-slp-302.md")
    )
    assert result.readiness.ready, result.readiness.undocumented
    assert result.status is DraftStatus.RELEASED, result.report.problems
    assert _status(result.readiness, 5) is ReadinessStatus.NOT_APPLICABLE  # continued rental
