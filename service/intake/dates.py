"""Dates as letters, notices and notes print them, in any common order and spelling.

Numeric dates are read month first (US usage) unless the first number cannot be a month
("14/08/1976" is day first) or the year leads ("2025.03.05", "2025-03-05"). Month names may
be written out or abbreviated, before or after the day, with an ordinal and "of" ("the 3rd of
March, 2025", "17-Mar-1949", "Mar-03-25", "04 August 2025"). A two-digit year is put in the
latest century that does not carry the date into the future.
"""

from __future__ import annotations

import datetime as dt
import re

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_ORD = r"(?:st|nd|rd|th)?"
_DATE = (
    r"(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}"  # 2025-03-05, 2025.03.05, 2025/3/5
    r"|\d{1,2}/\d{1,2}/(?:\d{4}|\d{2})|\d{1,2}-\d{1,2}-\d{4}|\d{1,2}\.\d{1,2}\.\d{4}"
    rf"|{_MONTH}\.?\s+\d{{1,2}}{_ORD},?\s+\d{{4}}"  # March 3, 2025; Sept. 4th 2023
    rf"|{_MONTH}-\d{{1,2}}-(?:\d{{4}}|\d{{2}})"  # Mar-03-25
    rf"|\d{{1,2}}{_ORD}(?:\s+of)?[\s-]+{_MONTH}\.?,?[\s-]+\d{{4}}"  # 3rd of March, 2025
    rf"|\d{{1,2}}-{_MONTH}-\d{{2}})"  # 17-Mar-49
)
DATE_RE = re.compile(rf"(?<![\w/.-]){_DATE}(?![\w/]|\.\d)", re.I)
RANGE_RE = re.compile(
    rf"(?<![\w/.-])(?P<a>{_DATE})\s*(?:-|–|—|to|through|thru)\s*(?P<b>{_DATE})(?![\w/]|\.\d)",
    re.I,
)
_MONTH_ABBR = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH_NUM = {m: i for i, m in enumerate(_MONTH_ABBR, 1)}
_WORD_MONTH = re.compile(r"[A-Za-z]{3,}")
_NUMBER = re.compile(r"\d+")


def _year(raw: str, today: dt.date | None) -> int:
    year = int(raw)
    if len(raw) > 2:
        return year
    # Two-digit years: the latest century that does not put the date in the future.
    pivot = (today or dt.date.today()).year % 100
    return year + (2000 if year <= pivot else 1900)


def _numeric(parts: list[str], today: dt.date | None) -> dt.date | None:
    if len(parts[0]) == 4:  # year first
        return dt.date(int(parts[0]), int(parts[1]), int(parts[2]))
    first, second = int(parts[0]), int(parts[1])
    month, day = (second, first) if first > 12 >= second else (first, second)
    return dt.date(_year(parts[2], today), month, day)


def parse_date(raw: str, today: dt.date | None = None) -> dt.date | None:
    """One date in any form DATE_RE finds (7/31/2017, 2017-07-31, 31 July 2017); None if
    it is not a real day."""
    s = raw.strip().rstrip(".,")
    if not DATE_RE.fullmatch(s):
        return None
    words = [w for w in _WORD_MONTH.findall(s) if w[:3].lower() in _MONTH_NUM]
    numbers = [n for n in _NUMBER.findall(s)]
    try:
        if not words:
            return _numeric(numbers, today)
        month = _MONTH_NUM[words[0][:3].lower()]
        day, year = numbers[0], numbers[-1]
        return dt.date(_year(year, today), month, int(day))
    except (ValueError, IndexError):
        return None
