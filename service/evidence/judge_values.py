"""Judges for values: an age on the date of service, a measured value against a threshold in
a window, and a count of dated events in a window."""

from __future__ import annotations

import datetime as dt
import re

from dateutil.relativedelta import relativedelta

from service.evidence.chartview import Mention, TypedFact
from service.evidence.judging import (
    Context,
    compare,
    compare_count,
    evaluation,
    finding,
    mentions_of,
    need,
    usable,
    window_start,
    within,
)
from service.evidence.quantities import Quantity, convert
from service.evidence.vocabulary import category, clinical, drug_names
from service.models import Comparison, Evaluation, Finding, Op, Requirement, Threshold, Verdict

_STATED_AGE = re.compile(
    r"\b(\d{1,3})[- ]?(?:y/?o|yo|yrs? old|years? old|-year-old|year-old)\b"
    r"|\bage[d]?:?\s+(\d{1,3})\b",
    re.I,
)
_TIMING = re.compile(r"\s*(?:days?|weeks?|wks?|months?|mos?|years?|yrs?|times|x)\b", re.I)
_EVERY = re.compile(r"\b(?:every|q|x)\s*$", re.I)
_BASELINE = re.compile(
    r"\b(?:baseline|untreated|pre-?treatment|before (?:any|starting|treatment))\b", re.I
)


_PAST_AGE = re.compile(r"\b(?:until|at|since|before|after|by|from|when|till)\s*$", re.I)


def _current_age(text: str) -> re.Match[str] | None:
    """A stated age of the patient now, not the age at a past event ("until age 30")."""
    for m in _STATED_AGE.finditer(text):
        if not _PAST_AGE.search(text[max(0, m.start() - 8) : m.start()]):
            return m
    return None


def judge_age(req: Requirement, ctx: Context) -> Evaluation:
    t = req.threshold or Threshold(op=Op.GE, value=0, unit="years")
    if ctx.born:
        age = relativedelta(ctx.anchor, ctx.born).years
        ok = compare(age, t)
        comp = Comparison(required=t, found=age, unit="years", anchor=ctx.anchor, born=ctx.born)
        # the date of birth decides; a note stating the age is the chart fact a letter cites
        cited = [finding(tf) for tf in ctx.facts if _current_age(tf.text)][:1]
        missing = need(req)
        return evaluation(req, Verdict.MET if ok else Verdict.NOT_MET, cited, comp, missing)
    for tf in ctx.facts:  # "62 y/o": the age at the note, carried to the date of service
        m = _current_age(tf.text)
        if m:
            # an undated note is taken as current: the age is then known to within a year
            years = relativedelta(ctx.anchor, tf.fact.date).years if tf.fact.date else 0
            stated = int(m.group(1) or m.group(2))
            low, high = stated + years, stated + years + 1
            ok_low, ok_high = compare(low, t), compare(high, t)
            found = [finding(tf, value=float(stated), unit="years")]
            comp = Comparison(required=t, found=float(low), unit="years", anchor=ctx.anchor)
            if ok_low and ok_high:
                return evaluation(req, Verdict.MET, found, comp)
            if not ok_low and not ok_high:
                return evaluation(req, Verdict.NOT_MET, found, comp, need(req))
    return evaluation(req, Verdict.NOT_DOCUMENTED, missing=need(req))


def _measure_concepts(req: Requirement) -> set[str]:
    terms = set(req.terms)
    if not terms and req.subject:
        terms = {c for c in clinical().concepts_in(req.subject) if category(c) == "measures"}
    return terms


def _value_after(tf: TypedFact, start: int, end: int) -> Quantity | None:
    """The number a mention reports: the first after it (same clause), else one just before."""
    for q in tf.quantities:
        if _TIMING.match(tf.text[q.end :]) or _EVERY.search(tf.text[max(0, q.start - 8) : q.start]):
            continue  # "every 2 weeks", "x 3 months": a schedule, not a reading
        gap = tf.text[end : q.start]
        if q.start >= end and len(gap) <= 40 and not re.search(r"[;]|\.\s", gap):
            others = [
                h
                for h in clinical().find(gap)
                if any(category(c) == "measures" for c in h.concepts)
            ]
            return None if others else q
    before = [
        q for q in tf.quantities if q.end <= start and len(tf.text[q.end : start].strip()) <= 2
    ]
    return before[-1] if before else None


