"""Criteria listed every way letters list them: ordinal words, checkbox grids, unusual
bullets, comma series after a lead-in, and a table's first column with wrapped rows."""

from __future__ import annotations

from service.intake.denial_text import parse_denial_text
from service.intake.layout import reflow

HEAD = "Fernhollow Health Plan\nMember ID: FHP-7720-118\n\nThe request is denied.\n"


def _criteria(body: str) -> tuple[list[str], str | None]:
    d = parse_denial_text(HEAD + body)
    return [c.text for c in d.stated_criteria], d.criteria_logic


def test_ordinal_words_mark_items_in_a_sentence():
    got = _criteria(
        "Crowns are a benefit when two things are shown: first, decay that a filling cannot "
        "restore; second, an x-ray of the tooth from the last 12 months.\n"
    )
    assert got == (
        [
            "decay that a filling cannot restore",
            "an x-ray of the tooth from the last 12 months.",
        ],
        "all",
    )


def test_checkbox_cells_of_a_criteria_grid_are_not_the_criteria_words():
    got = _criteria(
        "CRITERIA REVIEWED (all must be met)                          MET   NOT MET\n"
        "1. Adult aged 18 or older                                    [X]    [ ]\n"
        "2. Trial of two preferred drugs for at least 8 weeks each    [ ]    [X]\n"
        "   without control of symptoms\n"
    )
    assert got == (
        [
            "Adult aged 18 or older",
            "Trial of two preferred drugs for at least 8 weeks each without control of symptoms",
        ],
        "all",
    )


def test_any_bullet_glyph_marks_a_list():
    got = _criteria(
        "Admission is supported when at least one of the following is present:\n"
        "  › a heart rate below 40\n  › fainting during exercise\n"
    )
    assert got == (["a heart rate below 40", "fainting during exercise"], "any")


def test_a_comma_series_after_a_lead_in_is_a_list():
    assert _criteria(
        "Medicare covers the ride only when you are bed-confined, which means that you cannot "
        "get up without help, you cannot walk, and you cannot sit in a chair.\n"
    ) == (["you cannot get up without help", "you cannot walk", "you cannot sit in a chair"], "all")
    assert _criteria(
        "To cover more visits we need to see that your pain is better, that you can do more "
        "than when you started, or that your doctor has set an end date.\n"
    ) == (
        [
            "your pain is better",
            "you can do more than when you started",
            "your doctor has set an end date",
        ],
        "any",
    )


def test_words_in_a_series_are_not_criteria():
    got = _criteria("Treatment must include rest, ice, and elevation before surgery.\n")
    assert len(got[0]) == 1  # the sentence itself, not three one-word items


TABLE = """\
All elements in the table must be documented before the surgery is certified.

Guideline element                                  Documented in the records?
-----------------------------------------------    ------------------------------
A full-thickness tear shown on MRI or              No. The MRI of 01/08/2025 shows
ultrasound                                         a partial tear.
Three months of therapy, including at least        Yes. Therapy from December.
one injection
"""


def test_a_table_is_not_read_as_two_columns():
    assert reflow(TABLE).text == TABLE  # rows read across, unlike a two-column letterhead


def test_the_first_column_of_a_criteria_table_lists_one_criterion_a_row():
    assert _criteria(TABLE) == (
        [
            "A full-thickness tear shown on MRI or ultrasound",
            "Three months of therapy, including at least one injection",
        ],
        "all",
    )


def test_capital_letters_mark_items_on_their_own_lines():
    got = _criteria(
        "The guideline requires the following:\nA. Pain for at least 6 months;\n"
        "B. Failure of 3 months of treatment; and\nC. X-rays showing joint damage.\n"
    )
    assert got == (
        [
            "Pain for at least 6 months",
            "Failure of 3 months of treatment",
            "X-rays showing joint damage.",
        ],
        "all",
    )


def test_one_criterion_a_line_under_a_lead_in_line():
    got = _criteria(
        "Criteria not met:\nDocumented functional improvement since therapy began\n"
        "Objective measures taken at the last progress visit\n\nYou may appeal.\n"
    )
    assert got == (
        [
            "Documented functional improvement since therapy began",
            "Objective measures taken at the last progress visit",
        ],
        "all",
    )
