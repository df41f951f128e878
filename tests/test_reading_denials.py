"""Reading denials nobody on the team wrote: each mechanism on its own, with letters of our own
in layouts unlike the eval cases, and the real letters in ../shared/data."""

from __future__ import annotations

import datetime as dt

from service.intake import payers
from service.intake.code_context import is_known_hcpcs
from service.intake.denial_text import parse_denial_text
from service.intake.files import read_input_file
from service.models import PlanType
from service.triage import triage

VENDOR = """\
[CUSTOMER]
Orchard Peak Utilization Partners
Imaging Review, on behalf of Cedar Hollow Health Plan
PO Box 30418, Akron, OH 44309-0418

Date of notice: 03/14/2025
Enrollee ID: CHH-448120-02
Member: Ilse Varga
Case #: OPU-25-0314-2207
Planned date: 03/28/2025
Procedure requested: CPT 73221 MRI shoulder without contrast
Diagnosis: M75.101 Rotator cuff tear, right shoulder

The request is not approved. Shoulder MRI is supported when the record documents one of the
following: (a) weakness on examination; (b) six weeks of therapy without relief; or (c) an
x-ray that did not explain the pain. None of these is documented.

An appeal may be filed with Cedar Hollow Health Plan within 60 days of this notice. The plan
will decide a pre-service appeal within 30 days. Mail appeals to:
  Cedar Hollow Health Plan
  Appeals Unit
  PO Box 30455
  Akron, OH 44309-0455
  Fax 330-555-0148
"""


def test_a_vendor_letter_names_the_plan_it_acts_for_and_its_own_name_apart():
    d = parse_denial_text(VENDOR)
    assert d.payer == "Cedar Hollow Health Plan"
    assert d.reviewer == "Orchard Peak Utilization Partners"
    assert (d.member_id, d.patient_name) == ("CHH-448120-02", "Ilse Varga")
    assert d.reference_number == "OPU-25-0314-2207" and d.claim_number is None
    assert d.denial_date == dt.date(2025, 3, 14)
    assert d.dates_of_service == [dt.date(2025, 3, 28)]
    assert d.service_codes == ["73221"] and [x.code for x in d.diagnosis_codes] == ["M75.101"]
    assert d.appeal_instructions.address == (
        "Cedar Hollow Health Plan, Appeals Unit, PO Box 30455, Akron, OH 44309-0455"
    )
    assert d.appeal_instructions.fax == "330-555-0148"
    assert d.appeal_instructions.deadline_days == 60  # not the 30-day decision window
    assert [c.text for c in d.stated_criteria] == [
        "weakness on examination",
        "six weeks of therapy without relief",
        "an x-ray that did not explain the pain.",  # the sentence's own full stop stays
    ]
    assert d.criteria_logic == "any"
    assert d.plan_type is PlanType.COMMERCIAL


def test_numbers_shaped_like_codes_are_not_codes_outside_a_code_context():
    text = (
        "Maple Ridge Health Plan\n1120 Summit Avenue, Suite 21040, Boise, ID 83706\n\n"
        "Claim: 33501-2  Member ID: MRH 4410 2210\nService: 11530\n"
        "We denied the claim. The plan does not cover this service.\n"
        "Write to PO Box 72148, Boise, ID 83715. Call 208-555-0190.\n"
        "27447 Old Mill Road\n"
    )
    d = parse_denial_text(text)
    assert d.service_codes == []
    assert d.member_id == "MRH 4410 2210"


def test_a_labelled_hcpcs_code_is_kept_but_an_unlisted_unlabelled_one_is_not():
    assert is_known_hcpcs("K0823") and not is_known_hcpcs("H7762")
    labelled = parse_denial_text("Denied: HCPCS K1027 oral appliance.\nWe denied this item.")
    assert labelled.service_codes == ["K1027"]  # newer than the shipped list, but labelled
    bare = parse_denial_text("We denied this item. Contract H7762 plan benefits apply.")
    assert bare.service_codes == []


def test_inline_numbered_criteria_with_all_of_logic():
    text = (
        "Your request was denied. Approval needs all of the following: 1) an x-ray first,\n"
        "2) four weeks of treatment that did not help, and 3) a finding on the exam.\n"
    )
    d = parse_denial_text(text)
    assert [c.text for c in d.stated_criteria] == [
        "an x-ray first",
        "four weeks of treatment that did not help",
        "a finding on the exam.",
    ]
    assert d.criteria_logic == "all"


