"""How criteria state numbers, comparisons, windows, counts and durations: the small grammar
every requirement kind shares. Returns structured values; never decides a kind."""

from __future__ import annotations

import re

from service.evidence.quantities import canonical_unit, quantities
from service.models import Op, Threshold, Window

WORD_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "a": 1, "an": 1, "both": 2,
}  # fmt: skip
_N = r"(\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
TIME_UNITS = {
    "day": "days", "days": "days", "d": "days", "week": "weeks", "weeks": "weeks", "wk": "weeks",
    "wks": "weeks", "month": "months", "months": "months", "mo": "months", "mos": "months",
    "year": "years", "years": "years", "yr": "years", "yrs": "years",
}  # fmt: skip
_T = r"(days?|weeks?|wks?|months?|mos?|years?|yrs?)"
_GE = r"(?:at least|no less than|a minimum of|minimum of|≥|>=)"
_GE_AFTER = r"(?:or more|or higher|or greater|or above|and above|and over|or longer|or over|\+)"
_LE = r"(?:at most|no more than|not more than|≤|<=|a maximum of)"
_LE_AFTER = r"(?:or less|or lower|or below|or fewer|or under|and below)"
_LT = r"(?:less than|below|under|lower than|fewer than|<)"
_GT = r"(?:more than|greater than|above|over|higher than|exceeding|>)"


def number(token: str) -> int | None:
    token = token.lower()
    return int(token) if token.isdigit() else WORD_NUMBERS.get(token)


def window(text: str) -> Window | None:
    """The look-back period a criterion states ("within the 12 months before the request")."""
    low = text.lower()
    m = re.search(rf"\b(?:each|every) of the {_N} (\d+)[- ]{_T}[- ]periods?", low)
    if m:
        return Window(
            value=int(m.group(2)), unit=TIME_UNITS[m.group(3)], periods=number(m.group(1)) or 1
        )
    m = re.search(
        rf"\b(?:within|in|during|over|for)\s+(?:the\s+|any\s+)?(?:past\s+|last\s+|previous\s+"
        rf"|prior\s+)?"
        rf"{_N}[- ]{_T}\b(?:\s+in a row)?(?=[^.;]*?\b(?:before|prior|of|preceding|request|service|"
        rf"date|start|order|referral|first dose|scan))",
        low,
    )
    if not m:
        m = re.search(rf"\b(?:in|within) the (?:past|last|previous) {_N}[- ]{_T}\b", low)
    if not m:
        return None
    value = number(m.group(1))
    return Window(value=value, unit=TIME_UNITS[m.group(2)]) if value else None


def duration(text: str) -> Threshold | None:
    """A minimum duration of use ("for at least 6 weeks", "3 consecutive months")."""
    low = text.lower()
    pats = [
        rf"\b(?:for|of|lasted|lasting|after a trial of|trial of|used for"
        rf"|taken for)?\s*{_GE}\s+{_N}\s+(?:consecutive\s+)?{_T}",
        rf"\b{_N}\s+(?:consecutive|continuous)\s+{_T}",
        rf"\b{_N}\s+{_T}\s+in a row",
        rf"\bfor\s+(?:more than|over)\s+{_N}\s+{_T}",
        rf"\b{_N}[- ]{_T}\s+(?:trial|course) of\b",
        rf"\b{_N}\s+{_T}\s+of\b",
    ]
    for i, pat in enumerate(pats):
        m = re.search(pat, low)
        if m and number(m.group(1)):
            op = Op.GT if i == 3 else Op.GE
            return Threshold(
                op=op, value=float(number(m.group(1)) or 0), unit=TIME_UNITS[m.group(2)]
            )
    return None


_MEASURED = re.compile(
    rf"^(?:[.,]\d|\s*(?:%|{_T}\b|[a-zµ]+/|mm\b|mg\b|kg\b|ms\b|points?\b|pack))", re.I
)


def count(text: str) -> tuple[int, Op] | None:
    """A required number of things ("at least two", "two or more", "no more than 4"); a number
    with a unit after it ("at least 3 months", "at least 8.5 mg/dL") is a value, not a count."""
    low = text.lower()
    for pat, op in (
        (rf"\b{_LE}\s+{_N}\b", Op.LE),
        (rf"\bfewer than\s+{_N}\b", Op.LT),
        (rf"\b{_GE}\s+{_N}\b", Op.GE),
        (rf"\b{_N}\s+or more\b", Op.GE),
    ):
        for m in re.finditer(pat, low):
            tail = low[m.end(1) : m.end(1) + 12] if pat.endswith(r"{_N}\b") else ""
            if number(m.group(1)) is not None and not _MEASURED.match(low[m.end(1) :]):
                return number(m.group(1)) or 0, op
            del tail
    return None


def _unit_words(text: str, pos: int) -> str:
    tail = text[pos : pos + 40]
    m = re.match(
        r"\s*(%(?:\s*of\s*(?:the\s*)?predicted(?:\s*value)?|\s*predicted)?"
        r"|[^\s,;.()]+(?:\s*(?:per\s*hour|an\s*hour|hg))?)",
        tail,
        re.I,
    )
    return canonical_unit(m.group(1)) if m else ""


