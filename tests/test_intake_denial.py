"""Denial intake: what a careful reader finds in real and synthetic denials, and nothing more."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from support import REAL_LETTERS, denial_letter, shared

from service import errors
from service.intake import codes, payers
from service.intake.denial_fields import id_digits
from service.intake.denial_json import parse_denial_json
from service.intake.denial_text import parse_denial_text
from service.intake.text import parse_date, read_text
from service.models import Category, CodeSystem, Denial, PlanType

REAL = REAL_LETTERS


def parse_letter(name: str) -> Denial:
    return parse_denial_text(read_text(denial_letter(name), max_bytes=10**6))


def _alnum(s: object) -> str:
    return re.sub(r"[^0-9a-z]", "", str(s).lower())


def _value_at(denial: Denial, path: str) -> object:
    obj: object = denial
    for name, index in re.findall(r"(\w+)(?:\[(\d+)\])?", path):
        obj = getattr(obj, name)
        if index:
            obj = obj[int(index)]  # type: ignore[index]
    return obj


def assert_spans_hold(d: Denial) -> None:
    """Every recorded span lies in the source and holds the value it is recorded for."""
    text = d.source_text
    for key, span in d.sources.items():
        assert 0 <= span.start < span.end <= len(text), key
        got, value = text[span.start : span.end], _value_at(d, key)
        if isinstance(value, dt.date):
            assert parse_date(got) == value, key
        elif key == "payer":
            # a directory payer is recorded by its name; any other as the letter prints it
            assert payers.identify_payer(got)[0] == value or _alnum(got) == _alnum(value)
        elif key == "reviewer":
            assert payers.identify_reviewer(got)[0] == value or _alnum(got) == _alnum(value)
        elif key == "plan_type":
            assert payers.identify_plan_type(got, payers.identify_payer(text)[1])[0] == value
        elif key.startswith("diagnosis_codes"):
            assert codes.normalize_icd10(got) == value.code  # type: ignore[attr-defined]
        elif key.startswith("adjustments"):
            assert got.lstrip("0") == value.carc  # type: ignore[attr-defined]
        elif key.startswith("stated_criteria"):
            assert " ".join(got.split()) == value.text, key  # type: ignore[attr-defined]
            assert value.span == span  # type: ignore[attr-defined]
        elif key.endswith(("phone", "fax")):
            assert re.sub(r"\D", "", got) == re.sub(r"\D", "", str(value))
        else:
            # an identifier's digit groups are read with OCR's O and l undone (id_digits)
            assert _alnum(value) and _alnum(value) in _alnum(id_digits(got)), key


def texts(d: Denial) -> list[str]:
    return [c.text.lower() for c in d.stated_criteria]


# ---- the five real letters ------------------------------------------------------------------


@pytest.mark.parametrize("name", REAL)
def test_real_letter_parses_with_sound_spans_and_no_redactions(name):
    d = parse_letter(name)
    assert_spans_hold(d)
    assert d.denial_reason
    assert [c.id for c in d.stated_criteria] == [f"SC{i + 1}" for i in range(len(texts(d)))]
    assert d.stated_criteria, "each real letter states at least one ground to answer"
    # The letters carry no person's name and no ICD-10 code: nothing may be invented.
    assert d.patient_name is None and d.diagnosis_codes == []
    dump = d.model_dump_json(exclude={"source_text", "warnings", "denial_reason"})
    assert not re.search(r"\[(?:Patient|CASE|CUSTOMER|DENIALDATE|HealthCo|FACILITY)\]", dump)


def test_jaw_joint_mri_letter():
    d = parse_letter("jawjoint-mri")
    assert d.service_codes == ["70336"] and d.service_lines[0].code_system is CodeSystem.CPT
    assert "jaw" in d.service_lines[0].description.lower()
    assert d.reference_number == "172598614"
    assert d.reviewer == "AIM Specialty Health" and d.payer is None
    assert d.guideline == "Imaging of the Head and Neck"
    crit = texts(d)
    assert len(crit) in (3, 4)
    assert any("mouth guard" in c and "soft food" in c for c in crit)
    assert any("x-ray" in c and "ultrasound" in c for c in crit)
    assert any("surgery" in c and "willing" in c for c in crit)
    assert not any("this is the case" in c for c in crit)


def test_adenomyosis_letter_keeps_redactions_out():
    d = parse_letter("adenomyosis")
    assert d.service_codes == ["72197"]
    assert d.guideline and d.guideline.startswith("Simultaneous Ordering of Multiple")
    assert d.reviewer == "AIM Specialty Health"
    assert d.reference_number is None and d.dates_of_service == [] and d.denial_date is None
    assert d.plan_type is PlanType.COMMERCIAL
    crit = texts(d)
    assert len(crit) == 1, "the OCR-repeated passage is the same criterion"
    assert "why" in crit[0] and "at this time" in crit[0]
    assert any("redacted" in w for w in d.warnings)


def test_lupron_letter_reads_the_column_layout():
    d = parse_letter("lupron_cancer")
    assert d.member_id == "HPCG0281501"
    assert d.reference_number == "CV966757"
    assert d.date_of_birth == dt.date(1960, 1, 1)
    assert d.dates_of_service == [dt.date(2017, 7, 31), dt.date(2018, 1, 30)]
    assert [(s.code_system, s.description) for s in d.service_lines] == [
        (CodeSystem.DRUG, "Lupron Depot (3-Month)")
    ]
    assert d.payer == "Harvard Pilgrim Health Care" and d.reviewer == "CVS Caremark"
    assert d.guideline == "Standard Lupron Depot Policy"
    crit = texts(d)
    assert len(crit) == 1 and "3.75 mg" in crit[0] and "breast cancer" in crit[0]
    assert any("without an ICD-10-CM code" in w and "breast" in w for w in d.warnings)


def test_lidocaine_letter():
    d = parse_letter("lidocane")
    assert d.payer == "Humana"
    assert [s.description for s in d.service_lines] == ["LIDOCAINE 5% PATCH"]
    assert d.service_lines[0].code is None
    crit = texts(d)
    assert len(crit) == 1 and "experimental" in crit[0]
    assert d.appeal_instructions.deadline_days == 180


def test_aetna_part_d_letter():
    d = parse_letter("migrane_generic_drug")
    assert d.payer == "Aetna" and d.plan_type is PlanType.MEDICARE_PART_D
    assert d.plan_name == "Aetna Medicare Rx Saver"
    assert d.denial_date == dt.date(2018, 1, 31)
    assert [s.description for s in d.service_lines] == ["BUT/APAP/CAF TAB"]
    crit = texts(d)
    assert len(crit) == 2
    assert "formulary" in crit[0] and "limits" in crit[0]
    assert "exception" in crit[1] and "criteria" in crit[1]
    assert d.appeal_instructions.phone == "1-877-238-6211"


# ---- synthetic denials ----------------------------------------------------------------------

EOB = """EXPLANATION OF BENEFITS - THIS IS NOT A BILL
UnitedHealthcare Choice Plus PPO
Patient: Jane Q Doe        Member ID: UHC987654321
Claim Number: 2024031500123     Date of Birth: 04/12/1971

