"""Chart intake: free-text notes and JSON charts -> Chart with typed, dated, grounded facts."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from service.errors import InvalidCode, SchemaError
from service.intake.chart import parse_chart
from service.intake.chart_json import parse_chart_json
from service.intake.chart_text import npi_is_valid, parse_chart_text
from service.models import Chart, FactType


def npi_with_check_digit(first_nine: str) -> str:
    """A valid NPI: Luhn check digit over '80840' + the first nine digits, computed here."""
    total = 0
    for i, ch in enumerate(reversed("80840" + first_nine)):
        n = int(ch) * (2 if i % 2 == 0 else 1)  # the check digit will sit to the right
        total += n - 9 if n > 9 else n
    return first_nine + str((10 - total % 10) % 10)


VALID_NPI = npi_with_check_digit("123456789")  # 1234567893
OTHER_NPI = npi_with_check_digit("198765432")
BAD_NPI = VALID_NPI[:9] + str((int(VALID_NPI[9]) + 1) % 10)

TMJ = f"""Lakeside Oral & Maxillofacial Surgery
Patient: Jane Q. Doe    DOB: 01/02/1960    Member ID: ABC123456
MRN: 99887766

03/02/2017 Progress note
Chief complaint: Right jaw pain and clicking.
Patient reports right TMJ pain 7/10 for 6 months, worse with chewing. She has
difficulty chewing solid food and missed work twice this month.
Exam: maximal incisal opening 28 mm with deviation to the right; tenderness over the right TMJ.
Diagnosis: M26.621 Arthralgia of right temporomandibular joint.
Started ibuprofen 600 mg TID and soft diet.
Plan: follow up in 4 weeks.

5/30/17 - Dental visit: Night guard worn nightly from March 2, 2017 through May 30, 2017 without relief.
Soft diet x 12 weeks with no improvement.
Ibuprofen 600 mg TID for 12 weeks gave partial relief.
Panoramic x-ray was nondiagnostic.

June 5, 2017 Oral surgery consult
Patient denies history of jaw trauma.
MRI of the right TMJ on 06/01/2017 showed anterior disc displacement without reduction.
Patient is a surgical candidate and is willing to proceed with arthroscopy (CPT 29800).

Electronically signed by Maria Lopez, DDS, NPI {VALID_NPI}
Lakeside Oral & Maxillofacial Surgery
Phone: (555) 201-3344  Fax: (555) 201-3345
"""  # noqa: E501

LUMBAR = f"""PROGRESS NOTE
Date of service: 2018-04-12
Patient: John Smith   DOB: 1971-08-19   Member ID: XYZ987654321
HPI: 47-year-old male with low back pain radiating to the left leg for 5 months.
Pain 8/10, with numbness in the left foot.
Completed physical therapy for 8 weeks (02/01/2018-03/29/2018) which failed to improve symptoms.
NSAIDs (naproxen 500 mg BID) for 10 weeks without relief.
He is unable to sit more than 20 minutes and has missed work since February.
Exam: Straight leg raise positive on the left at 40 degrees. Reflexes diminished at left ankle.
MRI lumbar spine 03/15/2018: L5-S1 disc herniation with left S1 nerve root compression.
Assessment: Lumbar radiculopathy M54.16; lumbar disc herniation with radiculopathy M51.17.
Denies bowel or bladder dysfunction.
Did not try chiropractic care.
Plan:
- L5-S1 microdiscectomy (CPT 63030).
- Follow up 2 weeks after surgery.

