"""Labels as payers print them: with qualifiers, in two languages, in Markdown, after their
value, in a sentence, or in words the label families do not list."""

from __future__ import annotations

import pytest

from service.intake.labels import classify, labelled_values


def _fields(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for v in labelled_values(text):
        out.setdefault(v.field, v.value)
    return out


@pytest.mark.parametrize(
    ("line", "field", "value"),
    [
        ("Plan member number: KTH0042197", "member_id", "KTH0042197"),
        ("IRO case number: IR-2025-7781", "reference_number", "IR-2025-7781"),
        ("Carrier claim no.:   WC-88-10293", "claim_number", "WC-88-10293"),
        ("Patient date of birth: 01/30/1983", "date_of_birth", "01/30/1983"),
        ("Numéro de membre / Member ID: QX 1029 3344", "member_id", "QX 1029 3344"),
        ("Claimant / patient: Odile Ferrante", "patient_name", "Odile Ferrante"),
        ("**Member ID:** ZB-44102", "member_id", "ZB-44102"),
        ("Document Control Number (DCN): 2514800339172", "claim_number", "2514800339172"),
        ("Subject: Your request - Ref# TRK-2510-66021", "reference_number", "TRK-2510-66021"),
        ("Planned date: 06/20/2025", "dates_of_service", "06/20/2025"),
        ("RE:  Patient: Marguerite Osei (spouse)", "patient_name", "Marguerite Osei (spouse)"),
        ("| Member ID # | SCH-0041-7721 |", "member_id", "SCH-0041-7721"),  # the next cell
        ("| Claim Ref. | 26-0105-4471 |", "claim_number", "26-0105-4471"),
        ("Member Number     MQH 55 0192 7      Group  0044", "member_id", "MQH 55 0192 7"),
        ("Re: Request for Lourdes Abeyta (ID: BVM-30281-04), case 9", "member_id", "BVM-30281-04"),
    ],
)
def test_a_listed_label_reads_whatever_stands_around_it(line, field, value):
    assert _fields(line).get(field) == value


@pytest.mark.parametrize(
    ("label", "field"),
    [
        ("Dentist who will perform the treatment", "rendering_provider"),
        ("Proposed surgery date", "dates_of_service"),
        ("Date performed", "dates_of_service"),
        ("date of your eye exam and lens fitting", "dates_of_service"),
        ("the number we gave this claim", "claim_number"),
        ("your member number", "member_id"),
        ("Requesting surgeon", "other"),  # asked for it; did not perform it
        ("Requested date", "other"),  # not the notice's date
        ("Date of injury", "other"),
        ("Reason", None),
    ],
)
def test_a_label_the_families_do_not_list_is_read_by_its_words(label, field):
    assert classify(label) == field


def test_labels_after_their_values_and_in_sentences():
    text = (
        "  HX-55102-7 (your member number)\n"
        "  VC-2025-0912-30447 (claim number)\n"
        "  Jonah Whitfield, OD (eye doctor who examined you)\n"
        "Please have it ready. Your member number is SWH 4471 0926, and the number we gave this\n"
        "claim is 2025-0722-118406.\n"
    )
    found = [(v.field, v.value) for v in labelled_values(text)]
    assert ("member_id", "HX-55102-7") in found
    assert ("claim_number", "VC-2025-0912-30447") in found
    assert ("rendering_provider", "Jonah Whitfield, OD") in found
    assert ("member_id", "SWH 4471 0926") in found
    assert ("claim_number", "2025-0722-118406") in found


def test_an_unlisted_label_never_displaces_a_listed_one():
    found = labelled_values("Requesting surgeon: Ana Ruiz, MD\nProposed surgery date: 08/11/2025")
    assert [(v.field, v.value) for v in found] == [
        ("other", "Ana Ruiz, MD"),
        ("dates_of_service", "08/11/2025"),
    ]