Line  DOS         Code       Description                      Billed     Paid   Adj
1     03/02/2024  99214-25   Office visit, established        $250.00    $0.00  CO-50
2     03/02/2024  72148      MRI lumbar spine w/o contrast    $1,200.00  $0.00  CO-50

Diagnosis: M54.16 Radiculopathy, lumbar region
Remark codes: N115

CO-50: These are non-covered services because this is not deemed a medical necessity.
To appeal, send your written appeal within 180 days to:
Appeals Unit, PO Box 30432
Salt Lake City, UT 84130-0432
Fax: (801) 555-0199
"""


def test_eob_excerpt():
    d = parse_denial_text(EOB)
    assert_spans_hold(d)
    assert d.payer == "UnitedHealthcare" and d.plan_type is PlanType.COMMERCIAL
    assert (d.patient_name, d.member_id, d.claim_number) == (
        "Jane Q Doe",
        "UHC987654321",
        "2024031500123",
    )
    assert d.date_of_birth == dt.date(1971, 4, 12)
    assert d.dates_of_service == [dt.date(2024, 3, 2)]
    assert [(s.code, s.modifiers) for s in d.service_lines] == [("99214", ["25"]), ("72148", [])]
    assert d.service_lines[0].description == "Office visit, established"
    assert [x.code for x in d.diagnosis_codes] == ["M54.16"] and d.diagnosis_codes[0].billable
    assert [(a.group, a.carc) for a in d.adjustments] == [("CO", "50")]
    assert d.adjustments[0].label == codes.carc_label("50")
    assert d.remark_codes == ["N115"]
    ai = d.appeal_instructions
    assert (ai.deadline_days, ai.fax) == (180, "801-555-0199")
    assert ai.address and "PO Box 30432" in ai.address and "UT 84130" in ai.address
    # The ZIP code and amounts are not procedure codes.
    assert "84130" not in d.service_codes


MEDICARE = """Medicare Summary Notice for Part B (Medical Insurance)
Notice Date: September 14, 2023
Beneficiary Name: Robert A Smith
Medicare Number: 1EG4-TE5-MK73

