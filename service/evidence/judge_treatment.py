"""Judges for treatment: a therapy, device or symptom kept up for a time (and how it ended),
and drug trials (which drugs of which classes, for how long, at what dose, why stopped).

A duration is measured from the start to the stop date, or to the last dated note that shows
the therapy still going; a duration written in the note ("x 8 weeks", "14 d 0 h 28 m") counts
too. An order or a plan ("ordered for 14 days") is not a duration of use.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from service.evidence.chartview import TypedFact
from service.evidence.context import counts, statuses
from service.evidence.judging import (
    Context,
    compare,
    compare_count,
    evaluation,
    finding,
    mentions_of,
    need,
    same_note,
    usable,
    window_start,
    within,
)
from service.evidence.phrasing import number
from service.evidence.vocabulary import (
    accepted_results,
    category,
    class_names,
    classes_of,
    drug_names,
    family,
    load,
    results,
)
from service.models import (
    Comparison,
    Evaluation,
    Finding,
    Op,
    Requirement,
    Result,
    StopReason,
    Threshold,
    Verdict,
)

_DAYS = {
    "day": 1,
    "d": 1,
    "week": 7,
    "wk": 7,
    "month": 30.4375,
    "mo": 30.4375,
    "year": 365.25,
    "yr": 365.25,
}
_STATED = re.compile(
    r"(?P<n>\d+(?:\.\d+)?|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve))"
    r"\s*-?\s*(?P<u>days?|d|weeks?|wks?|wk|months?|mos?|years?|yrs?)\b"
    r"(?:\s+(?P<h>\d+)\s*h\b)?",
    re.I,
)
_SINCE = re.compile(r"\bsince\b", re.I)
_FAILED = re.compile(
    r"\b(?:no|inadequate|partial|poor|loss of|lost|minimal|without|not"
    r"|little)\s+(?:\w+\s+)?(?:response|relief|improvement|benefit|change|better|help\w*|effect"
    r"|reduction|decrease)"
    r"|\b(?:failed|ineffective|not effective|did not (?:work|help|improve)|persistent|persists"
    r"|despite|relapse\w*|uncontrolled|still|unchanged|worse\w*|inadequate|unrevealing)\b",
    re.I,
)
_INTOLERANT = re.compile(
    r"\b(?:intoleran\w*|not tolerated|did not tolerate|could not tolerate|side effects?|adverse"
    r"|stopped for|discontinued (?:for|due)|nausea|akathisia|rash|myalgias?|itch\w*|irritation"
    r"|allerg\w*)\b",
    re.I,
)
_CONTRA = re.compile(r"\b(?:contraindicat\w*|not safe|cannot take)\b", re.I)
_FREQ = [
    (re.compile(r"\b(?:bid|twice (?:a |per )?day|twice daily|b\.i\.d)\b", re.I), 2.0),
    (re.compile(r"\b(?:tid|three times (?:a |per )?day)\b", re.I), 3.0),
    (re.compile(r"\b(?:weekly|a week|per week|/wk|/week|every week)\b", re.I), 1 / 7),
    (re.compile(r"\b(?:daily|qd|once a day|a day|per day|/day|nightly|qhs)\b", re.I), 1.0),
]


def _stated_days(text: str, near: int) -> list[float]:
    """Durations written near a mention and not in a plan's scope ("ordered for 14 days")."""
    out = []
    for m in _STATED.finditer(text):
        if abs(m.start() - near) > 160 or not counts(statuses(text, m.start(), m.end())):
            continue
        unit = m.group("u").lower().rstrip("s")
        n = m.group("n")
        count = float(n) if n[0].isdigit() else float(number(n) or 0)  # "six weeks"
        days = count * _DAYS.get(unit, _DAYS.get(unit[:2], 1))
        if m.group("h"):
            days += float(m.group("h")) / 24
        out.append(days)
    return out


@dataclass
class Course:
    """One therapy or drug as the chart records it."""

    name: str
    facts: list[TypedFact] = field(default_factory=list)
    dates: list[dt.date] = field(default_factory=list)
    spans: list[tuple[dt.date, dt.date]] = field(default_factory=list)
    stated: list[float] = field(default_factory=list)
    text: str = ""  # what the chart says about it (its sentences and the one after each)
    mg_per_day: float | None = None

    @property
    def days(self) -> float:
        """The longest documented span or stated duration; first to last dated mention only
        when the chart gives neither."""
        known = [*((b - a).days for a, b in self.spans), *self.stated]
        if known:
            return max(known)
        return (max(self.dates) - min(self.dates)).days if len(self.dates) > 1 else 0.0

    @property
    def measured(self) -> bool:
        """The chart says how long: a span, a stated duration, or two dated mentions."""
        return bool(self.spans or self.stated or len(set(self.dates)) > 1)

    @property
    def start(self) -> dt.date | None:
        """The first day of the longest documented span, else of the first dated mention."""
        if self.spans:
            return max(self.spans, key=lambda s: s[1] - s[0])[0]
        return min(self.dates, default=None)

    @property
    def end(self) -> dt.date | None:
        if self.spans:
            return max(self.spans, key=lambda s: s[1] - s[0])[1]
        return max(self.dates, default=None)

    def ended(self) -> StopReason | None:
        """Why the course ended, from words the chart affirms ("no side effects" is not one)."""
        for reason, pattern in (
            (StopReason.CONTRAINDICATION, _CONTRA),
            (StopReason.INTOLERANCE, _INTOLERANT),
            (StopReason.FAILURE, _FAILED),
        ):
            for m in pattern.finditer(self.text):
                status = statuses(self.text, m.start(), m.end())
                if reason is StopReason.FAILURE or "negated" not in status:
                    return reason
        return None


