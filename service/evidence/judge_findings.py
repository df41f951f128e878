"""Judges for findings and roles: a test done (not ordered) with the result asked for, a
diagnosis (by ICD-10-CM code or its terms), the prescriber's specialty, the place of service,
and a requirement in plain words matched by meaning (vocabulary and the embedding model)."""

from __future__ import annotations

import re

from service.evidence.chartview import TypedFact
from service.evidence.context import counts, statuses
from service.evidence.judging import (
    Context,
    compare,
    evaluation,
    finding,
    mentions_of,
    need,
    same_note,
    usable,
    window_start,
    within,
)
from service.evidence.phrasing import TIME_UNITS, comparison
from service.evidence.quantities import convert
from service.evidence.similarity import similarities
from service.evidence.vocabulary import (
    Lexicon,
    accepted_results,
    broader,
    category,
    clinical,
    family,
    narrower,
    places,
    results,
    specialties,
)
from service.models import (
    Comparison,
    Evaluation,
    Finding,
    Requirement,
    Result,
    Threshold,
    Verdict,
)

TEXT_MATCH = 0.55  # cosine of a requirement and a chart sentence that says the same thing
TEXT_MATCH_WITH_TERM = 0.20  # ... when the sentence also names the requirement's concept
_LABELS = {"exam": "Examination", "imaging": "Imaging", "lab": "Laboratory"}
_STOP = re.compile(r"\b(?:the|a|an|of|at|to|in|on|shows?|no|that|level|complete)\b", re.I)


def _test_results(tf: TypedFact, ctx: Context) -> set[str]:
    """Result classes a test's report states: its sentence and the rest of its note."""
    found = {c for m in tf.mentions("result") for c in m.concepts}
    for other in same_note(ctx, tf):
        if other.index > tf.index and not any(
            category(c) == "tests" for c in clinical().concepts_in(other.text)
        ):
            found |= {c for m in other.mentions("result") for c in m.concepts}
    return found


def _finding_words(req: Requirement) -> list[str]:
    m = re.search(r"\bshows?\s+no\s+(.+?)(?:$|[.;,(])", req.text, re.I)
    return [w for w in _STOP.sub(" ", m.group(1)).split() if len(w) > 2] if m else []


def _findings_asked(req: Requirement) -> set[str]:
    """Conditions a positive test must show ("confirms a full-thickness rotator cuff tear")."""
    if not {r.value for r in req.results} & {"positive", "abnormal"}:
        return set()
    return {c for c in clinical().concepts_in(req.text) if category(c) == "conditions"}


def _shows(tf: TypedFact, ctx: Context, concepts: set[str]) -> bool:
    note = [o for o in same_note(ctx, tf) if o.index >= tf.index][:3] or [tf]
    return any(usable(m) for o in note for m in mentions_of(o, "clinical", concepts))


