"""Chart facts, typed: each sentence's own dates and ranges, quantities with units, and the
vocabulary it names (conditions, tests, drugs, specialties, places, results), each mention with
its ConText status (negated, hypothetical, family, planned, historical).

The chart intake keeps a fact's text exactly as written; typing reads that text again here, so
facts from pasted notes, chart JSON and FHIR are typed alike.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import cached_property

from service.evidence.context import statuses
from service.evidence.quantities import Quantity, quantities
from service.evidence.vocabulary import (
    Lexicon,
    class_names,
    clinical,
    drug_names,
    places,
    results,
    specialties,
)
from service.intake.chart_dates import MONTH_NAME, date_range, find_dates, month_number
from service.models import Chart, ChartFact, FactType

LEXICONS = {
    "clinical": clinical,
    "drug": drug_names,
    "class": class_names,
    "specialty": specialties,
    "place": places,
    "result": results,
}


# "since 04/22/2024", "started 07/15/2024", "began on 3/1/2024": a course still going at its
# note, unless the sentence says it stopped
_SINCE = re.compile(
    r"\b(?:since|(?:was\s+)?(?:started|begun|began|initiated|commenced)(?:\s+on)?)\s*$", re.I
)
_MONTH_SPAN = re.compile(
    rf"\b(?P<a>{MONTH_NAME})\.?\s*(?:-|–|—|to|through|thru|until)\s*(?P<b>{MONTH_NAME})\.?,?\s+"
    r"(?P<y>\d{4})\b",
    re.I,
)
_STOPPED = re.compile(
    r"\b(?:stopped|discontinued|ended|completed|finished|until|through|thru|to\s+\d)", re.I
)


@dataclass(frozen=True)
class Mention:
    concepts: frozenset[str]
    start: int
    end: int
    phrase: str
    status: frozenset[str]


@dataclass(frozen=True)
class Dated:
    start: int
    end: int
    first: dt.date
    last: dt.date
    month_only: bool


@dataclass
class TypedFact:
    fact: ChartFact
    index: int  # position in the chart, for "the following sentence"
    _mentions: dict[str, list[Mention]] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return self.fact.text

    @property
    def planned(self) -> bool:
        """The sentence sits under a plan, or reads as one (the intake's type)."""
        return self.fact.type is FactType.PLAN

    @cached_property
    def dates(self) -> list[Dated]:
        """The dates the sentence itself states (not its note's)."""
        return [Dated(d.start, d.end, d.first, d.last, d.month_only) for d in find_dates(self.text)]

    @cached_property
    def span(self) -> tuple[dt.date, dt.date] | None:
        """The range the sentence states ("02/20/2024 - 03/05/2024"), or that an ongoing
        course states up to its note's date ("still using it daily since 04/22/2024", "splint
        started 07/15/2024" in a note of 09/23/2024)."""
        found = find_dates(self.text)
        rng = date_range(self.text, found)
        if rng:
            return rng[0].first, rng[1].last
        months = _MONTH_SPAN.search(self.text)
        if months:  # "from January to March 2024", "Jan-Mar 2024": from the first's start
            a, b, year = month_number(months["a"]), month_number(months["b"]), int(months["y"])
            return dt.date(year - (a > b), a, 1), dt.date(year, b, 1)  # to the last's start
        note = self.fact.note_date or self.fact.date
        if _STOPPED.search(self.text):
            return None  # "started 03/01, stopped after two weeks": not ongoing
        for d in found:
            # "since January 2024": from the month's last day, so no day is claimed twice
            first = d.last if d.month_only else d.first
            if note and first < note and _SINCE.search(self.text[: d.start]):
                return first, note
        return None

    @cached_property
    def quantities(self) -> list[Quantity]:
        return quantities(self.text)

    def mentions(self, lexicon: str) -> list[Mention]:
        """What a vocabulary finds in the sentence, each with its ConText status."""
        if lexicon not in self._mentions:
            lex: Lexicon = LEXICONS[lexicon]()
            self._mentions[lexicon] = [
                Mention(h.concepts, h.start, h.end, h.phrase, statuses(self.text, h.start, h.end))
                for h in lex.find(self.text)
            ]
        return self._mentions[lexicon]

    def date_near(self, pos: int) -> dt.date | None:
        """The sentence's own full date closest to a position, else the note's date."""
        own = [d for d in self.dates if not d.month_only]
        if not own:
            return self.fact.date
        return min(own, key=lambda d: abs(d.start - pos)).first


def view(chart: Chart) -> list[TypedFact]:
    """The chart's facts, typed (lazily: each is read only when an evaluation asks)."""
    return [TypedFact(f, i) for i, f in enumerate(chart.facts)]
