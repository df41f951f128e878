"""Letters of medical necessity: readiness, the four letter kinds, flags, voice, appeal attach.

Policies are the real corpus files, loaded into the scripted fake retriever (no embeddings).
"""

from __future__ import annotations

import datetime as dt

import pytest
from support import REPO, TODAY, FakeRetriever

from service.config import Settings
from service.errors import InvalidCode
from service.intake.necessity import infer_kind
from service.models import CodeSystem, DraftStatus, LetterDraft, LetterKind, NecessityRequest
from service.pipelines.necessity import check_readiness, draft_necessity
from service.policies.corpus import load_policy
from service.validate.necessity import check_provider_voice

SIGNER = {"name": "Helen Park", "credentials": "MD", "npi": "1234567893", "phone": "555-010-3000"}


def _f(type_, date, source, text, end=None, codes=None):
    fact = {"type": type_, "date": date, "source": source, "text": text}
    if end:
        fact["end_date"] = end
    if codes:
        fact["codes"] = codes
    return fact


TMJ = {
    "policy": "bluestone/bsm-rad-0212.md",
    "request": {
        "patient": {"name": "Ana Reyes", "member_id": "BSM7781204", "date_of_birth": "1984-03-09"},
        "payer": "Bluestone Mutual",
        "plan_type": "commercial",
        "service": {
            "code": "70336",
            "description": "MRI temporomandibular joints",
            "quantity": "1 study",
            "frequency": "once",
            "duration": "60 days",
        },
        "diagnosis_codes": ["M26.631"],
    },
    "facts": [
        _f(
            "diagnosis",
            "2026-06-02",
            "Oral surgery consult",
            "Assessment: anterior disc "
            "displacement of the right temporomandibular joint with reduction",
            codes=["M26.631"],
        ),
        _f(
            "exam",
            "2026-06-02",
            "Oral surgery consult",
            "Painful clicking of the right joint "
            "with crepitus on opening; maximum interincisal opening 31 mm",
        ),
        _f("symptom", "2026-06-02", "Oral surgery consult", "Jaw pain for 7 months, daily, 6/10"),
        _f(
            "prior_treatment",
            "2026-02-10",
            "Dental note",
            "Custom occlusal splint worn nightly for 14 weeks with no improvement",
            end="2026-05-20",
        ),
        _f(
            "medication",
            "2026-02-10",
            "Progress note",
            "Naproxen 500 mg twice daily for 8 weeks; pain persists",
            end="2026-04-10",
        ),
        _f(
            "prior_treatment",
            "2026-03-01",
            "PT note",
            "Physical therapy jaw exercises and soft diet for 8 weeks, unchanged",
            end="2026-05-01",
        ),
        _f(
            "imaging",
            "2026-05-25",
            "Panoramic radiograph report",
            "Panoramic radiograph: no fracture or condylar resorption; does not show the disc",
        ),
        _f(
            "surgical_candidacy",
            "2026-06-02",
            "Oral surgery consult",
            "MRI will determine "
            "whether she is a candidate for arthrocentesis or arthroscopy; willing to proceed",
        ),
        _f(
            "plan",
            "2026-06-02",
            "Oral surgery consult",
            "Follow-up visit 2 weeks after the MRI "
            "to review the result and decide on arthrocentesis",
        ),
    ],
    "drop": [3, 4, 5],  # the conservative-care records
    "gaps": ["BSM-RAD-0212@v1#coverage-criteria-2"],
    "section": None,
}
BIOLOGIC = {
    "policy": "northwind/nw-rx-415.md",
    "request": {
        "patient": {"name": "Rosa Imani", "member_id": "NWH5512"},
        "payer": "northwind",
        "plan_type": "commercial",
        "service": {
            "code": "J1438",
            "description": "Etanercept injection, 25 mg",
            "quantity": "50 mg",
            "frequency": "once weekly",
            "duration": "6 months",
        },
        "diagnosis_codes": [{"code": "M05.79"}],
    },
    "facts": [
        _f(
            "diagnosis",
            "2026-03-04",
            "Rheumatology consult",
            "Diagnosis: seropositive "
            "rheumatoid arthritis of multiple sites, confirmed by rheumatologist",
            codes=["M05.79"],
        ),
        _f(
            "exam",
            "2026-09-15",
            "Rheumatology note",
            "CDAI 28, high disease activity, 8 swollen joints; symptoms for 14 months",
        ),
        _f(
            "medication",
            "2026-03-04",
            "Rheumatology note",
            "Methotrexate 20 mg weekly for 14 weeks; failed to reach low disease activity",
            end="2026-06-10",
        ),
        _f(
            "medication",
            "2026-06-10",
            "Rheumatology note",
            "Adalimumab biosimilar (preferred) "
            "40 mg every 2 weeks for 13 weeks: inadequate response, CDAI still 28; trial failed",
            end="2026-09-15",
        ),
        _f(
            "lab",
            "2026-09-01",
            "Lab report",
            "QuantiFERON tuberculosis test negative; "
            "hepatitis B surface antigen and core antibody negative",
        ),
        _f(
            "plan",
            "2026-09-15",
            "Rheumatology note",
            "Follow-up in 12 weeks with CDAI to measure response",
        ),
    ],
    "drop": [3, 4],  # the preferred-biologic trial and the TB screening
    "gaps": ["NW-RX-415@v1#coverage-criteria-3", "NW-RX-415@v1#coverage-criteria-4"],
    "section": "Prior drugs tried",
}
WHEELCHAIR = {
    "policy": "medicare/med-l5110.md",
    "request": {
        "patient": {
            "name": "Walter Gray",
            "member_id": "1EG4TE5MK73",
            "date_of_birth": "1950-01-12",
        },
        "payer": "Medicare",
        "plan_type": "medicare_ab",
        "service": {
            "code": "K0823",
            "description": "Power wheelchair, Group 2 standard",
            "quantity": "1",
            "frequency": "purchase",
            "duration": "13 months",
        },
        "diagnosis_codes": ["G12.21"],
    },
    "facts": [
        _f(
            "diagnosis",
            "2026-08-03",
            "Neurology note",
            "Diagnosis: amyotrophic lateral sclerosis",
            codes=["G12.21"],
        ),
        _f(
            "functional_limit",
            "2026-08-03",
            "Face-to-face exam",
            "Unable to complete "
            "toileting, dressing and bathing in the home within a reasonable time; mobility "
            "limitation, two falls in the home",
        ),
        _f(
            "exam",
            "2026-08-03",
            "Face-to-face exam",
            "A properly fitted walker cannot safely "
            "resolve the limitation: fell twice using a walker",
        ),
        _f(
            "exam",
            "2026-08-03",
            "Face-to-face exam",
            "Upper-extremity weakness, grip 3/5: "
            "unable to self-propel a manual wheelchair in the home",
        ),
        _f(
            "exam",
            "2026-08-03",
            "Face-to-face exam",
            "Insufficient trunk stability to operate a scooter tiller safely",
        ),
        _f(
            "other",
            "2026-08-20",
            "Supplier home assessment",
            "Home assessment: doorways 34 "
            "inches, maneuvering space adequate, level flooring throughout",
        ),
        _f(
            "other",
            "2026-08-03",
            "Face-to-face exam",
            "Use of the power wheelchair will "
            "significantly improve participation in MRADLs in the home; patient will use it in "
            "the home",
        ),
        _f(
            "other",
            "2026-08-03",
            "Face-to-face exam",
            "Patient has the mental and physical "
            "ability to operate the power wheelchair safely; cognition intact",
        ),
        _f("exam", "2026-08-03", "Face-to-face exam", "Weight 172 pounds"),
        _f(
            "plan",
            "2026-08-03",
            "Face-to-face exam",
            "Follow-up in 3 months to review wheelchair fit and skin",
        ),
    ],
    "drop": [4, 8],  # the scooter assessment and the weight
    "gaps": ["MED-L5110@v1#coverage-criteria-4", "MED-L5110@v1#coverage-criteria-8"],
    "section": "Why a standard item is inadequate",
}
PHYSIO = {
    "policy": "northwind/nw-reh-350-v2.md",
    "request": {
        "patient": {"name": "Lena Ortiz", "member_id": "NWH7720"},
        "payer": "Northwind Health",
        "plan_type": "commercial",
        "purpose": "continuation_of_care",
        "service": {
            "code": "97110",
            "description": "Therapeutic exercise",
            "quantity": "8 visits",
            "frequency": "2 visits a week",
            "duration": "4 weeks",
        },
        "diagnosis_codes": ["M17.11"],
    },
    "facts": [
        _f(
            "diagnosis",
            "2026-09-01",
            "PT initial evaluation",
            "Diagnosis: primary osteoarthritis of the right knee with functional loss",
            codes=["M17.11"],
        ),
        _f(
            "exam",
            "2026-09-01",
            "PT initial evaluation",
            "Initial evaluation (97162): knee "
            "flexion 95 degrees, quadriceps strength 3+/5, LEFS 32/80; difficulty with stairs",
        ),
        _f(
            "plan",
            "2026-09-01",
            "PT plan of care",
            "Plan of care: therapeutic exercise 97110 "
            "and manual therapy 97140, 2 visits a week for 8 weeks; goal LEFS 50 and flexion "
            "115 degrees in 8 weeks",
        ),
        _f(
            "exam",
            "2026-10-01",
            "PT re-assessment",
            "Re-assessment after 8 visits: LEFS "
            "improved from 32 to 44 (12 points, above the 9-point MCID); flexion 108 degrees",
        ),
        _f(
            "other",
            "2026-10-01",
            "PT re-assessment",
            "Skilled therapist needed for "
            "progression of loading and manual therapy; home exercise program continued",
        ),
        _f(
            "plan",
            "2026-10-01",
            "PT re-assessment",
            "Re-assess LEFS after 8 more visits; discharge to home program when goals are met",
        ),
    ],
    "drop": [3],  # the re-assessment showing the gain
    "gaps": ["NW-REH-350@v2#coverage-criteria-5"],
    "section": "Goals and progress",
}
CASES = {"procedure": TMJ, "drug": BIOLOGIC, "dme": WHEELCHAIR, "therapy": PHYSIO}