def test_either_or_and_semicolon_lists():
    either = parse_denial_text(
        "We denied the drug. We cover it only when either you tried the generic for 30 days, "
        "or your doctor says you cannot take it."
    )
    assert [c.text for c in either.stated_criteria] == [
        "you tried the generic for 30 days",
        "your doctor says you cannot take it",
    ] and either.criteria_logic == "any"
    semis = parse_denial_text(
        "We denied the chair. It is covered when the records show that you cannot walk at "
        "home; you cannot use a manual chair; and you can drive the chair safely."
    )
    assert len(semis.stated_criteria) == 3 and semis.criteria_logic == "all"


def test_boilerplate_is_never_a_criterion():
    d = parse_denial_text(
        "The claim was denied because the records did not show a home exercise program.\n\n"
        "Your request is important to us. You have the right to appeal within 180 days.\n"
        "We will decide your appeal within 30 days. ATENCIÓN: si habla español, llame al "
        "1-800-555-0100.\nWe do not discriminate on the basis of race, color or national origin."
    )
    texts = [c.text for c in d.stated_criteria]
    assert texts == ["the records did not show a home exercise program."] or len(texts) == 1
    assert not any("important" in t or "discriminate" in t for t in texts)


def test_a_redacted_first_line_and_two_columns_flattened():
    text = (
        "███ ██████  FAX 02/02/2025 09:10  FROM: UM DEPT  TO: 5555550100   P.001/001\n"
        "Birchwood Health Alliance                        Date of notice: 02/01/2025\n"
        "PO Box 1180                                      Ref: BHA-UM-2501-0077\n"
        "Columbus, OH 43216-1180                          Subscriber #: BHA99001234\n\n"
        "Claim denied: no prior authorization on file (CO-197).\n"
    )
    d = parse_denial_text(text)
    assert d.payer == "Birchwood Health Alliance"
    assert d.denial_date == dt.date(2025, 2, 1)
    assert d.reference_number == "BHA-UM-2501-0077" and d.member_id == "BHA99001234"
    assert d.source_text[d.sources["member_id"].start : d.sources["member_id"].end] == (
        "BHA99001234"
    )


def test_the_cli_reads_a_paste_that_begins_with_a_redaction_as_text(tmp_path):
    path = tmp_path / "denial.txt"
    path.write_bytes(b"[CUSTOMER]\nWe denied the MRI (CPT 72148).\n")
    assert isinstance(read_input_file(str(path), field="denial"), bytes)
    path.write_bytes(b'{"payer": "Cedar Hollow Health Plan"}')
    assert read_input_file(str(path), field="denial") == {"payer": "Cedar Hollow Health Plan"}


def test_a_practice_extends_the_payer_directory(tmp_path, monkeypatch):
    (tmp_path / "payers.yaml").write_text(
        "payers:\n  - id: cedar\n    name: Cedar Hollow Health Plan\n    aliases: [CHHP]\n"
    )
    monkeypatch.setenv("OVERTURN_DATA_DIR", str(tmp_path))
    assert payers.resolve_payer("CHHP") == ("Cedar Hollow Health Plan", "cedar")
    monkeypatch.setenv("OVERTURN_DATA_DIR", str(tmp_path / "elsewhere"))
    assert payers.resolve_payer("Cedar Hollow Health Plan")[1] == "cedar-hollow-health-plan"


def test_triage_reads_the_notice_deadline_and_network():
    eob = parse_denial_text(
        "Explanation of benefits. Provider: Lakeview Labs - IN-NETWORK provider\n"
        "Line 1 87389 HIV antigen/antibody screen $45.00 $0.00 CO-50\n"
        "You may appeal within 180 days of the date of this statement. We will decide within "
        "60 days.\n"
    )
    assert eob.network == "in"
    result = triage(eob, dt.date(2026, 1, 1))
    assert result.category.value != "network"
    assert eob.appeal_instructions.deadline_days == 180


def test_the_real_letters_read_with_their_criteria_and_no_invented_codes(shared_data):
    for path in sorted((shared_data / "denial_letters").glob("*.txt")):
        if path.name.startswith("LICENSE"):
            continue
        d = parse_denial_text(path.read_text(encoding="utf-8"))
        assert d.stated_criteria, path.name
        for code in d.service_codes:
            assert code in d.source_text and not code.startswith("0"), path.name
    mri = parse_denial_text((shared_data / "denial_letters" / "jawjoint-mri.txt").read_text())
    assert mri.service_codes == ["70336"] and mri.reviewer == "AIM Specialty Health"
