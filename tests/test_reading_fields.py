"""A denial's header fields as a careful reader reads them, one mechanism at a time."""

from __future__ import annotations

import datetime as dt

import pytest

from service.intake.appeal_rights import network_status
from service.intake.denial_fields import id_digits
from service.intake.denial_text import parse_denial_text


@pytest.mark.parametrize(
    ("printed", "read"),
    [
        ("WVH-2O4-77l8", "WVH-204-7718"),  # O for 0 and l for 1 inside digit groups
        ("KX 0I17 4420 9", "KX 0117 4420 9"),
        ("PO-1234", "PO-1234"),  # letters that are letters stay
        ("A1B2", "A1B2"),
        ("4RT6-YU7-IO88", "4RT6-YU7-IO88"),  # letters at a group's edge may be letters
    ],
)
def test_ocr_letters_inside_an_identifiers_digit_groups_are_digits(printed, read):
    assert id_digits(printed) == read


ALTERNATIVE = """\
Fernhollow Health Plan
Member ID: FHP-7720-118

Your doctor asked us to approve a lumbar fusion (CPT 22612) for your back pain. We cannot
approve it. Physical therapy (97110) for twelve more weeks is covered instead, and we can
help you find a therapist. The records do not show that therapy was tried.
"""


def test_a_code_named_only_as_an_alternative_is_not_the_service():
    d = parse_denial_text(ALTERNATIVE)
    assert d.service_codes == ["22612"]


def test_codes_in_prose_alone_are_all_the_service_when_none_is_said_to_be():
    d = parse_denial_text(ALTERNATIVE.replace("Your doctor asked us to approve", "About"))
    assert sorted(d.service_codes) == ["22612", "97110"]


@pytest.mark.parametrize(
    ("text", "labelled", "status"),
    [
        ("The ambulance supplier is a network provider and may not bill you.", None, "in"),
        ("Because the provider is a Preferred provider, you owe only your copay.", None, "in"),
        ("The provider is not a network provider.", None, "out"),
        ("CO-242: services not provided by network providers.", None, "out"),
        ("You saw an out-of-network provider.", None, "out"),
        ("REMITTANCE ADVICE", "PARTICIPATING", "in"),
        ("Claim detail", "Corbel PPO network dentist", "in"),
        ("Claim detail", "NON-PARTICIPATING", "out"),
    ],
)
def test_where_the_provider_stands_with_the_network(text, labelled, status):
    assert network_status(text, labelled) == status


@pytest.mark.parametrize(
    "line",
    [
        "Sent: Tue 10/21/2025 4:12 PM",
        "Fecha / Date: 21 de octubre de 2025 / October 21, 2025",
        "Date of this notice: 21st of October, 2025",
    ],
)
def test_the_notice_date_after_a_weekday_or_the_same_date_in_another_language(line):
    d = parse_denial_text(f"{line}\nFernhollow Health Plan\nThe claim is denied.\n")
    assert d.denial_date == dt.date(2025, 10, 21)


def test_codes_under_a_code_column_header_however_the_row_spaces_its_cells():
    text = (
        "FERNHOLLOW HEALTH PLAN   REMITTANCE ADVICE\n"
        "LN REV  HCPCS  UNITS DOS       BILLED   PAID    ADJ\n"
        "01 0450 99284  1     10/14/25  960.00   484.18  CO-45\n"
        "02 0636 Q9967  80    10/14/25  320.00   0.00    CO-50\n"
    )
    d = parse_denial_text(text)
    assert d.service_codes == ["99284", "Q9967"]  # not the revenue codes 0450 / 0636
    assert d.dates_of_service == [dt.date(2025, 10, 14)]


def test_codes_after_a_procedure_codes_label_and_requested_dates():
    d = parse_denial_text(
        "Fernhollow Health Plan\nProcedure Code(s): 97110, 97140\n"
        "Dates requested: 11/10/2025 - 01/09/2026\nThe request is not approved.\n"
    )
    assert d.service_codes == ["97110", "97140"]
    assert d.dates_of_service == [dt.date(2025, 11, 10), dt.date(2026, 1, 9)]