Physical therapy, therapeutic exercise (97110)   $180.00   $0.00   CO-50 N386
Dates of Service: 08/01/2023 - 08/29/2023

Medicare does not pay for this service because it is not reasonable and necessary
for your diagnosis (M17.11). This decision was based on a National Coverage Determination
(NCD 270.3). If you disagree, you may ask for a redetermination. You must file your appeal
within 120 days of the date you receive this notice.
"""


def test_medicare_notice():
    d = parse_denial_text(MEDICARE)
    assert_spans_hold(d)
    assert d.payer == "Medicare" and d.plan_type is PlanType.MEDICARE_AB
    assert d.member_id == "1EG4-TE5-MK73" and d.patient_name == "Robert A Smith"
    assert d.denial_date == dt.date(2023, 9, 14)
    assert d.dates_of_service == [dt.date(2023, 8, 1), dt.date(2023, 8, 29)]
    assert d.service_codes == ["97110"] and [x.code for x in d.diagnosis_codes] == ["M17.11"]
    assert d.carc_codes == ["50"] and d.remark_codes == ["N386"]
    assert d.guideline == "NCD 270.3"
    assert d.appeal_instructions.deadline_days == 120
    assert "disagree" not in (d.denial_reason or "")


OCR = """N0TICE 0F ADVERSE DETERMlNATION
Mernber ID: XKJ44O2918     Claim #: 88213O7
Patient: [Patient]