def settings() -> Settings:
    return Settings(
        today=TODAY,
        practice_name="Riverside Clinic",
        practice_address="12 Elm Street, Springfield, ST 00000",
        practice_phone="555-010-3000",
        practice_fax="555-010-3001",
    )


def retriever(case: dict) -> FakeRetriever:
    return FakeRetriever(load_policy(REPO / "policy_corpus" / case["policy"]))


def request_for(case: dict, complete: bool = True, **changes) -> NecessityRequest:
    facts = [f for i, f in enumerate(case["facts"]) if complete or i not in case["drop"]]
    body = {**case["request"], "chart": {"facts": facts}, "signer": SIGNER, **changes}
    return NecessityRequest.model_validate(body)


def draft(case: dict, complete: bool = True, **changes):
    return draft_necessity(
        request_for(case, complete, **changes), settings=settings(), retriever=retriever(case)
    )


def undocumented_in(report) -> set[str]:
    return {
        p.where.removeprefix("criteria.")
        for p in report.problems
        if p.code == "policy_criterion_not_documented" and p.severity == "error"
    }


@pytest.mark.parametrize("kind", list(CASES))
def test_complete_chart_is_released_with_every_element(kind):
    case = CASES[kind]
    result = draft(case)
    assert result.status is DraftStatus.RELEASED, result.report.problems
    assert result.letter_kind is LetterKind(kind)
    assert result.readiness.ready and not result.readiness.undocumented
    text, svc = result.text, case["request"]["service"]
    code = svc["code"]
    for must in (
        code,
        svc["duration"],
        "Follow-up plan.",
        "I attest",
        "NPI 1234567893",
        "Enclosures:",
        "I am writing",
    ):
        assert must in text
    dx = case["request"]["diagnosis_codes"][0]
    assert (dx if isinstance(dx, str) else dx["code"]) in text
    if case["section"]:
        assert f"{case['section']}. The " in text  # the section quotes the chart
    # every point cites the payer's own policy and a chart fact
    assert result.letter.points
    for p in result.letter.points:
        assert p.citations[0].policy_id == result.readiness.policy_id and p.chart_facts