_DAY_LIST = re.compile(r"(?<![/\d])(\d{1,2})/(\d{1,2})(?![/\d])")


def _visit_span(ctx: Context, tf: TypedFact) -> tuple[dt.date, dt.date] | None:
    """A list of visit days ("Visits: 02/07, 02/09, ... 03/13") written near a mention, read
    with the year of its note."""
    for other in ctx.facts[tf.index : tf.index + 5]:
        days = _DAY_LIST.findall(other.text)
        year = (other.fact.date or ctx.anchor).year
        if len(days) >= 3:
            try:
                found = [dt.date(year, int(m), int(d)) for m, d in days]
            except ValueError:
                continue
            return min(found), max(found)
    return None


def _add(course: Course, tf: TypedFact, at: int, ctx: Context) -> None:
    course.facts.append(tf)
    visits = _visit_span(ctx, tf)
    if visits and visits not in course.spans:
        course.spans.append(visits)
    if tf.span:
        course.spans.append(tf.span)
    own = [d for d in tf.dates if not d.month_only]
    if own and not (tf.span and _SINCE.search(tf.text)):
        course.dates.append(tf.date_near(at) or own[0].first)
    elif tf.fact.date:
        course.dates.append(tf.fact.date)
    course.stated.extend(_stated_days(tf.text, at))
    # the sentence after in the same document (a sentence stating its own dates is dated by
    # them, not by its note), and the one after that when the first is only a label ("Stopped:")
    near = {o.index: o for o in ctx.facts[tf.index + 1 : tf.index + 3]}
    same = tf.fact.source and all(o.fact.source == tf.fact.source for o in near.values())
    following = [near[tf.index + 1]] if tf.index + 1 in near else []
    following = following if same else [o for o in same_note(ctx, tf) if o.index == tf.index + 1]
    if following and following[0].text.rstrip().endswith(":") and tf.index + 2 in near:
        following.append(near[tf.index + 2])
    course.text += " " + tf.text + " " + " ".join(o.text for o in following)


def _threshold_days(t: Threshold | None) -> float:
    if t is None:
        return 0.0
    return (t.value or 0) * {"days": 1, "weeks": 7, "months": 30.4375, "years": 365.25}.get(
        t.unit, 1
    )


def _meets_days(days: float, t: Threshold | None) -> bool:
    """Days against a duration threshold; months are compared by calendar (3 months = 91 d)."""
    need_days = _threshold_days(t)
    return t is None or compare(
        days + (1.5 if t.unit in ("months", "years") else 0), Threshold(op=t.op, value=need_days)
    )


def judge_duration(req: Requirement, ctx: Context) -> Evaluation:
    course = Course(req.subject)
    concepts, any_drug = family(set(req.terms))
    # "conservative care such as a night guard and anti-inflammatory medicine": a drug class
    # the criterion names is a course of its own kind
    named = [*class_names().concepts_in(req.text), *drug_names().concepts_in(req.text)]
    drugs = _accepted_drugs(req.model_copy(update={"terms": named})) if named else set()
    if drugs or any_drug:  # a drug course answers it; the symptom it treats does not
        concepts = {c for c in concepts if category(c) in ("therapies", "tests")}
    start = window_start(req.window, ctx.anchor)
    for tf in ctx.facts:
        ms = [m for m in mentions_of(tf, "clinical", concepts, with_source=True) if usable(m)]
        ms += [
            m
            for m in tf.mentions("drug")
            if (any_drug or m.concepts & (drugs or set())) and usable(m)
        ]
        if ms and within(tf.fact.date, start, ctx.anchor):
            _add(course, tf, ms[0].start, ctx)
            for other in same_note(ctx, tf):
                if (
                    other.index > tf.index
                    and not other.mentions("clinical")
                    and other not in course.facts
                ):
                    course.stated.extend(_stated_days(other.text, 0))
                    course.text += " " + other.text
    missing = need(req)
    if not course.facts:
        return evaluation(req, Verdict.NOT_DOCUMENTED, missing=missing)
    # how the course ended, when the criterion asks ("when treatment has not helped")
    ended = course.ended() if req.stop_reasons else None
    facts = [finding(tf, stop_reason=ended) for tf in course.facts[:4]]
    comp = Comparison(
        required=req.threshold,
        found=round(course.days, 1),
        unit="days",
        start=course.start,
        end=course.end,
        anchor=ctx.anchor,
    )
    long_enough = _meets_days(course.days, req.threshold)
    outcome_shown, outcome_contradicted = True, False
    if req.results:
        found = set(results().concepts_in(course.text))
        shown = found & set().union(*(accepted_results(r.value) for r in req.results))
        # the outcome the chart reports, in the criterion's terms when it is one it accepts
        said = next((r for r in req.results if shown), None) or _outcome(found)
        comp = comp.model_copy(update={"result": said})
        outcome_shown = bool(shown)
        outcome_contradicted = not shown and said is not None  # another outcome is reported
    if req.stop_reasons and course.ended() is None:
        outcome_shown = False
    if long_enough and outcome_shown:
        return evaluation(req, Verdict.MET, facts, comp, missing)
    # Not met only when the chart contradicts the criterion: a course it dates as shorter, or
    # an outcome other than the one asked for. A course of unknown length (one dated mention)
    # or one whose outcome the notes do not state is silence: not documented.
    contradicted = (not long_enough and course.measured) or outcome_contradicted
    return evaluation(
        req, Verdict.NOT_MET if contradicted else Verdict.NOT_DOCUMENTED, facts, comp, missing
    )