def _in_unit(q: Quantity, unit: str, t: Threshold | None = None) -> float | None:
    """The reading in the requirement's unit; for a range ("9-10"), the end that decides
    (a range meets a threshold only if both of its ends do)."""
    value = q.value
    if q.high is not None and t is not None and compare(q.value, t) and not compare(q.high, t):
        value = q.high
    if not unit or not q.unit or q.unit == unit or {q.unit, unit} <= {"%", "%pred"}:
        return value
    return convert(value, q.unit, unit)


def _strengths(
    req: Requirement, ctx: Context
) -> list[tuple[TypedFact, float, dt.date | None, int, bool]]:
    """The strength each prescription of the requirement's drug gives (a plan counts: a
    prescription is one), in the requirement's unit."""
    unit = req.threshold.unit if req.threshold else ""
    out = []
    for tf in ctx.facts:
        for m in tf.mentions("drug"):
            if not (m.concepts & set(req.terms)) or not usable(m, planned_ok=True):
                continue
            after = [q for q in tf.quantities if q.start >= m.end and q.start - m.end <= 40]
            q = next((q for q in after if q.unit and _in_unit(q, unit) is not None), None)
            if q is not None:
                value = _in_unit(q, unit)
                assert value is not None
                out.append((tf, value, tf.date_near(q.start), q.start, q.high is not None))
    return out


_BELOW = re.compile(r"(?:<|≤|<=|less than|below|under)\s*$", re.I)
_ABOVE = re.compile(r"(?:>|≥|>=|more than|above|over|greater than)\s*$", re.I)
_MARGIN = 1e-6  # "< 10" is below 10: a value that meets "less than 10" and not "10 or more"


def _bounded(before: str, value: float) -> float:
    """A reading stated as a bound ("Hgb < 10") read just past the bound it states."""
    if _BELOW.search(before):
        return value - _MARGIN
    if _ABOVE.search(before):
        return value + _MARGIN
    return value


_DAYS_BEFORE = re.compile(r"(\d{1,2})\s*$")
_DAYS_AFTER = re.compile(r"^\s*(?:days?\b|d/mo\b)", re.I)


def _day_counts(
    req: Requirement, ctx: Context
) -> list[tuple[TypedFact, float, dt.date | None, int, bool]]:
    """Days a month with the symptom, as a diary states them ("11 headache days"): the number
    written just before the symptom's name, which is followed by "days"."""
    out = []
    for tf in ctx.facts:
        for m in mentions_of(tf, "clinical", set(req.terms)):
            counted = _DAYS_BEFORE.search(tf.text[: m.start])
            days = "day" in m.phrase.lower() or _DAYS_AFTER.match(tf.text[m.end :])
            if usable(m) and counted and days:
                at = counted.start(1)
                out.append((tf, float(counted.group(1)), tf.date_near(at), at, False))
    return out


def readings(
    req: Requirement, ctx: Context
) -> list[tuple[TypedFact, float, dt.date | None, int, bool]]:
    """(fact, value in the requirement's unit, date, position, is a range) of each reading."""
    if req.terms and set(req.terms) <= set(drug_names().by_concept):
        return _strengths(req, ctx)
    if req.threshold is not None and req.threshold.unit == "days/month":
        return _day_counts(req, ctx)
    concepts = _measure_concepts(req)
    unit = req.threshold.unit if req.threshold else ""
    out = []
    for tf in ctx.facts:
        mine = []
        for m in mentions_of(tf, "clinical", concepts):
            if not usable(m) or _qualified(tf.text, m.start, req.text):
                continue
            # the mention may be the reading's own unit ("18 pack-years")
            q = next((q for q in tf.quantities if q.start < m.start < q.end <= m.end), None)
            q = q or _value_after(tf, m.start, m.end)
            value = _in_unit(q, unit, req.threshold) if q else None
            if q is not None and value is not None:
                value = _bounded(tf.text[max(0, q.start - 12) : q.start], value)
            if q is not None and value is not None and _on_time(tf.text, q.start, req.before_time):
                mine.append((tf, value, tf.date_near(q.start), q.start, q.high is not None))
        out += _summed(tf.text, list({r[3]: r for r in mine}.values()))
    return out


