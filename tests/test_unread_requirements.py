"""A requirement the denial states that the reader missed still holds the letter
(intake/requirement_text.py, validate/criteria.py `check_unread`): the gate reads the letter the
plain way too, so a missed criterion is named for the biller instead of passing unseen. And
"every one of the following" is all of them, in a denial or a policy."""

from __future__ import annotations

from support import lumbar_denial
from test_letter import _draft, codes

from service.intake.enumeration import logic_of
from service.intake.requirement_text import requirement_sentences, unaccounted
from service.models import PolicyPassage
from service.policies.criteria import alternative_groups

READ = (
    "Dear Member:\n\nYour request for a lumbar MRI is denied as not medically necessary.\n"
    "The notes do not show six weeks of physical therapy and anti-inflammatory medicines "
    "that failed.\nThe notes do not show weakness, reflex changes or a positive straight "
    "leg raise.\n"
)
MISSED = "Your provider must also be planning a spine injection or surgery that depends on it.\n"
RIGHTS = (
    "\nYou must ask for an appeal within 60 days of this notice. Call 1-800-555-0100 (TTY 711) "
    "if you need help.\n"
)


def test_a_requirement_no_criterion_accounts_for_holds_the_letter_and_is_named():
    denial = lumbar_denial(source_text=READ + MISSED + RIGHTS)
    _, report, _ = _draft(denial=denial)
    assert not report.ok
    unread = [p for p in report.problems if p.code == "stated_requirement_unread"]
    assert len(unread) == 1 and "spine injection" in unread[0].message


def test_a_letter_whose_requirements_were_all_read_is_not_held_for_its_boilerplate():
    _, report, _ = _draft(denial=lumbar_denial(source_text=READ + RIGHTS))
    assert report.ok, report.problems
    assert "stated_requirement_unread" not in codes(report)


def test_table_rows_with_thresholds_count_as_requirements_when_nothing_was_read():
    text = (
        "Requirement                                  Finding\n"
        "-------------------------------------------  ---------\n"
        "Compression stockings worn for at least      documented\n"
        "three months without relief\n"
        "Reflux in the treated vein lasting 500 ms    see below\n"
        "or longer on duplex ultrasound\n"
    )
    assert len(unaccounted(text, [])) >= 1
    read = [
        "Compression stockings worn for at least three months without relief",
        "Reflux in the treated vein lasting 500 ms or longer on duplex ultrasound",
    ]
    assert unaccounted(text, read) == []


def test_a_list_lead_in_and_a_payers_finding_are_not_requirements_of_their_own():
    text = (
        "Coverage requires all of the following:\n\n"
        "The claim should have been billed as an outpatient observation stay.\n"
    )
    assert requirement_sentences(text) == []


def _passage(n: str, text: str) -> PolicyPassage:
    return PolicyPassage(
        id=f"P@v1#criteria-{n}",
        policy_id="P",
        payer="x",
        title="t",
        section=f"Criteria > {n}",
        text=f"The plan covers it when every one of the following applies:\n({n}) {text}",
    )


def test_every_one_of_the_following_is_all_of_them():
    items = ["the member is 18 or older;", "a BMI of 40 or more"]
    assert logic_of("covered when every one of the following applies:", items) == "all"
    assert logic_of("covered when one of the following applies:", items) == "any"
    passages = [_passage("1", "Age 18 or older."), _passage("2", "BMI of 40 or more.")]
    assert alternative_groups(passages) == []


def test_what_the_plan_itself_must_do_is_not_a_requirement_of_the_service():
    text = (
        "In the outpatient setting, we're required to provide a maximum of 30-day supply of "
        "medication while you ask for an exception.\n"
    )
    assert requirement_sentences(text) == []