Tbe request for lumbar discectomy was denled as not medlcally necessary because: Your
doctor did not show that you tried physlcal therapy for at least 6 weeks. You must also have an MRI
that shows nerve compression. We used Cigna Coverage Policy titled Lumbar Spine Surgery to make
this decision. Diagnosis code: M51.16
"""


def test_ocr_damaged_denial():
    d = parse_denial_text(OCR)
    assert_spans_hold(d)
    assert d.payer == "Cigna" and d.guideline == "Lumbar Spine Surgery"
    # OCR's O for 0 inside a digit group is read as the 0 it stands for; the span still points
    # at the characters as printed
    assert (d.member_id, d.claim_number) == ("XKJ4402918", "8821307")
    assert d.patient_name is None and "redacted field: patient_name" in d.warnings
    crit = texts(d)
    assert len(crit) == 2
    assert crit[0].startswith("your doctor did not show") and "therapy" in crit[0]
    assert "mri" in crit[1]
    assert [x.code for x in d.diagnosis_codes] == ["M51.16"]


def test_invalid_and_unspecified_icd_codes_go_to_warnings():
    d = parse_denial_text("Claim denied, CO-11. Diagnosis: Z99.999, M54.5, R51.9")
    assert [x.code for x in d.diagnosis_codes] == ["M54.5", "R51.9"]
    assert any("invalid" in w and "Z99.999" in w for w in d.warnings)
    assert d.diagnosis_codes[0].billable is False
    assert any("category" in w and "M54.5" in w for w in d.warnings)
    assert any("unspecified" in w and "R51.9" in w for w in d.warnings)


def test_cas_segment_and_carc_words():
    d = parse_denial_text("N1*PR*ACME~CLP*A1*4*250*0~CAS*CO*50*250~ Denied. Also CARC 197 applies.")
    assert d.remark_codes == [], "an X12 N1 segment is not a remark code"
    assert [(a.group, a.carc, a.amount) for a in d.adjustments] == [
        ("CO", "50", 250.0),
        (None, "197", None),
    ]


def test_empty_labels_and_placeholders_invent_nothing():
    text = "Member ID:\nClaim #: [CLAIM]\nDate of Birth:\nYour request was denied."
    d = parse_denial_text(text, today=dt.date(2026, 1, 1))
    assert d.member_id is None and d.claim_number is None and d.date_of_birth is None
    assert "redacted field: claim_number" in d.warnings


def test_future_birth_date_is_ignored():
    d = parse_denial_text("DOB: 04/12/2031\nThe claim was denied.", today=dt.date(2026, 1, 1))
    assert d.date_of_birth is None


@pytest.mark.parametrize(
    "text",
    [
        "Preheat the oven to 180 degrees. Mix flour, sugar and eggs, then bake for 25 minutes.",
        "Progress note 03/02/2024: low back pain radiating to the left leg. Dx M54.16. Plan: PT.",
    ],
)
def test_text_that_is_not_a_denial(text):
    with pytest.raises(errors.NotADenial):
        parse_denial_text(text)


def test_a_licence_text_is_not_a_denial():
    with pytest.raises(errors.NotADenial):
        parse_denial_text(shared("denial_letters", "LICENSE.apache-2.0.txt").read_text())


def test_corpus_payers_are_recognised(tmp_path, monkeypatch):
    yml = tmp_path / "payers.yaml"
    yml.write_text(
        "payers:\n  - id: northwind\n    name: Northwind Health\n"
        "  - id: lakeshore\n    name: Lakeshore Community Health Plan\n"
        "  - id: medicare\n    name: Medicare\n"
    )
    monkeypatch.setattr(payers, "CORPUS_PAYERS_FILE", yml)
    assert {"northwind", "lakeshore", "medicare", "aetna"} <= payers.known_payer_ids()
    name, pid, span = payers.identify_payer("Your Lakeshore plan denied the MRI.")
    assert (name, pid) == ("Lakeshore Community Health Plan", "lakeshore") and span
    d = parse_denial_text("Northwind Health has denied this claim: CO-50.")
    assert d.payer == "Northwind Health"
    monkeypatch.setattr(payers, "CORPUS_PAYERS_FILE", tmp_path / "absent.yaml")
    assert payers.identify_payer("Northwind denied it")[1] is None


def test_payer_priority_and_vendors():
    assert payers.identify_payer("AETNA MEDICARE 2222 EWING ROAD")[1] == "aetna"
    assert payers.identify_payer("Anthem Blue Cross denied")[1] == "anthem"
    assert payers.identify_payer("Blue Cross Blue Shield of Texas")[1] == "bcbs"
    assert payers.identify_payer("CVS Caremark reviews for Harvard Pilgrim")[1] == "harvard_pilgrim"
    assert payers.identify_reviewer("eviCore healthcare reviewed")[0] == "eviCore healthcare"
    assert (
        payers.identify_plan_type("Aetna Medicare plan", "aetna")[0] is PlanType.MEDICARE_ADVANTAGE
    )


# ---- code tables ----------------------------------------------------------------------------

DOMAIN_CARCS = {
    "50": "medical_necessity", "150": "medical_necessity", "151": "medical_necessity",
    "55": "experimental", "56": "experimental", "167": "diagnosis_not_covered",
    "197": "authorization", "198": "authorization", "15": "authorization",
    "4": "coding", "11": "coding", "16": "coding", "97": "coding", "96": "benefit",
    "49": "benefit", "29": "timely_filing", "27": "eligibility", "31": "eligibility",
    "242": "network", "243": "network",
}  # fmt: skip


def test_carc_table_covers_the_domain_categories():
    for code, category in DOMAIN_CARCS.items():
        assert codes.carc_category(code) == category, code
    for code in ["1", "2", "3", "18", "22", "23", "45", "109", "119", "181", "204", "226", "252"]:
        assert codes.carc_label(code), code
        Category(codes.carc_category(code))
    assert codes.carc_category("999") == "unknown" and codes.carc_label("999") == ""


def test_tables_name_their_source():
    data = Path(codes.__file__).with_name("data")
    for name in ("carc.csv", "rarc.csv"):
        head = (data / name).read_text().splitlines()[0]
        assert "X12 CARC/RARC code lists; labels paraphrased" in head


def test_code_shapes():
    assert codes.is_cpt("99214") and codes.is_cpt("0001F") and codes.is_cpt("0042T")
    assert not codes.is_cpt("9921") and not codes.is_cpt("J9217")
    assert codes.is_hcpcs("J9217") and not codes.is_hcpcs("N1150")
    assert codes.normalize_icd10("m5416") == "M54.16" and codes.is_valid_icd10("M5416")
    assert codes.is_billable_icd10("M54.16") and not codes.is_billable_icd10("M54")
    assert not codes.is_valid_icd10("Z99.999") and not codes.is_valid_icd10("1")
    assert "lumbar" in codes.icd10_description("M54.16").lower()
    assert codes.rarc_label("n115") and codes.rarc_label("MA130")


# ---- JSON -----------------------------------------------------------------------------------


def test_json_round_trip_normalises_codes():
    d = parse_denial_json(
        {
            "payer": "Aetna",
            "diagnosis_codes": [{"code": "m5416"}],
            "service_lines": [{"code": "99214", "modifiers": ["25"]}],
            "adjustments": [{"group": "co", "carc": "050"}],
            "service_codes": ["ignored"],
        }
    )
    assert d.diagnosis_codes[0].code == "M54.16" and d.diagnosis_codes[0].description
    assert d.service_lines[0].code_system is CodeSystem.CPT
    assert (d.adjustments[0].group, d.adjustments[0].carc) == ("CO", "50")
    again = parse_denial_json(d.model_dump(mode="json"))
    assert again == d


@pytest.mark.parametrize(
    ("obj", "field"),
    [
        ({"diagnosis_codes": [{"code": "Z99.999"}]}, "diagnosis_codes[0].code"),
        ({"service_lines": [{"code": "9921", "code_system": "CPT"}]}, "service_lines[0].code"),
        ({"service_lines": [{"code": "99214", "code_system": "HCPCS"}]}, "service_lines[0].code"),
        ({"adjustments": [{"carc": "ABCD"}]}, "adjustments[0].carc"),
        ({"adjustments": [{"group": "XX", "carc": "50"}]}, "adjustments[0].group"),
        ({"remark_codes": ["Q12"]}, "remark_codes[0]"),
    ],
)
def test_json_invalid_codes(obj, field):
    with pytest.raises(errors.InvalidCode) as exc:
        parse_denial_json(obj)
    assert exc.value.fields["field"] == field


def test_json_schema_errors_name_locations_not_values():
    with pytest.raises(errors.SchemaError) as exc:
        parse_denial_json({"member_id": 12345, "date_of_birth": "Jane-Doe-1960", "bogus": 1})
    locs = {e["loc"] for e in exc.value.fields["errors"]}
    assert locs == {"member_id", "date_of_birth", "bogus"}
    assert "Jane" not in repr(exc.value.fields) and "Jane" not in str(exc.value)


def test_json_source_text_alone_is_parsed():
    text = denial_letter("jawjoint-mri")
    d = parse_denial_json({"source_text": text})
    assert d.service_codes == ["70336"] and len(d.stated_criteria) >= 3


def test_ocr_repeated_criterion_is_one_but_similar_criteria_stay_apart():
    text = (
        "Your request was denied. You must have tried physical therapy for six weeks.\n\n\n"
        "ou must have tried physlcal therapy for slx weeks.\n\n"
        "You must have tried anti-inflammatory medication for six weeks."
    )
    crit = texts(parse_denial_text(text))
    assert len(crit) == 2
    assert "physical therapy" in crit[0] and "medication" in crit[1]


def test_hcpcs_and_category_ii_codes_on_service_lines():
    text = (
        "Service denied as not medically necessary.\n"
        "HCPCS J9217 Leuprolide acetate suspension 7.5 mg\n"
        "CPT 3074F Most recent systolic blood pressure below 130\n"
        "Call 1-800-555-0100 or write to PO Box 12345, Springfield, IL 62701."
    )
    d = parse_denial_text(text)
    assert [(s.code, s.code_system) for s in d.service_lines] == [
        ("J9217", CodeSystem.HCPCS),
        ("3074F", CodeSystem.CPT),
    ]
    assert d.service_lines[0].description.startswith("Leuprolide")
    assert_spans_hold(d)


@pytest.mark.parametrize(
    ("text", "plan"),
    [
        ("Your employer-sponsored plan is governed by ERISA.", PlanType.ERISA),
        ("Lakeshore Medicaid managed care plan", PlanType.MEDICAID_MANAGED_CARE),
        ("Humana Medicare Advantage (HMO)", PlanType.MEDICARE_ADVANTAGE),
        ("Medicare Part D prescription drug plan", PlanType.MEDICARE_PART_D),
        ("a letter about something", PlanType.UNKNOWN),
    ],
)
def test_plan_types(text, plan):
    assert payers.identify_plan_type(text)[0] is plan


def test_short_acronym_aliases_are_case_sensitive():
    assert payers.identify_payer("Mac and cheese")[0] is None


def test_bulleted_criteria_after_an_introduction():
    text = (
        "Your request for a lumbar fusion was denied. The following criteria were not met:\n"
        "• Documentation of at least 6 weeks of conservative therapy\n"
        "• Imaging showing instability at the level to be fused\n"
        "2. Smoking cessation for 6 weeks before surgery\n"
        "You may appeal this decision within 180 days.\n"
        "- This bullet is outside the list\n"
    )
    d = parse_denial_text(text)
    crit = texts(d)
    assert len(crit) == 3
    assert crit[0].startswith("documentation of at least 6 weeks")
    assert "instability" in crit[1] and "smoking" in crit[2]
    assert_spans_hold(d)


ANTHEM = """Anthem Blue Cross
P.O. Box 60007, Los Angeles, CA 90060-0007