@pytest.mark.parametrize("kind", list(CASES))
def test_incomplete_chart_is_held_naming_exactly_the_undocumented_criteria(kind):
    case = CASES[kind]
    readiness = check_readiness(
        request_for(case, complete=False), settings=settings(), retriever=retriever(case)
    )
    assert not readiness.ready
    assert readiness.undocumented == case["gaps"]
    for row in readiness.criteria:
        if row.id in case["gaps"]:
            assert row.status == "not_documented" and row.need
    result = draft(case, complete=False)
    assert result.status is DraftStatus.HELD
    assert undocumented_in(result.report) == set(case["gaps"])
    # the letter claims none of what is missing
    assert not {p.answers for p in result.letter.points} & set(case["gaps"])


def test_readiness_met_rows_carry_the_chart_facts():
    readiness = check_readiness(request_for(TMJ), settings=settings(), retriever=retriever(TMJ))
    rows = {r.id.split("#")[1]: r for r in readiness.criteria}
    assert rows["coverage-criteria-4"].status == "met"
    assert [f.text for f in rows["coverage-criteria-4"].facts] == [TMJ["facts"][6]["text"]]
    assert rows["coverage-criteria-note-1"].status == "not_applicable"


def test_criteria_for_another_diagnosis_or_purpose_do_not_apply():
    readiness = check_readiness(
        request_for(BIOLOGIC), settings=settings(), retriever=retriever(BIOLOGIC)
    )
    status = {r.id.rsplit("-", 1)[1]: r.status for r in readiness.criteria}
    assert status["2"] == "not_applicable"  # psoriasis criteria, RA request
    assert status["5"] == "not_applicable"  # renewal criteria, first request


