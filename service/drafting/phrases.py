"""Small wording tables the composer uses: how a letter names a denial category, a plan's
appeal rights, and a date. Kept apart so QA can read the letter's fixed phrases in one place."""

from __future__ import annotations

import datetime as dt

from service.models import Category, PlanType, Strategy
from service.render import long_date

CATEGORY_PHRASE = {
    Category.MEDICAL_NECESSITY: "as not medically necessary",
    Category.EXPERIMENTAL: "as experimental or investigational",
    Category.DIAGNOSIS_NOT_COVERED: "as not covered for the diagnosis",
    Category.AUTHORIZATION: "for lack of prior authorization",
    Category.BENEFIT: "as not a covered benefit",
    Category.FORMULARY: "as not covered under the formulary",
    Category.TIMELY_FILING: "as not filed on time",
    Category.NETWORK: "as out of network",
    Category.ELIGIBILITY: "for eligibility",
    Category.CODING: "for a coding or billing reason",
    Category.UNKNOWN: "",
}

SUBJECT_PREFIX = {
    Strategy.APPEAL: "Request for reconsideration",
    Strategy.RETRO_AUTHORIZATION: "Request for retrospective authorization",
    Strategy.TIMELY_FILING_PROOF: "Request for reconsideration (timely filing)",
    Strategy.NETWORK_EXCEPTION: "Request for a network exception",
    Strategy.EXCEPTION_REQUEST: "Request for a coverage determination and formulary exception",
}

# The claimant's right to the criteria applied, worded per plan type. ERISA names its rule;
# for a plan whose type the denial does not state we ask without citing a rule we cannot confirm.
CRITERIA_REQUEST = {
    PlanType.ERISA: (
        "We also ask for copies, free of charge, of the guideline criteria and of all documents "
        "relied on in this decision, as the plan's claims rules provide "
        "(29 CFR 2560.503-1(h)(2)(iii))."
    ),
    PlanType.MEDICARE_AB: "",
    PlanType.MEDICARE_PART_D: "",
}
CRITERIA_REQUEST_DEFAULT = (
    "We also ask for a copy of the guideline criteria applied to this request."
)


def date_span(start: dt.date | None, end: dt.date | None) -> str:
    """'March 2, 2017', 'March 2, 2017 to May 30, 2017', or '' when undated."""
    if start and end and end != start:
        return f"{long_date(start)} to {long_date(end)}"
    return long_date(start) if start else ""


_NUMBER_WORDS = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
]


def number_word(n: int) -> str:
    """'two' for 2; digits past ten."""
    return _NUMBER_WORDS[n] if 0 <= n < len(_NUMBER_WORDS) else str(n)


def enclosure_ref(numbers: list[int]) -> str:
    """'Enclosure 1', 'Enclosures 1 and 2', 'Enclosures 1, 2 and 4'."""
    if len(numbers) == 1:
        return f"Enclosure {numbers[0]}"
    head = ", ".join(str(n) for n in numbers[:-1])
    return f"Enclosures {head} and {numbers[-1]}"


def policy_ref(refs: str) -> str:
    """'See your policy NW-IMG-104, criterion 2' for a point whose prose did not name it."""
    return f"See your policy {refs}"


def join_and(items: list[str]) -> str:
    """'A', 'A and B', 'A, B and C'."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