March 3, 2024

Member: John R. Public
Member ID: XYZ123456789
Claim #: 2024-0456789
Date(s) of Service: 01/15/2024 through 01/15/2024

Dear John R. Public:

We reviewed the request for total knee arthroplasty (CPT 27447-RT) for diagnosis M17.11.
Carelon Medical Benefits Management reviewed this request on behalf of Anthem.

Reason for denial: The information provided does not show that you meet the criteria in Clinical
Guideline CG-SURG-78. Specifically, the records do not document 12 weeks of non-surgical treatment,
including physical therapy and anti-inflammatory medication. There is no documentation of
radiographic evidence of joint space narrowing.

Your plan is an employer group health plan governed by ERISA. You have the right to appeal within
180 days of receiving this notice. Mail your appeal to:
Anthem Blue Cross Appeals
P.O. Box 4310
Woodland Hills, CA 91365-4310
Or fax it to 1-888-859-3046.
"""


def test_commercial_letter_with_guideline_id_and_appeal_address():
    d = parse_denial_text(ANTHEM)
    assert_spans_hold(d)
    assert (d.payer, d.reviewer) == ("Anthem", "Carelon Medical Benefits Management")
    assert d.plan_type is PlanType.ERISA
    assert (d.patient_name, d.member_id, d.claim_number) == (
        "John R. Public",
        "XYZ123456789",
        "2024-0456789",
    )
    assert d.denial_date == dt.date(2024, 3, 3) and d.dates_of_service == [dt.date(2024, 1, 15)]
    assert [(s.code, s.modifiers) for s in d.service_lines] == [("27447", ["RT"])]
    assert d.guideline == "Clinical Guideline CG-SURG-78"
    crit = texts(d)
    assert len(crit) == 2 and "12 weeks" in crit[0] and "joint space" in crit[1]
    ai = d.appeal_instructions
    assert ai.deadline_days == 180 and ai.fax == "1-888-859-3046"
    assert ai.address and ai.address.startswith("Anthem Blue Cross Appeals")
    assert "90060" not in d.service_codes
