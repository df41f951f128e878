"""Dates in chart notes: single dates, ranges, and the note headers that carry them."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from service.intake.names import is_credential

_MONTHS = {
    m: i
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"],
        start=1,
    )
}
MONTH_NAME = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_DATE_RE = re.compile(
    r"(?<![\w/])(?:"
    r"(?P<iy>\d{4})-(?P<im>\d{1,2})-(?P<id>\d{1,2})"
    r"|(?P<m>\d{1,2})(?P<sep>[/-])(?P<d>\d{1,2})(?P=sep)(?P<y>\d{4}|\d{2})"
    rf"|(?P<lmon>{MONTH_NAME})\.?\s+(?P<ld>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<ly>\d{{4}})"
    rf"|(?P<dd>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<dmon>{MONTH_NAME})\.?,?\s+(?P<dy>\d{{4}})"
    rf"|(?P<mmon>{MONTH_NAME})\.?,?\s+(?P<my>\d{{4}})"
    r"|(?P<nm>\d{1,2})/(?P<ny>\d{4})"
    r")(?![\w/])",
    re.IGNORECASE,
)
_RANGE_JOIN_RE = re.compile(r"\s*(?:-|–|—|to|through|thru|until|till|and)\s*", re.IGNORECASE)


@dataclass(frozen=True)
class _Date:
    start: int
    end: int
    first: dt.date  # the day, or the 1st of the month for a month-only date
    last: dt.date  # the same day, or the last of the month
    month_only: bool


def month_number(word: str) -> int:
    """1 to 12 for a month's name or abbreviation."""
    return _MONTHS[word[:3].lower()]


def _year(raw: str) -> int:
    year = int(raw)
    # two-digit years: 00-50 read as 20xx, the rest as 19xx (a fixed pivot keeps output stable)
    if year < 100:
        year += 2000 if year <= 50 else 1900
    return year