def comparison(text: str) -> tuple[Threshold, int, int] | None:
    """The first value comparison a criterion states, and where its number is."""
    low = text.lower()
    between = re.search(
        r"\b(?:from|between|of)\s+(-?\d+(?:\.\d+)?)\s*([^\s\d]*)\s*(?:to|and|-)\s+(-?\d+(?:\.\d+)?)"
        r"|\bat least (-?\d+(?:\.\d+)?)\s*([^\s\d]*)\s+and no more than (-?\d+(?:\.\d+)?)",
        low,
    )
    if between:
        lo = between.group(1) or between.group(4)
        hi = between.group(3) or between.group(6)
        unit = _unit_words(text, between.end()) or canonical_unit(
            between.group(2) or between.group(5) or ""
        )
        return (
            Threshold(op=Op.BETWEEN, low=float(lo), high=float(hi), unit=unit),
            between.start(),
            between.end(),
        )
    for q in quantities(text):
        before, after = low[max(0, q.start - 24) : q.start], low[q.end : q.end + 24]
        if re.match(rf"\s*{_T}\b", low[q.end :]):
            continue  # "at least 8 weeks" is a duration
        unit = q.unit or _unit_words(text, q.end)
        if not unit:  # "15 or more events per hour": the unit after the comparison words
            m = re.match(rf"\s*(?:{_GE_AFTER}|{_LE_AFTER})", low[q.end :])
            unit = _unit_words(text, q.end + m.end()) if m else ""
        op = None
        if re.search(rf"{_GE}\s*$", before) or re.match(rf"\s*{_GE_AFTER}", after):
            op = Op.GE
        elif re.search(rf"{_LE}\s*$", before) or re.match(rf"\s*{_LE_AFTER}", after):
            op = Op.LE
        elif re.search(rf"{_LT}\s*$", before):
            op = Op.LT
        elif re.search(rf"{_GT}\s*$", before):
            op = Op.GT
        if op is not None and unit not in TIME_UNITS.values():
            return Threshold(op=op, value=q.value, unit=unit), q.start, q.end
    return None


def dose(text: str) -> Threshold | None:
    """A minimum dose ("at a dose of 15 mg a week or more", "1,000 mg per day or more")."""
    m = re.search(
        r"(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s*mg\s*(?:a|per|/|each)\s*(day|week|d|wk)\b",
        text,
        re.I,
    )
    if not m:
        return None
    per = "mg/week" if m.group(2).lower() in ("week", "wk") else "mg/day"
    return Threshold(op=Op.GE, value=float(m.group(1).replace(",", "")), unit=per)


_STRENGTH = re.compile(
    r"\b(?:dos(?:e|age)(?:\s+strength)?|strength)\b[^.;]{0,60}?"
    r"(\d+(?:\.\d+)?)\s*(mg|mcg|g|units?|ml|mL)\b(?!\s*(?:a|per|/|each)\s*(?:day|week|d|wk)\b)",
    re.I,
)


def strength(text: str) -> Threshold | None:
    """The prescribed strength a criterion allows ("if the prescribed dosage strength is not
    for Lupron Depot 3.75 mg"): exactly that amount unless it says at least or at most."""
    m = _STRENGTH.search(text)
    if not m:
        return None
    value, unit = float(m.group(1)), m.group(2).lower().rstrip("s")
    tail = text[m.end() : m.end() + 20].lower()
    head = text[max(0, m.start(1) - 20) : m.start(1)].lower()
    if re.search(r"or (?:more|higher|greater)", tail) or re.search(r"at least|minimum", head):
        return Threshold(op=Op.GE, value=value, unit=unit)
    if re.search(r"or (?:less|lower)", tail) or re.search(r"up to|at most|no more than", head):
        return Threshold(op=Op.LE, value=value, unit=unit)
    return Threshold(op=Op.BETWEEN, low=value, high=value, unit=unit)


_RATE = re.compile(
    rf"\b(?:on\s+)?(?:{_GE}\s+)?{_N}\s+(?:or more\s+)?days?\s+(?:a|per|each|every)\s+month\b",
    re.I,
)


def monthly_days(text: str) -> tuple[Threshold, int] | None:
    """A number of days a month something happens ("headaches on 15 or more days a month"),
    and where the phrase starts."""
    m = _RATE.search(text)
    if not m or number(m.group(1)) is None:
        return None
    return Threshold(op=Op.GE, value=float(number(m.group(1)) or 0), unit="days/month"), m.start()


def before_time(text: str) -> str | None:
    """The latest time of day a sample may be drawn ("in the morning (before 10:00 a.m.)")."""
    m = re.search(r"\bbefore (\d{1,2})(?::(\d{2}))?\s*(a\.?m\.?|p\.?m\.?)?", text, re.I)
    if m:
        hour = int(m.group(1)) + (12 if m.group(3) and m.group(3).lower().startswith("p") else 0)
        return f"{hour:02d}:{m.group(2) or '00'}"
    return "12:00" if re.search(r"\bin the morning\b|\bmorning\b", text, re.I) else None
