"""Dates in the orders and spellings letters, notices and notes print them."""

from __future__ import annotations

import datetime as dt

import pytest

from service.intake.dates import DATE_RE, RANGE_RE, parse_date

TODAY = dt.date(2026, 1, 15)


@pytest.mark.parametrize(
    ("raw", "day"),
    [
        ("7/31/2017", "2017-07-31"),
        ("2017-07-31", "2017-07-31"),
        ("2025.03.05", "2025-03-05"),
        ("2025/3/5", "2025-03-05"),
        ("14/08/1976", "1976-08-14"),  # the first number cannot be a month: day first
        ("03.05.2025", "2025-03-05"),
        ("March 3rd, 2025", "2025-03-03"),
        ("Sept. 4, 2023", "2023-09-04"),
        ("3rd of March, 2025", "2025-03-03"),
        ("04 August 2025", "2025-08-04"),
        ("17-Mar-1949", "1949-03-17"),
        ("Mar-03-25", "2025-03-03"),
        ("Jul-19-71", "1971-07-19"),  # a two-digit year is never in the future
        ("10/14/25", "2025-10-14"),
    ],
)
def test_a_date_reads_in_any_common_form(raw, day):
    assert str(parse_date(raw, TODAY)) == day
    assert DATE_RE.fullmatch(raw)


@pytest.mark.parametrize("raw", ["13/45/2020", "2/30/2024", "Feb 30, 2024", "1.5", "v2.1.2024"])
def test_what_is_not_a_real_day_is_not_a_date(raw):
    assert parse_date(raw, TODAY) is None


def test_dates_are_found_in_running_text_and_ranges_in_words():
    text = "planned for the 17th of March, 2025; services 04 August 2025 through 10 September 2025"
    assert [m.group() for m in DATE_RE.finditer(text)][0] == "17th of March, 2025"
    r = RANGE_RE.search(text)
    assert r and (parse_date(r["a"]), parse_date(r["b"])) == (
        dt.date(2025, 8, 4),
        dt.date(2025, 9, 10),
    )
    assert not DATE_RE.search("version 1.2.20256 and 72148.50")
