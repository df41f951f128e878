"""Triage: category from codes and wording, strategy, appeal level and deadline rules."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from support import shared

from service.models import (
    Adjustment,
    AppealInstructions,
    Category,
    Denial,
    PlanType,
    StatedCriterion,
    Strategy,
)
from service.triage import apply_rule, days_left, deadline_rules, triage

TODAY = date(2024, 1, 2)


def _denial(*carcs: str, reason: str | None = None, **kw: Any) -> Denial:
    adjustments = []
    for c in carcs:
        group, _, code = c.rpartition("-")
        adjustments.append(Adjustment(group=group or None, carc=code))
    return Denial(adjustments=adjustments, denial_reason=reason, **kw)


@pytest.mark.parametrize(
    ("carcs", "category"),
    [
        (["CO-50"], Category.MEDICAL_NECESSITY),
        (["CO-151"], Category.MEDICAL_NECESSITY),
        (["CO-55"], Category.EXPERIMENTAL),
        (["CO-56"], Category.EXPERIMENTAL),
        (["CO-167"], Category.DIAGNOSIS_NOT_COVERED),
        (["CO-197"], Category.AUTHORIZATION),
        (["CO-15"], Category.AUTHORIZATION),
        (["CO-4"], Category.CODING),
        (["CO-11"], Category.CODING),
        (["CO-97"], Category.CODING),
        (["PR-96"], Category.BENEFIT),
        (["CO-49"], Category.BENEFIT),
        (["CO-29"], Category.TIMELY_FILING),
        (["CO-27"], Category.ELIGIBILITY),
        (["CO-31"], Category.ELIGIBILITY),
        (["CO-242"], Category.NETWORK),
        (["CO-243"], Category.NETWORK),
    ],
)
def test_category_from_codes(carcs: list[str], category: Category) -> None:
    assert triage(_denial(*carcs), TODAY).category is category


@pytest.mark.parametrize("carc", ["CO-50", "CO50", "co 50", "050", "50"])
def test_group_code_may_be_written_into_the_carc(carc: str) -> None:
    denial = Denial(adjustments=[Adjustment(carc=carc)])
    assert triage(denial, TODAY).category is Category.MEDICAL_NECESSITY


@pytest.mark.parametrize(
    ("reason", "category"),
    [
        (
            "This request is denied as not medically necessary because the notes do not show "
            "that conservative treatment was tried.",
            Category.MEDICAL_NECESSITY,
        ),
        (
            "The medication requested for the diagnosis provided is considered "
            "experimental/investigational and is excluded from the member's benefit.",
            Category.EXPERIMENTAL,
        ),
        (
            "The diagnosis is not covered for this procedure under the policy.",
            Category.DIAGNOSIS_NOT_COVERED,
        ),
        ("The service was performed without prior authorization.", Category.AUTHORIZATION),
        ("Precertification was not obtained before the admission.", Category.AUTHORIZATION),
        ("The procedure was billed without the required modifier.", Category.CODING),
        ("This service is bundled into the primary procedure.", Category.CODING),
        ("The diagnosis is inconsistent with the procedure billed.", Category.CODING),
        ("The claim lacks information: missing/incomplete/invalid information.", Category.CODING),
        ("This is a non-covered service under your plan.", Category.BENEFIT),
        ("Routine exams are not a covered benefit.", Category.BENEFIT),
        (
            "Your drug is not on our list of covered drugs (formulary).",
            Category.FORMULARY,
        ),
        ("Step therapy applies: try a preferred drug first.", Category.FORMULARY),
        ("The prescription exceeds the plan's quantity limit.", Category.FORMULARY),
        ("The claim was denied for timely filing.", Category.TIMELY_FILING),
        (
            "The member was not eligible on the date of service; coverage terminated.",
            Category.ELIGIBILITY,
        ),
        ("The rendering provider is out-of-network.", Category.NETWORK),
    ],
)
def test_category_from_wording_only(reason: str, category: Category) -> None:
    assert triage(_denial(reason=reason), TODAY).category is category


@pytest.mark.parametrize(
    ("name", "category"),
    [
        ("jawjoint-mri.txt", Category.MEDICAL_NECESSITY),
        ("adenomyosis.txt", Category.MEDICAL_NECESSITY),
        ("lupron_cancer.txt", Category.MEDICAL_NECESSITY),
        ("lidocane.txt", Category.EXPERIMENTAL),
        ("migrane_generic_drug.txt", Category.FORMULARY),
    ],
)
def test_category_of_real_letters(name: str, category: Category) -> None:
    path = shared("denial_letters", name)
    denial = Denial(source_text=path.read_text(encoding="utf-8"))
    assert triage(denial, TODAY).category is category


def test_stated_criteria_are_read_when_the_reason_is_silent() -> None:
    denial = Denial(stated_criteria=[StatedCriterion(id="SC1", text="Use of a non-formulary drug")])
    assert triage(denial, TODAY).category is Category.FORMULARY


def test_codes_outrank_wording() -> None:
    denial = _denial("CO-197", reason="The service is not medically necessary.")
    result = triage(denial, TODAY)
    assert result.category is Category.AUTHORIZATION
    assert "medical necessity" in result.rationale


@pytest.mark.parametrize(
    ("carcs", "category"),
    [
        (["PR-1", "CO-50"], Category.MEDICAL_NECESSITY),  # deductible names no denial
        (["PR-2", "PR-3", "CO-45", "CO-55"], Category.EXPERIMENTAL),
        (["CO-50", "CO-197"], Category.AUTHORIZATION),
        (["CO-50", "CO-16"], Category.CODING),
        (["CO-96", "CO-50"], Category.MEDICAL_NECESSITY),
        (["CO-50", "CO-27"], Category.ELIGIBILITY),
    ],
)
def test_code_priority_when_codes_disagree(carcs: list[str], category: Category) -> None:
    assert triage(_denial(*carcs), TODAY).category is category


def test_cost_sharing_codes_alone_fall_back_to_wording() -> None:
    denial = _denial("PR-1", "CO-45", reason="Denied: no prior authorization on file.")
    assert triage(denial, TODAY).category is Category.AUTHORIZATION


def test_nothing_recognised_is_unknown() -> None:
    result = triage(Denial(denial_reason="Please call us."), TODAY)
    assert result.category is Category.UNKNOWN
    assert result.strategy is Strategy.APPEAL


@pytest.mark.parametrize(
    ("carcs", "reason", "strategy", "letter_type"),
    [
        (["CO-50"], None, Strategy.APPEAL, "appeal"),
        (["CO-55"], None, Strategy.APPEAL, "appeal"),
        (["CO-167"], None, Strategy.APPEAL, "appeal"),
        (["CO-96"], None, Strategy.APPEAL, "appeal"),
        (["CO-4"], None, Strategy.CORRECTED_CLAIM, ""),
        (["CO-197"], None, Strategy.RETRO_AUTHORIZATION, "appeal"),
        ([], "Drug not on the formulary.", Strategy.EXCEPTION_REQUEST, "exception_request"),
        (["CO-29"], None, Strategy.TIMELY_FILING_PROOF, "appeal"),
        (["CO-27"], None, Strategy.ELIGIBILITY_CHECK, ""),
        (["CO-242"], None, Strategy.NETWORK_EXCEPTION, "appeal"),
    ],
)
def test_strategy_and_letter_type(
    carcs: list[str], reason: str | None, strategy: Strategy, letter_type: str
) -> None:
    result = triage(_denial(*carcs, reason=reason), TODAY)
    assert result.strategy is strategy
    assert result.letter_type == letter_type


def test_coding_says_corrected_claim_and_what_to_fix_per_code() -> None:
    result = triage(_denial("CO-4", "CO-11"), TODAY)
    assert "corrected claim, not an appeal" in result.rationale
    assert "CO-4" in result.rationale and "modifier" in result.rationale
    assert "CO-11" in result.rationale and "diagnosis" in result.rationale


@pytest.mark.parametrize(
    ("plan", "reason", "level"),
    [
        (
            PlanType.MEDICARE_AB,
            "not medically necessary",
            "Redetermination by the Medicare Administrative Contractor",
        ),
        (PlanType.MEDICARE_ADVANTAGE, "not medically necessary", "Plan reconsideration"),
        (
            PlanType.MEDICARE_PART_D,
            "Drug is not on our formulary.",
            "Coverage determination (exception request)",
        ),
        (PlanType.MEDICARE_PART_D, "not medically necessary", "Redetermination by the Part D plan"),
        (PlanType.ERISA, "not medically necessary", "First-level internal appeal"),
        (PlanType.COMMERCIAL, "not medically necessary", "First-level internal appeal"),
        (PlanType.MEDICAID_MANAGED_CARE, "not medically necessary", "Plan appeal"),
        (PlanType.UNKNOWN, "not medically necessary", "First-level internal appeal"),
    ],
)
def test_appeal_level_by_plan_type(plan: PlanType, reason: str, level: str) -> None:
    assert triage(_denial(reason=reason, plan_type=plan), TODAY).appeal_level == level


def test_table_holds_the_regulatory_rows() -> None:
    rules = deadline_rules()
    expected = {
        "medicare_ab.redetermination": (120, None, 5, "405.942"),
        "medicare_ab.reconsideration": (180, None, 5, "405.962"),
        "medicare_advantage.reconsideration": (65, None, 0, "422.582"),
        "medicare_part_d.redetermination": (65, None, 0, "423.582"),
        "erisa.internal_appeal": (180, None, 0, "2560.503-1(h)(3)(i)"),
        "aca.external_review": (None, 4, 0, "147.136"),
        "medicaid_managed_care.plan_appeal": (60, None, 0, "438.402"),
    }
    for rule_id, (days, months, grace, cite) in expected.items():
        rule = rules[rule_id]
        assert (rule.days, rule.months, rule.receipt_grace_days) == (days, months, grace)
        assert cite in rule.citation


@pytest.mark.parametrize(
    ("plan", "notice", "deadline"),
    [
        (PlanType.MEDICARE_AB, date(2024, 3, 1), date(2024, 7, 4)),  # +5 receipt, +120
        (PlanType.MEDICARE_ADVANTAGE, date(2024, 1, 10), date(2024, 3, 15)),  # leap February
        (PlanType.MEDICARE_PART_D, date(2023, 1, 10), date(2023, 3, 16)),
        (PlanType.ERISA, date(2024, 1, 1), date(2024, 6, 29)),
        (PlanType.COMMERCIAL, date(2024, 1, 1), date(2024, 6, 29)),
        (PlanType.MEDICAID_MANAGED_CARE, date(2024, 5, 1), date(2024, 6, 30)),
    ],
)
def test_first_level_deadlines(plan: PlanType, notice: date, deadline: date) -> None:
    denial = _denial("CO-50", plan_type=plan, denial_date=notice)
    result = triage(denial, TODAY)
    assert result.deadline == deadline
    assert result.deadline_rule is not None and result.deadline_rule.plan_type is plan


def test_medicare_receipt_grace_adds_five_days() -> None:
    notice = date(2024, 3, 1)
    result = triage(_denial("CO-50", plan_type=PlanType.MEDICARE_AB, denial_date=notice), TODAY)
    assert result.deadline == notice + timedelta(days=125)


def test_qic_reconsideration_rule() -> None:
    rule = deadline_rules()["medicare_ab.reconsideration"]
    assert apply_rule(rule, date(2024, 1, 1)) == date(2024, 7, 4)


@pytest.mark.parametrize(
    ("notice", "deadline"),
    [
        (date(2024, 1, 15), date(2024, 5, 15)),
        (date(2023, 10, 31), date(2024, 2, 29)),  # no Feb 31: last day of the month
        (date(2022, 10, 31), date(2023, 2, 28)),
    ],
)
def test_external_review_month_arithmetic(notice: date, deadline: date) -> None:
    assert apply_rule(deadline_rules()["aca.external_review"], notice) == deadline


def _with_stated(plan: PlanType, days: int, notice: date) -> Denial:
    return _denial(
        "CO-50",
        plan_type=plan,
        denial_date=notice,
        appeal_instructions=AppealInstructions(deadline_days=days),
    )


def test_stated_deadline_later_than_regulation_wins_and_names_the_rule() -> None:
    # The notice's own deadline sentence governs its claim; the default table only fills in
    # when the notice is silent, and the note still names it so a reviewer sees both.
    notice = date(2024, 1, 10)
    result = triage(_with_stated(PlanType.MEDICARE_ADVANTAGE, 180, notice), TODAY)
    assert result.deadline == notice + timedelta(days=180)
    assert "422.582" in (result.deadline_note or "")
    assert "2024-03-15" in (result.deadline_note or "")


def test_stated_deadline_earlier_than_regulation_wins() -> None:
    notice = date(2024, 3, 1)
    result = triage(_with_stated(PlanType.MEDICARE_AB, 120, notice), TODAY)
    assert result.deadline == notice + timedelta(days=120)  # no receipt grace on the letter's
    assert "letter" in (result.deadline_note or "")


def test_stated_180_days_for_commercial_plan_cites_the_letter() -> None:
    notice = date(2024, 1, 1)
    result = triage(_with_stated(PlanType.COMMERCIAL, 180, notice), TODAY)
    assert result.deadline == date(2024, 6, 29)
    assert "letter" in (result.deadline_note or "")


def test_unknown_plan_uses_the_letters_deadline() -> None:
    notice = date(2024, 1, 1)
    result = triage(_with_stated(PlanType.UNKNOWN, 90, notice), TODAY)
    assert result.deadline == notice + timedelta(days=90)
    assert result.deadline_rule is None
    assert "plan type" in (result.deadline_note or "").lower()


def test_unknown_plan_without_stated_deadline_has_none() -> None:
    result = triage(_denial("CO-50", denial_date=date(2024, 1, 1)), TODAY)
    assert result.deadline is None
    assert result.deadline_rule is None
    assert "plan type" in (result.deadline_note or "").lower()


def test_missing_notice_date_names_the_rule_but_invents_no_date() -> None:
    result = triage(_denial("CO-50", plan_type=PlanType.MEDICARE_AB), TODAY)
    assert result.deadline is None
    assert result.deadline_rule is not None and result.deadline_rule.days == 120
    assert "405.942" in (result.deadline_note or "")


def test_part_d_formulary_request_has_no_filing_limit() -> None:
    denial = _denial(
        reason="Not on our list of covered drugs.",
        plan_type=PlanType.MEDICARE_PART_D,
        denial_date=date(2024, 1, 1),
    )
    result = triage(denial, TODAY)
    assert result.deadline is None
    assert result.deadline_rule is not None and result.deadline_rule.days is None
    assert "423.582" in (result.deadline_note or "")  # what follows if it is denied


def test_passed_deadline_is_reported() -> None:
    denial = _denial(
        "CO-50", plan_type=PlanType.MEDICAID_MANAGED_CARE, denial_date=date(2023, 1, 1)
    )
    result = triage(denial, date(2024, 1, 1))
    assert result.deadline == date(2023, 3, 2)
    assert days_left(result.deadline, date(2024, 1, 1)) == -305


def test_days_left() -> None:
    assert days_left(date(2024, 1, 11), date(2024, 1, 1)) == 10
    assert days_left(date(2024, 1, 1), date(2024, 1, 1)) == 0
    assert days_left(None, date(2024, 1, 1)) is None


def test_rationale_and_note_carry_no_phi() -> None:
    denial = _denial(
        "CO-50",
        reason="Not medically necessary for Jane Roe, member W123456789.",
        plan_type=PlanType.ERISA,
        patient_name="Jane Roe",
        member_id="W123456789",
        date_of_birth=date(1960, 1, 1),
        denial_date=date(2024, 1, 1),
        source_text="Jane Roe W123456789 01/01/1960",
    )
    result = triage(denial, TODAY)
    for text in (result.rationale, result.deadline_note or ""):
        assert "Roe" not in text and "W123456789" not in text and "1960" not in text


def test_letter_boilerplate_after_the_reason_does_not_decide() -> None:
    letter = (
        "Your request was reviewed. This request is denied as not medically necessary because "
        "the notes do not show six weeks of physical therapy. "
        + "Other text about your plan. "
        * 20
        + "If you see an out-of-network provider, or the claim lacks missing information, "
        "you may pay more. Appeals filed late are not reviewed."
    )
    assert triage(Denial(source_text=letter), TODAY).category is Category.MEDICAL_NECESSITY


def test_curly_apostrophes_in_pasted_text() -> None:
    denial = Denial(denial_reason="This item is excluded from the member’s benefits.")
    assert triage(denial, TODAY).category is Category.BENEFIT
