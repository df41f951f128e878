"""What every requirement kind's judge shares: the evaluation context (typed chart facts, the
anchor date, the date of birth), windows, comparisons, and the Evaluation it returns."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta

from service.evidence.chartview import Mention, TypedFact, view
from service.evidence.context import counts
from service.intake.chart_dates import find_dates
from service.models import (
    Chart,
    Comparison,
    Denial,
    Evaluation,
    Finding,
    Op,
    Provider,
    Requirement,
    Threshold,
    Verdict,
    Window,
)


@dataclass
class Context:
    facts: list[TypedFact]
    anchor: dt.date
    born: dt.date | None
    provider: Provider
    source_text: str


def context_for(denial: Denial, chart: Chart, today: dt.date | None = None) -> Context:
    """The chart as typed facts, and the date every window ends on: the date of service, else
    the letter's date, else today."""
    anchor = (
        (denial.dates_of_service[0] if denial.dates_of_service else None)
        or denial.denial_date
        or today
        or dt.date.today()
    )
    born = chart.patient.date_of_birth or denial.date_of_birth or _born(chart.source_text)
    return Context(view(chart), anchor, born, chart.provider, chart.source_text)


_DOB = re.compile(r"\b(?:DOB|D\.O\.B\.|date of birth|born)\s*[:#]?\s*", re.I)


def _born(text: str) -> dt.date | None:
    """The date of birth a chart's text gives ("DOB 06/18/2009") when the intake did not read
    it into the patient block."""
    for m in _DOB.finditer(text or ""):
        dates = find_dates(text[m.end() : m.end() + 20])
        if dates and dates[0].start == 0:
            return dates[0].first
    return None


def shift(day: dt.date, value: int, unit: str) -> dt.date:
    """`day` minus a period ("12 months" before 2024-05-14 is 2023-05-14)."""
    return day - relativedelta(**{unit: value})


def window_start(window: Window | None, anchor: dt.date, period: int = 1) -> dt.date | None:
    if window is None:
        return None
    return shift(anchor, window.value * period, window.unit)


def within(day: dt.date | None, start: dt.date | None, end: dt.date) -> bool:
    """Both ends included; an undated fact is outside any window."""
    if start is None:
        return day is None or day <= end
    return day is not None and start <= day <= end


def compare(value: float, t: Threshold) -> bool:
    if t.op is Op.BETWEEN:
        return (t.low or 0) <= value <= (t.high or 0)
    target = t.value or 0.0
    return {
        Op.GE: value >= target,
        Op.GT: value > target,
        Op.LE: value <= target,
        Op.LT: value < target,
    }[t.op]


def compare_count(found: int, required: int, op: Op) -> bool:
    return compare(float(found), Threshold(op=op, value=float(required)))


def finding(tf: TypedFact, **values: object) -> Finding:
    date = values.pop("date", None) or tf.fact.date
    return Finding(fact_id=tf.fact.id, text=tf.text, date=date, **values)  # type: ignore[arg-type]


def usable(m: Mention, *, planned_ok: bool = False) -> bool:
    return counts(m.status, planned_ok=planned_ok)


def mentions_of(
    tf: TypedFact, lexicon: str, concepts: set[str], *, with_source: bool = False
) -> list[Mention]:
    """A fact's mentions of any of the concepts (its note title counts when asked)."""
    found = [m for m in tf.mentions(lexicon) if m.concepts & concepts]
    if with_source and not found and tf.fact.source:
        from service.evidence.chartview import LEXICONS

        hits = LEXICONS[lexicon]().find(tf.fact.source)
        found = [
            Mention(h.concepts, 0, 0, h.phrase, frozenset()) for h in hits if h.concepts & concepts
        ]
    return found


def same_note(ctx: Context, tf: TypedFact) -> list[TypedFact]:
    """The facts of the note a fact belongs to (same title and date), in order."""
    return [
        o
        for o in ctx.facts
        if o.fact.source == tf.fact.source and o.fact.date == tf.fact.date and o.fact.source
    ] or [tf]


def need(req: Requirement) -> str:
    """What would document a requirement, in the words of templates/partials/needs.j2."""
    from service.render.wording import phrase

    return phrase("needs", "need", req=req)


def evaluation(
    req: Requirement,
    verdict: Verdict,
    facts: list[Finding] | None = None,
    comparison: Comparison | None = None,
    missing: str | None = None,
) -> Evaluation:
    return Evaluation(
        requirement_id=req.id,
        kind=req.kind,
        text=req.text,
        verdict=verdict,
        subject=req.subject,
        window=req.window,
        results=list(req.results),
        facts=facts or [],
        comparison=comparison,
        need=None if verdict is Verdict.MET else missing,
    )