def test_missing_conservative_treatment_is_flagged():
    readiness = check_readiness(
        request_for(TMJ, complete=False), settings=settings(), retriever=retriever(TMJ)
    )
    assert "no_failed_conservative_treatment" in {f.code for f in readiness.flags}


def test_unspecified_code_is_flagged_with_specific_alternatives_and_held():
    result = draft(TMJ, diagnosis_codes=["M26.601"])
    flag = next(f for f in result.readiness.flags if f.code == "unspecified_diagnosis")
    assert flag.suggestions and "M26.601" not in flag.suggestions
    assert result.status is DraftStatus.HELD
    low_back = check_readiness(
        request_for(TMJ, diagnosis_codes=["M54.50"]), settings=settings(), retriever=retriever(TMJ)
    )
    assert "unspecified_diagnosis" in {f.code for f in low_back.flags}


def test_rule_out_diagnosis_is_flagged_and_held():
    result = draft(
        TMJ, diagnosis_codes=[{"code": "M26.631", "description": "R/O internal derangement"}]
    )
    assert "rule_out_diagnosis" in {f.code for f in result.readiness.flags}
    assert result.status is DraftStatus.HELD
    assert "rule_out_diagnosis" in {p.code for p in result.report.problems}


def test_missing_duration_holds_the_letter():
    service = {**TMJ["request"]["service"], "duration": None}
    result = draft(TMJ, service=service)
    assert result.status is DraftStatus.HELD
    assert any(
        p.code == "missing_element" and p.where == "identifiers.Duration requested"
        for p in result.report.problems
    )


def test_kind_is_inferred_from_the_code():
    assert infer_kind("J1438", CodeSystem.HCPCS) is LetterKind.DRUG
    assert infer_kind("K0823", CodeSystem.HCPCS) is LetterKind.DME
    assert infer_kind("97110", CodeSystem.CPT) is LetterKind.THERAPY
    assert infer_kind("70336", CodeSystem.CPT) is LetterKind.PROCEDURE