def judge_test(req: Requirement, ctx: Context) -> Evaluation:
    wanted = (
        set().union(*(accepted_results(r.value) for r in req.results)) if req.results else set()
    )
    start = window_start(req.window, ctx.anchor)
    absent = _finding_words(req)
    asked = _findings_asked(req)
    done: list[Finding] = []
    old: list[Finding] = []
    wrong: list[Finding] = []
    for tf in ctx.facts:
        ms = mentions_of(tf, "clinical", set(req.terms), with_source=True)
        if not ms or not any(counts(m.status, planned_ok=False) for m in ms):
            continue
        shown = _test_results(tf, ctx)
        if absent:
            text = tf.text.lower()
            hits = [w for w in absent if w.lower() in text]
            if len(hits) < max(1, len(absent) // 2):
                continue
            at = text.find(hits[0].lower())
            shown = (
                {"negative"}
                if "negated" in statuses(tf.text, at, at + len(hits[0]))
                else {"positive"}
            )
        if not shown and (req.results or not any(usable(m) for m in ms)):
            continue  # a test asked for a result needs a reported result; an order is none
        target = done if (not wanted or shown & wanted) else wrong
        if asked and target is done and not _shows(tf, ctx, asked):
            target = wrong  # a report of the test that does not show the finding asked for
        if not within(tf.date_near(ms[0].start), start, ctx.anchor):
            target = old
        target.append(
            finding(
                tf, date=tf.date_near(ms[0].start), result=_result(shown), counted=target is done
            )
        )
    missing = need(req)
    if done:
        return evaluation(req, Verdict.MET, _reports(done, ctx, set(req.terms)))
    if wrong or old:
        return evaluation(req, Verdict.NOT_MET, (wrong + old)[:3], missing=missing)
    return evaluation(req, Verdict.NOT_DOCUMENTED, missing=missing)


def _reports(found: list[Finding], ctx: Context, terms: set[str]) -> list[Finding]:
    """The findings a letter shows for a test done: the test's own report when the chart has
    one (a later note recapping "ECG, echo unrevealing" adds nothing), at most two dates, every
    sentence of each (the finding, then the result stated after it)."""
    by_id = {tf.fact.id: tf for tf in ctx.facts}
    own = [
        f
        for f in found
        if any(h.concepts & terms for h in clinical().find(by_id[f.fact_id].fact.source))
    ]
    kept = own or found
    days = list(dict.fromkeys(f.date for f in kept))[:2]
    return [f for f in kept if f.date in days][:4]


def _result(shown: set[str]) -> Result | None:
    for r in ("nondiagnostic", "negative", "normal", "positive", "abnormal"):
        if r in shown:
            return Result(r)
    return None


def _codes_match(codes: list[str], req: Requirement) -> bool:
    from service.intake.codes import icd10_description

    for code in codes:
        if any(code.startswith(c.split(".")[0]) for c in req.codes):
            return True
        described = set(clinical().concepts_in(icd10_description(code) or ""))
        if described & set(req.terms):
            return True
    return False


def judge_diagnosis(req: Requirement, ctx: Context) -> Evaluation:
    hits: list[Finding] = []
    denied: list[Finding] = []
    kinds = narrower(set(req.terms))  # "type 2 diabetes" answers "diabetes"
    start = window_start(req.window, ctx.anchor)
    for tf in ctx.facts:
        if req.window and not within(tf.fact.date, start, ctx.anchor):
            continue  # "seen for diabetes in the 6 months before the request"
        ms = mentions_of(tf, "clinical", kinds)
        if any(usable(m) for m in ms) or (tf.fact.codes and _codes_match(tf.fact.codes, req)):
            hits.append(finding(tf))
        elif any("negated" in m.status for m in ms):
            denied.append(finding(tf, counted=False))
    missing = need(req)
    if hits:
        # the assessment that states the diagnosis (coded, or a diagnosis line) before passing
        # mentions of it ("completed diabetes training")
        by_id = {tf.fact.id: tf.fact for tf in ctx.facts}
        stated = [
            f for f in hits if by_id[f.fact_id].codes or by_id[f.fact_id].type.value == "diagnosis"
        ]
        return evaluation(req, Verdict.MET, (stated or hits)[:3])
    return evaluation(
        req, Verdict.NOT_MET if denied else Verdict.NOT_DOCUMENTED, denied[:2], missing=missing
    )


# A specialty names who someone is only beside a clinician's name or credential, in a note's
# title, or with a role verb ("Dutch Lipid Clinic score" names a score, not a clinician).
_CLINICIAN = re.compile(
    r"\b(?:MD|DO|NP|PA-C|PA|DNP|FACC|FHRS|FACP|Dr)\b|\b(?:board[- ]certified|consult\w*"
    r"|seen by|evaluated by|followed by|managed by|prescribed by|ordered by)\b"
)


_BY = re.compile(r"\b(?:ordered|prescribed|requested|recommended|signed|referred)\s+by\b", re.I)


def _roles(
    lex: Lexicon, table: str, wanted: list[str], ctx: Context, planned_ok: bool
) -> tuple[list[Finding], list[Finding]]:
    """(facts naming an accepted specialty or place, facts naming another one)."""
    accepted: list[Finding] = []
    others: list[Finding] = []
    for tf in ctx.facts:
        hits = [(h, frozenset[str]()) for h in lex.find(tf.fact.source)]
        if table != "specialties" or _CLINICIAN.search(tf.text):
            # "ordered by Dr. Haddad, MD" names who orders: the order is a plan, the clinician
            # is not, so the role phrase does not make the specialty planned
            text = (
                _BY.sub(lambda m: " " * len(m.group()), tf.text)
                if table == "specialties"
                else tf.text
            )
            hits += [(h, statuses(text, h.start, h.end)) for h in lex.find(tf.text)]
        for hit, status in hits:
            if not counts(status, planned_ok=planned_ok):
                continue
            names = set().union(*(broader(table, c) for c in hit.concepts))
            found = finding(tf, label=sorted(hit.concepts)[0])
            (accepted if names & set(wanted) else others).append(found)
    return accepted, others


def judge_prescriber(req: Requirement, ctx: Context) -> Evaluation:
    accepted, _ = _roles(specialties(), "specialties", req.specialties, ctx, planned_ok=False)
    provider = " ".join(
        filter(None, [ctx.provider.credentials, ctx.provider.practice, ctx.provider.name])
    )
    if not accepted and provider:
        named = set().union(
            *(broader("specialties", c) for c in specialties().concepts_in(provider))
        )
        if named & set(req.specialties):
            return evaluation(
                req,
                Verdict.MET,
                [Finding(fact_id="provider", text=provider, label=sorted(named)[0])],
            )
    if accepted:
        return evaluation(req, Verdict.MET, accepted[:2])
    return evaluation(req, Verdict.NOT_DOCUMENTED, missing=need(req))


def judge_place(req: Requirement, ctx: Context) -> Evaluation:
    planned = [
        tf
        for tf in ctx.facts
        if tf.planned or any("planned" in m.status for m in tf.mentions("place"))
    ]
    sub = Context(planned or ctx.facts, ctx.anchor, ctx.born, ctx.provider, ctx.source_text)
    accepted, others = _roles(places(), "places", req.places, sub, planned_ok=True)
    # A plan naming a place the criterion does not accept contradicts it, even when an
    # accepted place is named too: the letter must not claim a setting the plan does not use.
    if accepted and not others:
        return evaluation(req, Verdict.MET, accepted[:2])
    if others:
        return evaluation(req, Verdict.NOT_MET, others[:2], missing=need(req))
    return evaluation(req, Verdict.NOT_DOCUMENTED, missing=need(req))


def _said(req: Requirement, pool: list[TypedFact], concepts: set[str]) -> list[TypedFact]:
    """The chart sentences of `pool` that state the requirement, best first."""
    planning = bool(re.search(r"\bplan\w*|\bwill\b|\border\w*", req.text, re.I))
    named = {
        tf.index
        for tf in pool
        if any(usable(m, planned_ok=planning) for m in mentions_of(tf, "clinical", concepts))
    }
    reasons = {c for c in concepts if category(c) == "reasons"}
    if reasons:
        # "why the test is needed now" is answered by a sentence giving a reason for a test or
        # treatment ("MRI ... is needed because ..."), plan or not; meaning-similarity between a
        # question and its answer is too low to decide it.
        given = [
            tf
            for tf in pool
            if any(usable(m, planned_ok=True) for m in mentions_of(tf, "clinical", reasons))
            and any(category(c) in ("tests", "therapies") for c in clinical().concepts_in(tf.text))
        ]
        if given:
            return given
    # a finding is read with the label its note gave it ("Exam: positive straight leg raise"),
    # which the chart intake keeps as the fact's type
    texts = [
        f"{_LABELS[tf.fact.type.value]}: {tf.text}" if tf.fact.type.value in _LABELS else tf.text
        for tf in pool
    ]
    # the item alone, or read with its lead-in: whichever a chart sentence matches better
    scores = [
        max(a, b)
        for a, b in zip(
            similarities(req.text, texts), similarities(req.subject or req.text, texts), strict=True
        )
    ]
    ranked = sorted(zip(scores, pool, strict=True), key=lambda p: -p[0])
    return [
        tf
        for s, tf in ranked
        # A requirement that names clinical things is met only by a sentence naming one of
        # them ("right knee examination normal" reads close to "McMurray test of the right
        # knee" but names no locking or McMurray); meaning alone decides only without names.
        if (tf.index in named and s >= TEXT_MATCH_WITH_TERM) or (not concepts and s >= TEXT_MATCH)
    ]


def _negative(req: Requirement, pool: list[TypedFact], concepts: set[str]) -> Evaluation:
    """An absence asked for ("no active infection"): met when the chart denies it."""
    said = [(tf, m) for tf in pool for m in mentions_of(tf, "clinical", concepts)]
    if any(usable(m) for _, m in said):
        facts = [finding(tf) for tf, m in said if usable(m)][:2]
        return evaluation(req, Verdict.NOT_MET, facts, missing=need(req))
    if said:
        return evaluation(req, Verdict.MET, [finding(tf) for tf, _ in said][:2])
    return evaluation(req, Verdict.NOT_DOCUMENTED, missing=need(req))


def _stated_values(text: str) -> list[Threshold]:
    """Every value comparison a criterion states with a unit that is not a time."""
    out, pos = [], 0
    while (found := comparison(text[pos:])) is not None:
        t, _, end = found
        if t.unit and t.unit not in TIME_UNITS.values():
            out.append(t)
        pos += max(end, 1)
    return out


def _stated_value(req: Requirement, stated: list[Threshold], hits: list[TypedFact]) -> Evaluation:
    """A text criterion's stated values against the values, in their units, of the sentences
    that speak of it. One stated value must be met by every such value ("350 g right and 320 g
    left" for "each breast"); several ("a 30 percent airflow drop with a 4 percent
    desaturation") must each be met by one of them."""
    rows: list[tuple[Threshold, TypedFact | None, float | None, bool]] = []
    for t in stated:
        values = [
            (tf, v)
            for tf in hits
            for q in tf.quantities
            if q.unit
            and (v := q.value if q.unit == t.unit else convert(q.value, q.unit, t.unit)) is not None
        ]
        if not values:
            rows.append((t, None, None, False))
            continue
        if len(stated) == 1:
            fact, v = next(((tf, v) for tf, v in values if not compare(v, t)), values[0])
        else:
            fact, v = next(((tf, v) for tf, v in values if compare(v, t)), values[0])
        rows.append((t, fact, v, compare(v, t)))
    if any(tf is not None and not ok for _, tf, _, ok in rows):
        verdict = Verdict.NOT_MET
    elif all(ok for *_, ok in rows):
        verdict = Verdict.MET
    else:
        return evaluation(req, Verdict.NOT_DOCUMENTED, missing=need(req))
    # the comparison shown is the one that decided: the first failing, else the first
    t, shown, v, _ = next((r for r in rows if r[1] is not None and not r[3]), rows[0])
    assert shown is not None and v is not None
    facts = [finding(shown, value=round(v, 4), unit=t.unit)]
    comp = Comparison(required=t, found=round(v, 4), unit=t.unit)
    return evaluation(req, verdict, facts, comp, need(req))


def judge_text(req: Requirement, ctx: Context) -> Evaluation:
    start = window_start(req.window, ctx.anchor)
    pool = [tf for tf in ctx.facts if within(tf.fact.date, start, ctx.anchor)]
    concepts, _ = family(set(req.terms))
    if req.negative:
        return _negative(req, pool, concepts)
    hits = _said(req, pool, concepts)
    stated = _stated_values(req.text)
    if stated:
        # "remove at least 500 grams of tissue": a criterion that states a value is met only by
        # a value, never by a sentence that merely talks about the same thing
        return _stated_value(req, stated, hits)
    if hits:
        # the three best, shown in the chart's order
        best = sorted(hits[:3], key=lambda tf: tf.index)
        return evaluation(req, Verdict.MET, [finding(tf) for tf in best])
    if start is not None:
        # said, but before the period the criterion allows: not met, and shown as such
        earlier = [tf for tf in ctx.facts if tf.fact.date and tf.fact.date < start]
        old = _said(req, earlier, concepts)[:2]
        if old:
            comp = Comparison(anchor=ctx.anchor, window_start=start)
            facts = [finding(tf, counted=False) for tf in old]
            return evaluation(req, Verdict.NOT_MET, facts, comp, need(req))
    return evaluation(req, Verdict.NOT_DOCUMENTED, missing=need(req))


__all__ = [
    "judge_diagnosis",
    "judge_place",
    "judge_prescriber",
    "judge_test",
    "judge_text",
    "results",
]