def _outcome(found: set[str]) -> Result | None:
    """The result class a course's notes report, the most telling first."""
    return next(
        (
            Result(r)
            for r in ("abnormal", "positive", "nondiagnostic", "normal", "negative")
            if r in found
        ),
        None,
    )


def _accepted_drugs(req: Requirement) -> set[str] | None:
    """Drug names the requirement accepts (a class accepts its members); None for any drug."""
    if not req.terms:
        return None
    rows = load("drugs")
    names: set[str] = set()
    for term in req.terms:
        names.update(rows[term]["members"] if term in rows else [term])
    return names


def _courses(req: Requirement, ctx: Context) -> dict[str, Course]:
    accepted = _accepted_drugs(req)
    courses: dict[str, Course] = {}
    for tf in ctx.facts:
        for m in tf.mentions("drug"):
            name = sorted(m.concepts)[0]
            if (accepted is not None and name not in accepted) or not usable(m):
                continue
            course = courses.setdefault(name, Course(name))
            _add(course, tf, m.start, ctx)
            course.mg_per_day = max(
                filter(None, [course.mg_per_day, _dose(tf.text, m.end)]), default=None
            )
    return courses


def _dose(text: str, at: int) -> float | None:
    m = re.search(
        r"(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s*(?:-|->|to)?\s*(?:\d+\s*)?mg\b",
        text[at : at + 60],
        re.I,
    )
    if not m:
        return None
    tail = text[at + m.end() : at + m.end() + 40]
    per = next((rate for pat, rate in _FREQ if pat.search(tail)), 1.0)
    mg = re.findall(r"\d+(?:,\d{3})*(?:\.\d+)?", m.group(0))
    return float(mg[-1].replace(",", "")) * per


def _qualifies(req: Requirement, c: Course) -> bool:
    ended = c.ended()
    long_enough = _meets_days(c.days, req.threshold) or (ended in req.excuses and ended is not None)
    if req.stop_reasons and ended not in {*req.stop_reasons, *req.excuses}:
        return False
    if req.dose and c.mg_per_day is not None:
        per_day = req.dose.value or 0
        if req.dose.unit == "mg/week":
            per_day /= 7
        if c.mg_per_day + 1e-6 < per_day and ended not in req.excuses:
            return False
    return long_enough


def judge_drug_trial(req: Requirement, ctx: Context) -> Evaluation:
    courses = _courses(req, ctx)
    good = [c for c in courses.values() if _qualifies(req, c)]
    n = req.count or 1
    classes = {sorted(classes_of(c.name) or {c.name})[0] for c in good}
    ok = compare_count(len(good), n, Op.GE) and (req.classes is None or len(classes) >= req.classes)
    facts: list[Finding] = []
    for c in [*good, *(c for c in courses.values() if c not in good)][:6]:
        facts.append(
            finding(
                c.facts[0],
                label=c.name,
                value=round(c.days, 1),
                unit="days",
                stop_reason=c.ended(),
                counted=c in good,
                date=c.start,
            )
        )
    comp = Comparison(
        required=req.threshold,
        count_required=n,
        count_found=len(good),
        count_op=Op.GE,
        anchor=ctx.anchor,
    )
    missing = need(req)
    if ok:
        return evaluation(req, Verdict.MET, facts, comp)
    # A documented trial that falls short (too brief, wrong outcome, low dose) contradicts the
    # criterion; qualifying trials that are merely too few leave the rest undocumented.
    failed = [c for c in courses.values() if c not in good]
    verdict = Verdict.NOT_MET if failed else Verdict.NOT_DOCUMENTED
    return evaluation(req, verdict, facts, comp, missing)


__all__ = ["class_names", "drug_names", "judge_drug_trial", "judge_duration"]
