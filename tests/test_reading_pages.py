"""Page furniture between pages is moved out of the text a reader reads; line-end hyphens
are rejoined; every position still maps back to the text as pasted."""

from __future__ import annotations

from service.intake.denial_text import parse_denial_text
from service.intake.pages import furniture, page_order

TWO_PAGES = """\
LINDENFALL COMMUNITY HEALTH PLAN               Page 1 of 2
Member: Odile Ferrante

Knee arthroscopy is covered when all of the following are shown:
  - pain that limits daily activity for at least three
    months despite physical therapy;
  - imaging that shows a mechanical cause, such as a loose
    body or a dis-

FORM LCH-44 (2024)                                            Page 1 of 2
LINDENFALL COMMUNITY HEALTH PLAN

Odile Ferrante | Member ID LCH 5521 88 | March 3, 2025

    placed meniscal tear;
  - locking or catching on examination.
The records do not show these.

FORM LCH-44 (2024)                                            Page 2 of 2
"""


def test_furniture_between_pages_is_found_but_not_the_first_pages_head():
    lines = TWO_PAGES.split("\n")
    found = {lines[i] for i in furniture(TWO_PAGES)}
    assert "LINDENFALL COMMUNITY HEALTH PLAN" in found  # the letterhead printed again
    assert "Odile Ferrante | Member ID LCH 5521 88 | March 3, 2025" in found  # running header
    assert lines[0] not in found  # page 1's own head, before any body text


def test_the_list_reads_across_the_page_break_and_hyphenated_words_are_whole():
    view = page_order(TWO_PAGES)
    body = view.text.split("FORM LCH-44")[0]
    assert "a loose\n    body or a displaced meniscal tear;" in body
    assert "\n  - locking or catching" in body
    start = view.text.index("placed meniscal")
    assert TWO_PAGES[view.orig(start) : view.orig(start) + 6] == "placed"


def test_a_list_split_by_a_page_break_gives_all_its_criteria():
    letter = TWO_PAGES.replace("The records", "We deny the request. The records")
    d = parse_denial_text(letter)
    assert [c.text for c in d.stated_criteria] == [
        "pain that limits daily activity for at least three months despite physical therapy",
        "imaging that shows a mechanical cause, such as a loose body or a displaced meniscal tear",
        "locking or catching on examination.",
    ]
    assert d.criteria_logic == "all"
    span = d.stated_criteria[1].span
    assert span and letter[span.start : span.start + 7] == "imaging"