# A reading named as something other than the patient's measured state: a treatment's
# residual, a goal or target. It counts only when the criterion asks for that very thing
# ("residual AHI above 15 on PAP").
_QUALIFIER = re.compile(r"\b(residual|goal|target|desired)\b[\w\s-]{0,12}$", re.I)


def _qualified(text: str, at: int, criterion: str) -> bool:
    m = _QUALIFIER.search(text[max(0, at - 30) : at])
    return m is not None and m.group(1).lower() not in criterion.lower()


def _summed(
    text: str, rows: list[tuple[TypedFact, float, dt.date | None, int, bool]]
) -> list[tuple[TypedFact, float, dt.date | None, int, bool]]:
    """Readings a sentence adds up ("18 pack-years + 3 pack-years") as their one total."""
    if len(rows) < 2:
        return rows
    rows = sorted(rows, key=lambda r: r[3])
    joined = all(
        re.search(r"\+|\bplus\b", text[a[3] : b[3]]) for a, b in zip(rows, rows[1:], strict=False)
    )
    if not joined:
        return rows
    first = rows[0]
    return [(first[0], sum(r[1] for r in rows), first[2], first[3], any(r[4] for r in rows))]


_CLOCK = re.compile(r"\b(\d{1,2}):(\d{2})\b")


def _on_time(text: str, at: int, latest: str | None) -> bool:
    """A reading drawn no later than the time the criterion allows; an untimed reading counts
    only when its sentence says it was drawn in the morning."""
    if latest is None:
        return True
    clocks = [m for m in _CLOCK.finditer(text) if m.start() < at]
    if not clocks:
        return bool(re.search(r"\bmorning\b|\ba\.?m\.?\b", text, re.I))
    m = clocks[-1]
    return f"{int(m.group(1)):02d}:{m.group(2)}" <= latest


def _when(r: tuple) -> tuple:
    return (r[2] or dt.date.min, r[3])


def judge_measurement(req: Requirement, ctx: Context) -> Evaluation:
    t = req.threshold
    found = readings(req, ctx)
    start = window_start(req.window, ctx.anchor)
    missing = need(req)
    inside = [r for r in found if within(r[2], start, ctx.anchor)]
    if t is None or not found:
        return evaluation(req, Verdict.NOT_DOCUMENTED, missing=missing)
    if not inside:
        old = [
            finding(tf, value=v, unit=t.unit, date=d, counted=False)
            for tf, v, d, _, _ in found[-3:]
        ]
        comp = Comparison(required=t, anchor=ctx.anchor, window_start=start, unit=t.unit)
        return evaluation(req, Verdict.NOT_MET, old, comp, missing)
    pick_first = bool(_BASELINE.search(req.text))
    chosen_date = (min if pick_first else max)(inside, key=_when)[2]
    same = [r for r in inside if r[2] == chosen_date]
    # Several readings of one day: any counts when the criterion names alternatives ("at the
    # lumbar spine, femoral neck or total hip"); otherwise the least favourable decides.
    alternatives = (
        re.search(
            r"\bor\b(?! (?:more|longer|higher|greater|less|lower|fewer|above|below|older|younger"
            r"|over|under)\b)",
            req.text,
        )
        is not None
    )
    exact = [r for r in same if not r[4]]
    same = exact or same  # "Hgb 9.4" decides over "Hgb around 9-10" of the same day
    passing = [r for r in same if compare(r[1], t)]
    best = (
        (passing or same)[0]
        if alternatives
        else next((r for r in same if not compare(r[1], t)), same[-1])
    )
    ok = compare(best[1], t)
    value = round(best[1], 4)
    bound = "below" if best[1] < value else ("above" if best[1] > value else "")
    facts = [finding(best[0], value=value, unit=t.unit, date=best[2], label=bound)]
    comp = Comparison(required=t, found=value, unit=t.unit, anchor=ctx.anchor, window_start=start)
    return evaluation(req, Verdict.MET if ok else Verdict.NOT_MET, facts, comp, missing)


