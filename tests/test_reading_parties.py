"""The plan, the vendor acting for it, the employer and the kind of coverage, read from the
letter's own sentences; and the appeal window the notice itself sets."""

from __future__ import annotations

from service.intake.denial_text import parse_denial_text
from service.intake.parties import display_name
from service.models import PlanType

VENDOR = """\
TALLGRASS REVIEW PARTNERS, LLC
Utilization Review Services

Date of notice: 04/02/2025
Member ID: KPH-55102-3

Tallgrass Review Partners reviews imaging requests on behalf of Kestrel Prairie
Health Plan. The request for a CT of the chest (71250) is not approved.

Your plan is sponsored by your employer, Halloway Tool & Die Co., and is governed by ERISA.
If you disagree, you may ask us to reconsider it. Your request must reach us within
120 days from the date of this letter. We will decide within 30 days. If we do not change
our decision, you may ask the state to review it within 90 days after the date of our
reconsideration decision.
"""


def test_the_vendor_is_the_subject_of_its_on_behalf_sentence_and_the_plan_wraps_lines():
    d = parse_denial_text(VENDOR)
    assert d.payer == "Kestrel Prairie Health Plan"
    assert d.reviewer == "Tallgrass Review Partners, LLC"  # the letterhead's fuller name


def test_the_employer_is_named_by_its_role_and_the_plan_is_its_group_plan():
    d = parse_denial_text(VENDOR)
    assert d.employer_group == "Halloway Tool & Die Co."
    assert d.plan_type is PlanType.ERISA


def test_the_window_follows_the_sentence_that_names_the_request_not_a_later_decision():
    d = parse_denial_text(VENDOR)
    assert d.appeal_instructions.deadline_days == 120


def test_an_employer_named_through_the_plan_line_or_under_group():
    through = VENDOR.replace(
        "Your plan is sponsored by your employer, Halloway Tool & Die Co., and",
        "Plan: Kestrel Open Access, through Marlin Analytics, LLC\n\nYour plan",
    )
    assert parse_denial_text(through).employer_group == "Marlin Analytics, LLC"
    group = VENDOR.replace(
        "Member ID: KPH-55102-3",
        "Member ID: KPH-55102-3\nGroup: Halloway Tool & Die Co. (Group 01188)",
    )
    assert parse_denial_text(group).employer_group == "Halloway Tool & Die Co."


def test_a_workers_compensation_review_is_no_health_plan():
    text = (
        "HARTWELL MUTUAL CASUALTY COMPANY\nWorkers' Compensation Claims\n\n"
        "Claimant: Odile Ferrante\nDate of notice: 04/02/2025\n\n"
        "The requested knee arthroscopy (29881) is not certified. You may appeal within 30 days "
        "of this notice. Disputes go to the Workers' Compensation Board.\n"
    )
    d = parse_denial_text(text)
    assert d.plan_type is PlanType.UNKNOWN
    assert d.payer == "HARTWELL MUTUAL CASUALTY COMPANY"  # as printed: never in mixed case
    assert d.appeal_instructions.deadline_days == 30


def test_a_name_in_capitals_takes_the_letters_own_mixed_case_word_by_word():
    text = VENDOR.replace("TALLGRASS REVIEW PARTNERS, LLC", "KESTREL PRAIRIE MEDICAID").replace(
        "Tallgrass Review Partners reviews imaging requests on behalf of Kestrel Prairie\n"
        "Health Plan.",
        "KestrelPrairie is here to help.",
    )
    assert display_name("KESTRELPRAIRIE MEDICAID", text) == "KestrelPrairie Medicaid"
    assert display_name("KESTRELPRAIRIE MEDICAID", text.upper()) == "KESTRELPRAIRIE MEDICAID"


def test_a_window_written_in_words_and_figures():
    text = VENDOR.replace("within\n120 days", "within\none hundred twenty (120) days")
    assert parse_denial_text(text).appeal_instructions.deadline_days == 120


def test_the_plan_from_the_sign_off_and_a_fax_given_as_faxing():
    text = (
        "March 9, 2026\n\nRe: Prior authorization request, case 2026-PA-88104\n\n"
        "The request for lumbar ablation (CPT 64635) is denied. The provider may request a\n"
        "reconsideration within 60 days of this letter by faxing\n(505) 555-0199.\n\n"
        "Sincerely,\n\nUtilization Review Nurse\nBluevine Mesa Health Plan\n"
    )
    d = parse_denial_text(text)
    assert d.payer == "Bluevine Mesa Health Plan"
    assert d.appeal_instructions.fax == "505-555-0199"
    assert d.appeal_instructions.phone is None  # a fax number is no phone number