def test_practice_voice_is_refused_in_a_necessity_letter():
    letter = draft(TMJ).letter
    wrong = letter.model_copy(
        update={"opening": "We ask you to authorize this MRI for our patient."}
    )
    assert {p.where for p in check_provider_voice(wrong)} == {"opening"}
    assert check_provider_voice(letter) == []


@pytest.mark.parametrize(
    "change,field",
    [
        ({"signer": {**SIGNER, "npi": "1234567890"}}, "signer.npi"),
        ({"diagnosis_codes": ["Q99.999"]}, "diagnosis_codes[0].code"),
    ],
)
def test_bad_codes_raise_naming_the_field(change, field):
    body = {**TMJ["request"], "signer": SIGNER, **change}
    with pytest.raises(InvalidCode) as err:
        draft_necessity(
            NecessityRequest.model_validate(body), settings=settings(), retriever=retriever(TMJ)
        )
    assert err.value.fields["field"] == field


def test_an_appeal_can_attach_a_letter_that_agrees_on_every_fact():
    from service.intake.chart import parse_chart
    from service.models import AppealCase as Case
    from service.models import CodeSystem as CS
    from service.models import Denial, DiagnosisCode, PlanType, ServiceLine
    from service.pipelines.appeal import draft_case
    from service.pipelines.necessity import attach_to_appeal, enclose_in_appeal
    from service.triage import triage
    from service.validate.agreement import check_agreement

    denial = Denial(
        payer="Bluestone Mutual",
        plan_type=PlanType.COMMERCIAL,
        patient_name="Ana Reyes",
        member_id="BSM7781204",
        claim_number="CLM-77120",
        denial_date=dt.date(2026, 10, 2),
        dates_of_service=[dt.date(2026, 9, 20)],
        adjustments=[{"group": "CO", "carc": "50"}],
        service_lines=[
            ServiceLine(
                code="70336", code_system=CS.CPT, description="MRI temporomandibular joints"
            )
        ],
        diagnosis_codes=[DiagnosisCode(code="M26.631")],
        denial_reason="Not medically necessary.",
        source_text="Bluestone Mutual denied 70336 for M26.631, claim CLM-77120.",
    )
    chart = parse_chart(
        {
            "facts": TMJ["facts"],
            "provider": {
                "name": "Helen Park",
                "credentials": "MD",
                "npi": "1234567893",
                "phone": "555-010-3000",
            },
        }
    )
    case = Case(
        denial=denial,
        chart=chart,
        triage=triage(denial, dt.date(2026, 11, 22)),
        payer_id="bluestone",
    )
    s = settings()
    appeal = draft_case(case, settings=s, retriever=retriever(TMJ))
    request = NecessityRequest.model_validate(
        {
            "payer": "bluestone",
            "service": TMJ["request"]["service"],
            "diagnosis_codes": ["M26.631"],
            "signer": SIGNER,
            "plan_type": "commercial",
        }
    )
    lmn = attach_to_appeal(case, appeal, request, settings=s)
    assert lmn.status is DraftStatus.RELEASED, lmn.report.problems
    assert check_agreement(appeal, lmn) == []
    assert lmn.letter.identifiers["Patient"] == "Ana Reyes"
    assert lmn.letter.identifiers["Member ID"] == "BSM7781204"
    # every chart fact either letter relies on is the same fact, quoted the same way
    facts = {f.id: f for f in chart.facts}
    for letter in (appeal.letter, lmn.letter):
        for p in letter.points:
            for fid in p.chart_facts:
                assert facts[fid].text.rstrip(" .;,") in p.text
    shared = {link.criterion.id for link in appeal.evidence.links} & {
        link.criterion.id for link in lmn.evidence.links
    }
    assert shared
    # a letter that disagrees is caught
    moved = lmn.letter.model_copy(
        update={"identifiers": {**lmn.letter.identifiers, "Member ID": "BSM0000000"}}
    )
    assert check_agreement(appeal, lmn.model_copy(update={"letter": moved}))
    with_lmn = enclose_in_appeal(appeal, lmn, s)
    assert "Letter of medical necessity from Helen Park" in with_lmn.text
    assert isinstance(with_lmn.letter, LetterDraft)