def _event_dates(req: Requirement, ctx: Context) -> list[Finding]:
    """One finding per distinct dated event of the subject (a measured event when a threshold
    is given: "two testosterone levels below 300")."""
    if req.threshold is not None:
        rows = [(tf, d, v) for tf, v, d, _, _ in readings(req, ctx) if compare(v, req.threshold)]
        events = [finding(tf, date=d, value=v, unit=req.threshold.unit) for tf, d, v in rows if d]
    else:
        events = []
        for tf in ctx.facts:
            heading = tf.text.rstrip().endswith(":")  # it introduces a list of the events
            for m in mentions_of(tf, "clinical", set(req.terms)):
                own = [d for d in tf.dates if abs(d.start - m.start) < 120]
                if heading:
                    if usable(m):
                        events.extend(_listed(ctx, tf))
                elif usable(m) and own:
                    events.append(finding(tf, date=tf.date_near(m.start) or own[0].first))
                elif usable(m) and _on_note_date(tf, m):
                    events.append(finding(tf, date=tf.fact.date))
    by_day: dict[dt.date, Finding] = {}
    for f in events:
        if f.date and f.date not in by_day:
            by_day[f.date] = f
    return sorted(by_day.values(), key=lambda f: f.date or dt.date.min)


def _on_note_date(tf: TypedFact, m: Mention) -> bool:
    """An episode the note itself records ("Passed out at the bus stop" in the urgent care note
    of June 2): a sentence with no date of its own, not summing up several events ("recurrent
    syncope") or recalling past ones ("history of falls")."""
    return not tf.dates and tf.fact.date is not None and not m.status & {"historical", "recurring"}


_LABEL = re.compile(r"\s*[A-Za-z][\w /&()-]{0,30}:")


def _listed(ctx: Context, head: TypedFact) -> list[Finding]:
    """Dated lines listed under a heading that names the subject ("Injection history: ...")."""
    out = []
    seen = {head.fact.date}
    for tf in ctx.facts[head.index + 1 :]:
        starts = [d.first for d in tf.dates if d.start <= 2 and not d.month_only]
        if not starts and _LABEL.match(tf.text):
            break  # "Other: 08/15/2024 urgent care ...": a new label ends the list
        # a line that opens with a date may have been read as a dated note of its own
        day = starts[0] if starts else (tf.fact.date if tf.fact.date not in seen else None)
        if day is None:
            break
        seen.add(day)
        out.append(finding(tf, date=day))
    return out


def judge_event_count(req: Requirement, ctx: Context) -> Evaluation:
    n, op = req.count or 1, req.count_op
    events = _event_dates(req, ctx)
    periods = req.window.periods if req.window else 1
    missing = need(req)
    per_period, counted = [], []
    for p in range(periods):
        end = ctx.anchor if p == 0 else window_start(req.window, ctx.anchor, p)
        start = window_start(req.window, ctx.anchor, p + 1)
        assert end is not None
        hits = [f for f in events if within(f.date, start, end) and not (p and f.date == end)]
        per_period.append(len(hits))
        counted.extend(hits)
    ok = all(compare_count(c, n, op) for c in per_period)
    start = window_start(req.window, ctx.anchor, periods)
    outside = [f.model_copy(update={"counted": False}) for f in events if f not in counted]
    comp = Comparison(
        count_required=n,
        count_found=min(per_period) if op is Op.GE else max(per_period),
        count_op=op,
        anchor=ctx.anchor,
        window_start=start,
    )
    if ok and not events:
        # "no more than 4 sessions" with none on record: the history that shows the count is
        # what a reviewer needs; a letter cannot cite an absence.
        return evaluation(req, Verdict.NOT_DOCUMENTED, [], comp, missing)
    if ok:
        return evaluation(req, Verdict.MET, counted + outside, comp)
    verdict = Verdict.NOT_MET if events or op is not Op.GE else Verdict.NOT_DOCUMENTED
    return evaluation(req, verdict, counted + outside, comp, missing)