def _to_date(m: re.Match[str]) -> _Date | None:
    g = m.groupdict()
    try:
        if g["iy"]:
            day = dt.date(int(g["iy"]), int(g["im"]), int(g["id"]))
        elif g["m"]:
            day = dt.date(_year(g["y"]), int(g["m"]), int(g["d"]))
        elif g["lmon"]:
            day = dt.date(int(g["ly"]), _MONTHS[g["lmon"][:3].lower()], int(g["ld"]))
        elif g["dmon"]:
            day = dt.date(int(g["dy"]), _MONTHS[g["dmon"][:3].lower()], int(g["dd"]))
        else:
            year = int(g["my"] or g["ny"])
            month = _MONTHS[g["mmon"][:3].lower()] if g["mmon"] else int(g["nm"])
            first = dt.date(year, month, 1)
            nxt = dt.date(year + month // 12, month % 12 + 1, 1)
            return _Date(m.start(), m.end(), first, nxt - dt.timedelta(days=1), True)
    except ValueError:  # 02/30/2017 and the like are not dates
        return None
    return _Date(m.start(), m.end(), day, day, False)


def find_dates(text: str) -> list[_Date]:
    """Every valid date in text, in order (impossible days like 02/30 are skipped)."""
    return [d for m in _DATE_RE.finditer(text) if (d := _to_date(m))]


def date_range(text: str, dates: list[_Date]) -> tuple[_Date, _Date] | None:
    """The first 'A - B' / 'from A through B' / 'between A and B' pair in text."""
    for a, b in zip(dates, dates[1:], strict=False):
        join = _RANGE_JOIN_RE.fullmatch(text, a.end, b.start)
        if not join or b.last < a.first:
            continue
        if join.group().strip().lower() == "and" and not re.search(
            r"(?i)\bbetween\s*$", text[: a.start]
        ):
            continue
        return a, b
    return None


def parse_date(value: str) -> dt.date | None:
    """A single full date written in any format the notes parser reads, else None."""
    m = _DATE_RE.fullmatch(value.strip())
    found = _to_date(m) if m else None
    return found.first if found and not found.month_only else None


# ---------------------------------------------------------------- note headers

BULLET_RE = re.compile(r"^\s*(?:[-*•·▪◦]|\d{1,2}[.)]|[a-z][.)])\s+")
# A date label at the start of a line: "Date of service:", "DOS", "Visit date", and any
# "<one or two words> date" ("Study date", "Collection date", "Procedure date"), but never
# a birth date.
_DOS_RE = re.compile(
    r"(?i)^\s*(?:date of (?:service|visit|exam|study|procedure|test|report|encounter|admission)"
    r"|dos|(?:(?!birth\b|of\b|dob\b)[a-z]+\s+){0,2}date)\s*[:#]?\s*"
)
_NOTE_WORD_RE = re.compile(
    r"(?i)\b(?:note|visit|consult\w*|report|evaluation|eval|re-?eval\w*|exam\w*|encounter"
    r"|follow[- ]?up|f/u|summary|appointment|procedure|session|letter|h&p|history and physical"
    r"|imaging|mri|x-?ray|radiograph\w*|ct|cbct|ultrasound|therapy|pt|discharge|intake|office"
    r"|admission|operative|study|test(?:ing)?|labs?|panel|screening|biopsy|download|echo\w*"
    r"|ecg|ekg|eeg|emg|dexa|spirometry|pft)\b"
    # procedures and tests by their word endings: endoscopy, polysomnography, audiogram,
    # arthroscopy, mammography, tonsillectomy, arthroplasty
    r"|\b\w+(?:scopy|graphy|gram|ectomy|plasty|otomy)\b"
)
_VISIT_TITLE_RE = re.compile(
    r"(?i)\b(?:note|visit|consult(?:ation)?|encounter|follow[- ]?up|f/u|appointment|h&p"
    r"|history and physical|re-?evaluation|evaluation|summary|letter)\b"
)
# A clinician named after a header's date: "- Priya Raman, MD", "(Dr. Tomas Herrera)",
# ", J. Ode, DO"
_ATTRIBUTION_RE = re.compile(
    r"^[\s\-–—,|(]*(?:(?:by|with|signed by)\s+)?"
    r"(?:(?:dr\.?\s+)?[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,3}"
    r"(?P<creds>(?:,?\s+[A-Za-z][A-Za-z.-]{0,7})*))[\s)\].]*$"
)


def _attribution(tail: str) -> bool:
    """Whether the text after a header's date only names its clinician."""
    m = _ATTRIBUTION_RE.match(tail)
    if not m:
        return False
    if re.match(r"(?i)[\s\-–—,|(]*(?:(?:by|with|signed by)\s+)?dr\b", tail):
        return True
    creds = [c.strip(" ,") for c in re.split(r"[,\s]+", m.group("creds")) if c.strip(" ,")]
    return bool(creds) and all(is_credential(c) for c in creds)


_TITLE_WORD_RE = re.compile(
    r"(?i)\b(?:note|visit|consult(?:ation)?|report|evaluation|encounter|summary|h&p"
    r"|history and physical|discharge|letter)\b"
)


@dataclass(frozen=True)
class Note:
    """The start of a dated or titled note."""

    date: dt.date | None
    end_date: dt.date | None
    title: str | None


def dated_label(line: str) -> Note | None:
    """The date a line's leading date label gives its note ("Study date: 11/14/2023  Patient:
    ..."), for a line otherwise read as identity: the date still starts a note."""
    dos = _DOS_RE.match(line)
    if not dos or not dos.group().strip():
        return None
    dates = find_dates(line)
    if not dates or dates[0].start != dos.end() or dates[0].month_only:
        return None
    return Note(dates[0].first, None, None)


@dataclass(frozen=True)
class TextBlock:
    """A run of note text, by source offsets."""

    start: int
    end: int
    bullet: bool = False


def _dated_header(source: str, start: int, end: int, dates: list[_Date]) -> list[object] | None:
    line = source[start:end]
    first, rng = dates[0], date_range(line, dates)
    if rng and rng[0] is not first:
        rng = None
    if first.month_only and not rng:
        return None  # "March 2017: ..." has no day; inventing the 1st would be wrong
    last_end = rng[1].end if rng else first.end
    after = line[last_end:]
    rest_at = last_end + len(after) - len(after.lstrip(" \t-–—:,|)]"))
    rest = line[rest_at:].rstrip()
    title, body = None, rest_at if rest else None
    pre = rest.split(":", 1)[0]
    clock = re.match(r"\d{1,2}:\d{2}\b", rest)  # "01/10/2024 15:40 total T": a time, no title
    if ":" in rest and len(pre.split()) <= 6 and "." not in pre and not clock:
        title, body = pre.strip(), rest_at + len(pre) + 1
    elif rest and len(rest.split()) <= 6 and _NOTE_WORD_RE.search(rest) and rest[-1] != ".":
        title, body = rest.strip(), None
    events: list[object] = [Note(first.first, rng[1].last if rng else None, title)]
    if body is not None and line[body:].strip():
        events.append(TextBlock(start + body, end))
    return events


def _titled_header(line: str, dates: list[_Date], offset: int = 0) -> list[object] | None:
    if dates:  # "Progress note - 03/02/2017", "MRI report (04/10/2017)"
        rng = date_range(line, dates)
        last = rng[1] if rng else dates[-1]
        pre = line[: dates[0].start].strip(" \t-–—:,(|[")
        words = [w for w in pre.split() if re.search(r"[^\W\d_]", w)]  # "&", "-", "/" aside
        tail = line[last.end :].strip(" \t)]:.")
        # "Follow-up 08/27/2024: wearing stockings daily": a note (a visit, not a test's
        # result line) whose first sentence shares its line; the line stays a fact as written
        body = re.match(r"\s*\)?\s*:\s*(?=\S)", line[last.end :])
        if body and pre and len(words) <= 8 and _VISIT_TITLE_RE.search(pre):
            note = Note(dates[0].first, rng[1].last if rng else None, pre)
            return [note, TextBlock(offset, offset + len(line))]
        if (
            (tail and not _attribution(tail))
            or dates[0].month_only
            or not pre
            or len(words) > 8
            or not _NOTE_WORD_RE.search(pre)
            or ". " in pre
        ):
            return None
        return [Note(dates[0].first, rng[1].last if rng else None, pre)]
    stripped = line.strip()
    if (
        len(stripped.split()) <= 6
        and _TITLE_WORD_RE.search(stripped)
        and re.fullmatch(r"[\w &/,()'\-]+:?", stripped)
    ):
        return [Note(None, None, stripped.rstrip(":").strip())]
    return None


def note_header(source: str, start: int, end: int, indented: bool = False) -> list[object] | None:
    """A note header line -> [Note] or [Note, TextBlock of its body]; None for other lines.

    An indented line that opens with a date is an item of a list ("  10/04/2023 - urgent care,
    prednisone"): it dates itself, not the lines after it."""
    line = source[start:end]
    if BULLET_RE.match(line):
        return None
    dos = _DOS_RE.match(line)
    lead = dos.end() if dos else len(line) - len(line.lstrip())
    dates = find_dates(line)
    if dates and dates[0].start == lead:
        if indented and not (dos and dos.group().strip()):
            return None
        return _dated_header(source, start, end, dates)
    return None if dos and dos.group().strip() else _titled_header(line, dates, start)