Signed: Robert Chen, MD
Spine Associates of Springfield
100 Main Street, Suite 200
Springfield, IL 62701
NPI: {OTHER_NPI}
"""


def find(chart: Chart, needle: str):
    """The one fact whose text contains needle."""
    hits = [f for f in chart.facts if needle in f.text]
    assert len(hits) == 1, (needle, [f.text for f in chart.facts])
    return hits[0]


def assert_grounded(chart: Chart) -> None:
    for fact in chart.facts:
        assert fact.text.strip(), fact
        assert fact.span is not None
        assert fact.text in chart.source_text[fact.span.start : fact.span.end]


def test_npi_check_digit_rule():
    assert VALID_NPI == "1234567893"
    assert npi_is_valid(VALID_NPI) and npi_is_valid(OTHER_NPI)
    assert not npi_is_valid(BAD_NPI)
    assert not npi_is_valid("123456789") and not npi_is_valid("12345678901")


def test_tmj_chart_facts_types_and_dates():
    chart = parse_chart_text(TMJ)
    assert_grounded(chart)
    d = dt.date
    pain = find(chart, "TMJ pain 7/10")
    assert (pain.type, pain.date, pain.duration) == (FactType.SYMPTOM, d(2017, 3, 2), "6 months")
    assert pain.source == "Progress note"
    assert find(chart, "difficulty chewing").type is FactType.FUNCTIONAL_LIMIT
    assert find(chart, "incisal opening 28 mm").type is FactType.EXAM
    dx = find(chart, "Arthralgia")
    assert dx.type is FactType.DIAGNOSIS and dx.codes == ["M26.621"]
    guard = find(chart, "Night guard")
    assert guard.type is FactType.PRIOR_TREATMENT
    assert (guard.date, guard.end_date) == (d(2017, 3, 2), d(2017, 5, 30))
    assert guard.outcome == "without relief" and guard.source == "Dental visit"
    diet = find(chart, "Soft diet x 12 weeks")
    assert diet.type is FactType.PRIOR_TREATMENT
    assert (diet.date, diet.duration) == (d(2017, 5, 30), "12 weeks")
    assert diet.outcome == "no improvement"
    ibu = find(chart, "Ibuprofen 600 mg TID for 12 weeks")
    assert (ibu.type, ibu.outcome) == (FactType.MEDICATION, "partial relief")
    xray = find(chart, "Panoramic x-ray")
    assert xray.type is FactType.IMAGING and xray.date == d(2017, 5, 30)
    mri = find(chart, "MRI of the right TMJ")
    assert mri.type is FactType.IMAGING and mri.date == d(2017, 6, 1)  # its own date
    cand = find(chart, "surgical candidate")
    assert cand.type is FactType.SURGICAL_CANDIDACY and cand.date == d(2017, 6, 5)
    assert cand.codes == ["29800"] and cand.source == "Oral surgery consult"
    assert find(chart, "follow up in 4 weeks").type is FactType.PLAN
    trauma = find(chart, "denies history of jaw trauma")
    assert trauma.type is FactType.HISTORY and trauma.outcome == "negated"


def test_tmj_chart_patient_and_provider():
    chart = parse_chart_text(TMJ)
    assert chart.patient.name == "Jane Q. Doe"
    assert chart.patient.date_of_birth == dt.date(1960, 1, 2)
    assert chart.patient.member_id == "ABC123456"  # the MRN is not a member id
    p = chart.provider
    assert (p.name, p.credentials, p.npi) == ("Maria Lopez", "DDS", VALID_NPI)
    assert p.practice == "Lakeside Oral & Maxillofacial Surgery"
    assert (p.phone, p.fax) == ("(555) 201-3344", "(555) 201-3345")
    assert chart.warnings == []
    # identity, signature and letterhead lines are not facts
    joined = " ".join(f.text for f in chart.facts)
    for boiler in ("Jane Q. Doe", "99887766", "Electronically signed", "201-3344", "Lakeside"):
        assert boiler not in joined


def test_lumbar_chart():
    chart = parse_chart_text(LUMBAR)
    assert_grounded(chart)
    pt = find(chart, "physical therapy for 8 weeks")
    assert pt.type is FactType.PRIOR_TREATMENT
    assert (pt.date, pt.end_date) == (dt.date(2018, 2, 1), dt.date(2018, 3, 29))
    assert pt.duration == "8 weeks" and pt.outcome and "failed" in pt.outcome
    slr = find(chart, "Straight leg raise positive")
    assert slr.type is FactType.EXAM and slr.date == dt.date(2018, 4, 12)
    nsaid = find(chart, "NSAIDs")
    assert (nsaid.type, nsaid.duration, nsaid.outcome) == (
        FactType.MEDICATION,
        "10 weeks",
        "without relief",
    )
    assert find(chart, "unable to sit").type is FactType.FUNCTIONAL_LIMIT
    assert find(chart, "MRI lumbar spine").type is FactType.IMAGING
    assert find(chart, "Lumbar radiculopathy").codes == ["M54.16", "M51.17"]
    assert find(chart, "microdiscectomy").type is FactType.PLAN
    chiro = find(chart, "chiropractic")
    assert chiro.type is FactType.HISTORY and chiro.outcome == "negated"
    assert chart.patient.name == "John Smith" and chart.patient.member_id == "XYZ987654321"
    p = chart.provider
    assert (p.name, p.credentials, p.npi) == ("Robert Chen", "MD", OTHER_NPI)
    assert p.practice == "Spine Associates of Springfield"
    assert p.address == "100 Main Street, Suite 200, Springfield, IL 62701"


@pytest.mark.parametrize(
    "sentence",
    [
        "Patient is not a surgical candidate.",
        "No history of physical therapy.",
        "Did not try PT.",
        "PT was not attempted.",
        "Declined injections.",
        "Patient has no history of prior injections.",
        "Medications: none tried.",
        "Patient does not wish to proceed with surgery.",
        "Patient is unwilling to proceed with surgery.",
        "No imaging to date.",
    ],
)
def test_negated_evidence_is_history(sentence):
    chart = parse_chart_text(f"03/02/2017 Progress note\n{sentence}\n")
    (fact,) = chart.facts
    assert fact.type is FactType.HISTORY and fact.outcome == "negated"
    assert fact.text in sentence  # a section label ("Medications:") is not part of the fact


@pytest.mark.parametrize(
    ("sentence", "ftype"),
    [
        ("No improvement after 6 weeks of PT.", FactType.PRIOR_TREATMENT),
        ("Patient did not improve with physical therapy.", FactType.PRIOR_TREATMENT),
        ("No relief with night guard.", FactType.PRIOR_TREATMENT),
        ("Did not try chiropractic; completed home exercise program.", FactType.PRIOR_TREATMENT),
        ("Pt reports pain 6/10.", FactType.SYMPTOM),
        ("Will refer to PT.", FactType.PLAN),
        ("Recommend MRI of the TMJ.", FactType.PLAN),
        ("ROM within normal limits.", FactType.EXAM),
        ("A1c 7.2% today.", FactType.LAB),
    ],
)
def test_outcome_words_are_not_negation(sentence, ftype):
    (fact,) = parse_chart_text(f"Date of service: 2017-03-02\n{sentence}").facts
    assert fact.type is ftype and fact.outcome != "negated"


@pytest.mark.parametrize(
    ("header", "date", "end_date", "source"),
    [
        ("03/02/2017 Progress note", dt.date(2017, 3, 2), None, "Progress note"),
        ("Date of service: 2017-05-30", dt.date(2017, 5, 30), None, ""),
        ("5/30/17 - Dental visit:", dt.date(2017, 5, 30), None, "Dental visit"),
        ("June 5, 2017 Oral surgery consult", dt.date(2017, 6, 5), None, "Oral surgery consult"),
        ("Progress Note - 04/10/2017", dt.date(2017, 4, 10), None, "Progress Note"),
        (
            "3/2/2017-5/30/2017 Physical therapy",
            dt.date(2017, 3, 2),
            dt.date(2017, 5, 30),
            "Physical therapy",
        ),
    ],
)
def test_note_headers_date_their_sentences(header, date, end_date, source):
    chart = parse_chart_text(f"{header}\nPain 6/10 with chewing.\nUnable to eat solid food.\n")
    assert [f.type for f in chart.facts] == [FactType.SYMPTOM, FactType.FUNCTIONAL_LIMIT]
    for fact in chart.facts:
        assert (fact.date, fact.end_date, fact.source) == (date, end_date, source)


def test_title_line_then_date_line_are_one_note():
    chart = parse_chart_text("MRI Report\nDate of service: 2017-06-01\nDisc displaced anteriorly.")
    (fact,) = chart.facts
    assert (fact.type, fact.date) == (FactType.IMAGING, dt.date(2017, 6, 1))
    assert fact.source == "MRI Report"


def test_invalid_npi_in_notes_is_dropped_with_warning():
    sig = f"Electronically signed by Alan Smith, DMD, NPI {BAD_NPI}"
    chart = parse_chart_text(f"Pain 5/10.\n{sig}\n")
    assert chart.provider.name == "Alan Smith" and chart.provider.npi is None
    assert chart.warnings and BAD_NPI not in " ".join(chart.warnings)


def test_blank_and_boilerplate_make_no_facts():
    chart = parse_chart_text("\n\n   \nPage 1 of 2\n-----\nCONFIDENTIAL\n\n")
    assert chart.facts == []
    assert parse_chart(None) == Chart() and parse_chart("   ") == Chart()


def test_json_chart_round_trip():
    chart = parse_chart_text(TMJ)
    again = parse_chart_json(json.loads(chart.model_dump_json()))
    assert again == chart
    assert parse_chart(chart.model_dump_json()) == chart


def test_json_ids_types_and_notes_merge():
    obj = {
        "patient": {"name": "Ann Lee", "date_of_birth": "03/04/1970"},
        "provider": {"name": "Alan Smith", "credentials": "DMD", "npi": VALID_NPI},
        "facts": [
            {"type": "prior treatment", "text": "Night guard for 3 months", "date": "2017-01-05"},
            {"id": "F1", "type": "imaging", "text": "CBCT showed condylar erosion"},
            {"text": "Pain 8/10 with chewing"},
        ],
        "notes": "06/01/2017 Progress note\nDid not try PT. Ibuprofen 800 mg TID for 4 weeks.",
    }
    chart = parse_chart(obj)
    assert [f.id for f in chart.facts] == ["F2", "F1", "F3", "F4", "F5"]
    assert chart.patient.date_of_birth == dt.date(1970, 3, 4)
    types = [f.type for f in chart.facts]
    assert types == [
        FactType.PRIOR_TREATMENT,
        FactType.IMAGING,
        FactType.SYMPTOM,  # untyped: typed by the same keyword table as notes
        FactType.HISTORY,
        FactType.MEDICATION,
    ]
    assert chart.facts[3].outcome == "negated"
    assert chart.source_text == obj["notes"]
    for fact in chart.facts[3:]:
        assert fact.text in chart.source_text[fact.span.start : fact.span.end]


def test_json_invalid_npi():
    with pytest.raises(InvalidCode) as err:
        parse_chart_json({"provider": {"name": "Alan Smith", "npi": BAD_NPI}})
    assert err.value.fields["field"] == "provider.npi"
    with pytest.raises(InvalidCode):
        parse_chart_json({"provider": {"npi": "12345"}})


def test_json_schema_errors_name_fields_never_values():
    secret_dob, secret_name = "not-a-date-1960-SECRET", "Zebulon Secretname"
    obj = {
        "patient": {"name": secret_name, "date_of_birth": secret_dob, "ssn": "999-00-1234"},
        "facts": [{"type": "astrology", "text": "Zebulon reads stars"}, {"text": ""}, "oops"],
        "extra": 1,
    }
    with pytest.raises(SchemaError) as err:
        parse_chart_json(obj)
    blob = repr(err.value) + str(err.value) + json.dumps(err.value.fields, default=str)
    for value in (secret_dob, secret_name, "999-00-1234", "astrology", "Zebulon"):
        assert value not in blob
    locations = err.value.fields["locations"]
    for loc in (
        "patient.date_of_birth",
        "patient.ssn",
        "facts[0].type",
        "facts[1].text",
        "facts[2]",
        "extra",
    ):
        assert loc in locations


def test_text_that_is_not_json_goes_to_notes_parser():
    chart = parse_chart("{draft} Patient reports jaw pain 6/10.")
    assert chart.facts and chart.facts[0].type is FactType.SYMPTOM


# A note's header dates every sentence under it, whatever the header looks like. Each layout
# below is the same two notes; every fact of the first must carry 11/14/2023 and every fact of
# the second 03/20/2024.
_BODY_1 = "Apnea-hypopnea index 38.2 events/hr.\nNadir SpO2 79%."
_BODY_2 = "Pt has tried CPAP since last winter.\nCPAP intolerance after a 3.5-month trial."
_HEADER_LAYOUTS = {
    "date label then identity": (
        "Study date: 11/14/2023   Patient: Marcus Delano   DOB: 04/02/1968",
        "Visit date: 03/20/2024",
    ),
    "title, date, clinician": (
        "Attended polysomnography 11/14/2023 - Priya Raman, MD",
        "Sleep medicine follow-up 03/20/2024 - Priya Raman, MD",
    ),
    "procedure title by its word ending": (
        "ENT / Sleep Surgery - Drug-induced sleep endoscopy 11/14/2023",
        "Pulmonary function testing 03/20/2024 (Dr. Tomas Herrera)",
    ),
    "date first": ("11/14/2023 Sleep study", "03/20/2024 Follow-up visit"),
    "upper case, other spelling": (
        "SLEEP STUDY NOV 14, 2023 - PRIYA RAMAN, MD",
        "PROCEDURE DATE: MARCH 20, 2024",
    ),
}


@pytest.mark.parametrize("layout", sorted(_HEADER_LAYOUTS))
def test_a_note_header_dates_the_sentences_under_it(layout):
    first, second = _HEADER_LAYOUTS[layout]
    chart = parse_chart_text(f"{first}\n{_BODY_1}\n\n{second}\n{_BODY_2}\n")
    dated = {f.text.split()[0]: f.date for f in chart.facts}
    assert dated["Apnea-hypopnea"] == dt.date(2023, 11, 14)
    assert dated["Nadir"] == dt.date(2023, 11, 14)
    assert dated["Pt"] == dt.date(2024, 3, 20)
    assert dated["CPAP"] == dt.date(2024, 3, 20)


def test_a_birth_date_label_never_dates_a_note():
    chart = parse_chart_text(
        "Birth date: 04/02/1968\nApnea-hypopnea index 38.2 events/hr.\n"
        "Sentence about care without any date.\n"
    )
    assert all(f.date != dt.date(1968, 4, 2) for f in chart.facts)


def test_a_sentence_after_a_date_is_not_read_as_a_clinician():
    # only a name with credentials (or "Dr.") may follow a title's date
    chart = parse_chart_text("Follow-up 03/20/2024 - Started ibuprofen\nPain improved.\n")
    assert any("Started ibuprofen" in f.text for f in chart.facts)


def test_a_visit_title_with_its_first_sentence_dates_the_lines_after_it():
    chart = parse_chart_text(
        "Follow-up 08/27/2024: wearing 20-30 mm Hg stockings daily since 05/21.\n"
        "Aching and swelling no better.\nStill limited at work.\n"
    )
    assert [f.date for f in chart.facts] == [dt.date(2024, 8, 27)] * 3
    assert chart.facts[0].text.startswith("Follow-up 08/27/2024")  # the line stays a fact
    # a test's result line is a fact of its own, not a note for the lines after it
    xray = parse_chart_text(
        "Progress note 2024-08-01\nPanoramic x-ray 2024-08-03: nondiagnostic.\nPain persists.\n"
    )
    assert [f.date for f in xray.facts] == [dt.date(2024, 8, 3), dt.date(2024, 8, 1)]


def test_a_letterhead_or_identity_line_still_dates_its_note_and_keeps_a_stated_age():
    chart = parse_chart_text(
        "Cedar Hill Psychiatry - TMS Evaluation, 02/18/2025\n"
        "Amara Nwosu, MD - Psychiatry\n\n"
        "ID: 41-year-old woman, recurrent depression.\n"
        "PHQ-9 today: 21 (severe).\n"
    )
    assert {f.date for f in chart.facts} == {dt.date(2025, 2, 18)}
    assert any("41-year-old" in f.text for f in chart.facts)


def test_a_fact_keeps_its_documents_date_beside_the_dates_it_states():
    chart = parse_chart_text(
        "Consultation 04/22/2024\nPhysical therapy 10/2023 to 12/2023, no lasting improvement.\n"
    )
    (fact,) = chart.facts
    assert fact.note_date == dt.date(2024, 4, 22)
    assert fact.date != fact.note_date  # the sentence's own span


def test_an_indented_dated_line_is_a_list_item_not_a_note():
    chart = parse_chart_text(
        "Consult 09/17/2024\n"
        "Attacks needing steroids:\n"
        "  10/04/2023 - urgent care, prednisone 40 mg x 5 days\n"
        "  05/12/2024 - ED visit, dexamethasone IM\n"
        "Denies smoking.\n"
    )
    dated = {f.text.split()[0]: f.date for f in chart.facts}
    assert dated["10/04/2023"] == dt.date(2023, 10, 4)
    assert dated["05/12/2024"] == dt.date(2024, 5, 12)
    assert dated["Denies"] == dt.date(2024, 9, 17)  # still the consult's, not the last item's
    # the same notes indented as a whole read the same
    shifted = parse_chart_text("\n".join("    " + ln for ln in chart.source_text.splitlines()))
    assert [f.date for f in shifted.facts] == [f.date for f in chart.facts]


def test_a_vocabulary_phrase_is_found_in_the_plural():
    from service.evidence.vocabulary import clinical

    assert "asthma exacerbation" in clinical().concepts_in("Two asthma attacks this year.")
    assert not clinical().concepts_in("Pts seen today.")  # 'pt' is too short to pluralise


def test_an_identity_line_gives_only_its_age_clause_as_a_fact():
    chart = parse_chart_text(
        "Progress note 03/01/2024\n"
        "Patient: Jane Doe, 45-year-old woman, DOB 01/02/1979, Member ID ABC123\n"
        "Knee pain for 6 months.\n"
    )
    assert [f.text for f in chart.facts][0] == "45-year-old woman"
    assert not any("Doe" in f.text or "1979" in f.text or "ABC123" in f.text for f in chart.facts)
    assert chart.patient.member_id == "ABC123"
