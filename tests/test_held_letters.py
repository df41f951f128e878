"""Held letters say only what they hold, and a gap is reported once, in a biller's terms."""

from __future__ import annotations

from support import lumbar_denial
from test_letter import FULL_FACTS, _chart, _draft


def _problems(report, code):
    return [p for p in report.problems if p.code == code]


def test_a_letter_without_points_announces_none():
    letter, report, _ = _draft(chart=_chart(facts=[], provider=False))
    assert not report.ok and not letter.points
    assert "below" not in letter.opening
    # only the denial is enclosed: the request does not rest on an "enclosed record"
    assert [e.fact_ids for e in letter.enclosures] == [[]]
    assert "enclosed record" not in letter.closing
    assert letter.closing.startswith("We ask that you reverse the denial")


def test_a_partly_documented_letter_counts_what_its_points_answer():
    letter, report, _ = _draft(chart=_chart(facts=FULL_FACTS[2:]))
    assert not report.ok and letter.points
    assert "one of them is answered below" in letter.opening
    assert "each" not in letter.opening
    assert letter.closing.startswith("In light of the enclosed record")


def test_a_complete_letter_keeps_its_wording():
    letter, report, _ = _draft()
    assert report.ok
    assert "each is answered below with the dated record that meets it" in letter.opening
    assert letter.closing.startswith("Because the enclosed record meets each criterion")


def test_a_missing_element_is_one_problem_not_two():
    letter, report, _ = _draft(denial=lumbar_denial(member_id=None))
    assert letter.identifiers["Member ID"] == "[Member ID]"
    at_member = [p for p in report.problems if p.where == "identifiers.Member ID"]
    assert [p.code for p in at_member] == ["missing_element"]
    assert not report.ok  # still held


def test_placeholder_words_are_not_read_as_ids_codes_or_dates():
    letter, report, _ = _draft(denial=lumbar_denial(diagnosis_codes=[]))
    assert letter.identifiers["Diagnosis"] == "[Diagnosis and ICD-10-CM code]"
    assert not _problems(report, "ungrounded_policy")
    assert [p.code for p in report.problems if p.where == "identifiers.Diagnosis"] == [
        "missing_element"
    ]
