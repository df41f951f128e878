"""One requirement's kind and parts, read from its words: age, a count of events in a window,
a treatment used for a time, a drug trial, a test and its result, a measured value, a
diagnosis, a prescriber's specialty, a place of service, or else a text matched by meaning.

The cues are general wording (comparisons, windows, roles, result words) and the shared
vocabulary (evidence/data); nothing here knows a payer, a policy or a service.
"""

from __future__ import annotations

import re
from typing import Any

from service.evidence import phrasing
from service.evidence.roles import by_role
from service.evidence.vocabulary import (
    category,
    class_names,
    clinical,
    drug_names,
)
from service.intake.codes import is_valid_icd10
from service.models import Op, Requirement, RequirementKind, Result, StopReason, Window

K = RequirementKind
_EVENTS = re.compile(
    r"\b(?:episodes?|events?|exacerbations?|infections?|attacks?|admissions?|hospitali[sz]ations?"
    r"|visits?|sessions?|fractures?|falls?|levels?|results?|readings?|values?|measurements?"
    r"|flares?|bursts?|courses?|injections?)\b",
    re.I,
)
_TRIAL = re.compile(
    r"\b(?:tried|trials?|taken|take|used|use|response|respond\w*|failed|failure|intoleran\w*"
    r"|tolerat\w*|contraindicat\w*|not worked)\b",
    re.I,
)
_FAILURE = re.compile(
    r"\b(?:not worked|did not work|failed|failure|inadequate response|loss of response|not respond"
    r"|has not responded|without (?:enough|adequate|significant|lasting) \w+|not (?:helped"
    r"|improved)"
    r"|still short|persist\w*|despite|even with|no (?:benefit|improvement)"
    r"|without reaching|did not reach|failed to reach|not reaching)",
    re.I,
)
_INTOLERANCE = re.compile(
    r"\b(?:intoleran\w*|not tolerate\w*|could not tolerate|side effects?)", re.I
)
_CONTRA = re.compile(r"\b(?:contraindicat\w*|not safe|cannot take|medical reason)", re.I)
_UNLESS = re.compile(
    r"\b(?:unless|except|or (?:a )?documented|may be counted|stopped (?:earlier|sooner))\b", re.I
)
_DX_CUE = re.compile(
    r"\b(?:diagnos\w+|ha(?:s|ve) (?:a |an )?(?:\w+ ){0,4}?(?:disease|disorder|condition)|member has"
    r"|you have|condition)\b",
    re.I,
)
_DONE = re.compile(
    r"\b(?:has been|have been|was|were|been)\s+(?:performed|done|obtained|completed)\b"
    r"|\bwith results?\b|\bdone within\b",
    re.I,
)
_FORMULARY = re.compile(
    r"\bformulary\b|\blist of covered drugs\b|\bpreferred drug list\b"
    r"|\bexception from our criteria\b",
    re.I,
)
_COUNTED = re.compile(
    r"\b(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|twelve)\s+(?:or more\s+)?"
    r"(?:[\w/-]+\s+){0,4}?(?:episodes?|events?|exacerbations?|infections?|attacks?|admissions?"
    r"|hospitali[sz]ations?|visits?|sessions?|fractures?|falls?|levels?|results?|readings?"
    r"|values?|measurements?|flares?|bursts?|courses?|injections?)\b",
    re.I,
)
# "tried two other medicines", "two formulary alternatives": a number of drugs, said bare
_DRUG_COUNT = re.compile(
    r"\b(one|two|three|four|five|\d)\s+(?:[\w-]+\s+){0,2}?(?:medicines|medications|drugs"
    r"|agents|alternatives|products)\b",
    re.I,
)
# "at least every 90 days", "once every 12 months": a recurrence, at least once in the period
_RECURS = re.compile(
    r"\b(?:at least |no less often than )?(?:once )?every (\d+|one|two|three|four|six|twelve)"
    r"[- ](days?|weeks?|months?|years?)\b",
    re.I,
)
_NEGATIVE_ASK = re.compile(
    r"\b(?:has no|have no|no signs?|without signs|not be used|will not be|absence of)\b", re.I
)


def _hits(lex: Any, text: str) -> list[str]:
    return lex().concepts_in(text)


def _results(text: str) -> list[Result]:
    low = text.lower()
    if re.search(
        r"did not answer|did not show|did not capture|nondiagnostic|non-diagnostic|unrevealing"
        r"|inconclusive|technically inadequate|not show the cause",
        low,
    ):
        return [Result.NONDIAGNOSTIC]
    if re.search(r"\bshows? no\b|\bno evidence of\b|\bnegative\b", low):
        return [Result.NEGATIVE]
    if re.search(r"\bnormal\b", low):
        return [Result.NORMAL]
    if re.search(r"\bpositive\b", low):
        return [Result.POSITIVE]
    if re.search(r"\b(?:shows?|showing|confirms?|demonstrat\w+|reveals?)\b", low):
        return [Result.POSITIVE]
    return []


def _stops(text: str) -> tuple[list[StopReason], list[StopReason]]:
    """(ends of a trial the criterion accepts, ends that waive its duration)."""
    accepted = []
    if _FAILURE.search(text):  # an outcome is required; intolerance may stand in for failure
        accepted.append(StopReason.FAILURE)
    if _INTOLERANCE.search(text) and (accepted or not _UNLESS.search(text)):
        accepted.append(StopReason.INTOLERANCE)
    if _CONTRA.search(text) and (accepted or not _UNLESS.search(text)):
        accepted.append(StopReason.CONTRAINDICATION)
    excuses = []
    lasting = re.search(r"\bat least \w+ (?:days?|weeks?|months?|years?)", text, re.I)
    m = _UNLESS.search(text) or lasting
    if m:
        tail = text[m.end() :]
        excuses = [
            r
            for r, p in (
                (StopReason.INTOLERANCE, _INTOLERANCE),
                (StopReason.CONTRAINDICATION, _CONTRA),
            )
            if p.search(tail)
        ]
        if (
            re.search(r"stopped (?:earlier|sooner)|side effects", tail, re.I)
            and StopReason.INTOLERANCE not in excuses
        ):
            excuses.append(StopReason.INTOLERANCE)
    return accepted, excuses


def _concepts(text: str, *cats: str) -> list[str]:
    """Concepts a text names; a general one is dropped when a specific one names it too
    ("fracture" beside "fragility fracture")."""
    found = [c for c in clinical().concepts_in(text) if not cats or category(c) in cats]
    return [c for c in found if not any(o != c and c in o.split() for o in found)]


def _measure_near(text: str, start: int, end: int) -> str:
    """The measure named next to a number: the nearest before it in its clause, else after."""
    hits = [h for h in clinical().find(text) if any(category(c) == "measures" for c in h.concepts)]
    sentence = max(text.rfind(". ", 0, start), text.rfind("; ", 0, start)) + 1
    before = [h for h in hits if sentence <= h.start and h.end <= start]
    if before:  # the measure a sentence leads with ("calcium, corrected for albumin, ... 8.5")
        return next(c for c in sorted(before[0].concepts) if category(c) == "measures")
    after = [h for h in hits if h.start > start and len(text[start : h.start].split()) <= 4]
    return (
        next((c for c in sorted(after[0].concepts) if category(c) == "measures"), "")
        if after
        else ""
    )


def read_leaf(rid: str, text: str, context: str = "") -> Requirement:
    """A requirement without parts, typed from its words (`context`: its parent's words)."""
    base: dict[str, Any] = {"id": rid, "text": text.strip(), "window": phrasing.window(text)}
    return (
        by_role(base, text)
        or _by_drugs(base, text, context)
        or _by_findings(base, text, context, phrasing.comparison(text))
    )


def _by_drugs(base: dict[str, Any], text: str, context: str) -> Requirement | None:
    """An absence asked for, a drug list, a drug trial, or a count of events."""
    counted, events = phrasing.count(text), _EVENTS.search(text)
    compared = phrasing.comparison(text)
    # "Eptinezumab is approved only after ... one CGRP antibody": the drug the criterion is
    # about is not one of the drugs it asks to have been tried first.
    tried = re.sub(
        r"^.{0,80}?\b(?:is|are)\s+(?:approved|covered|indicated)\b", "", text, flags=re.I | re.S
    )
    drugs = list(dict.fromkeys([*_hits(class_names, tried), *_hits(drug_names, tried)]))
    if _NEGATIVE_ASK.search(text) or "investigational use" in _concepts(text):
        terms = _concepts(text) or drugs
        return Requirement(kind=K.TEXT, subject=text.strip(), terms=terms, negative=True, **base)
    if _FORMULARY.search(text):
        # A drug-list denial is answered by the alternatives tried first and how they ended.
        ends = [StopReason.FAILURE, StopReason.INTOLERANCE, StopReason.CONTRAINDICATION]
        return Requirement(
            kind=K.DRUG_TRIAL, subject="formulary alternatives", count=1, stop_reasons=ends,
            excuses=ends[1:], **base,
        )  # fmt: skip
    prescribed = phrasing.strength(text)
    if drugs and prescribed and not phrasing.dose(text):
        # the strength a drug must be prescribed in: a value read beside the drug's name
        return Requirement(
            kind=K.MEASUREMENT, subject=drugs[0], terms=drugs, threshold=prescribed, **base
        )
    medicines = re.search(r"\b(?:medicines?|medications?|drugs?|agents?)\b", text, re.I)
    trial = _TRIAL.search(text) and (drugs or medicines)
    if trial and not (events and counted and not drugs):
        return _drug_trial(base, text, drugs)
    recurring = _RECURS.search(text)
    if recurring and _concepts(text) and not drugs:
        # "renewed at least every 90 days": once at least in the last 90 days
        value = phrasing.number(recurring.group(1)) or 1
        unit = phrasing.TIME_UNITS[recurring.group(2).lower()]
        terms = _concepts(text)
        return Requirement(
            kind=K.EVENT_COUNT, count=1, subject=", ".join(terms), terms=terms,
            **{**base, "window": Window(value=value, unit=unit)},
        )  # fmt: skip
    measured = bool(compared and compared[0].unit and _measure_near(text, compared[1], compared[2]))
    countable = counted and (counted[0] > 1 or counted[1] is not Op.GE or base["window"])
    # the thing counted follows its number ("two or more asthma exacerbations"); "at least one
    # analgesic ... a course of therapy" counts no events
    countable = countable and bool(_COUNTED.search(text))
    if countable and events and not measured and not _concepts(text[: events.start()], "tests"):
        assert counted is not None
        return _event_count(base, text, context, counted, compared)
    return None


def _event_count(
    base: dict[str, Any], text: str, context: str, counted: tuple[int, Op], compared: Any
) -> Requirement:
    n, op = counted
    if (
        re.search(
            r"\b(?:counting|including) the (?:\w+ )?(?:requested|request|one requested"
            r"|session requested)",
            text,
            re.I,
        )
        and op is Op.LE
    ):
        n -= 1  # the requested one is among those counted
    subject = (
        _concepts(text, "conditions")
        or _concepts(text, "symptoms", "therapies")
        or _concepts(context, "conditions")
        or _concepts(context, "symptoms", "therapies")
    )
    measure = _measure_near(text, compared[1], compared[2]) if compared else ""
    threshold = compared[0] if compared and measure else None  # "at least 7 episodes" is a count
    return Requirement(
        before_time=phrasing.before_time(text) if measure else None,
        kind=K.EVENT_COUNT,
        count=n,
        count_op=op,
        subject=measure or ", ".join(subject),
        terms=[measure] if measure else subject,
        threshold=threshold,
        **base,
    )


def _drug_trial(base: dict[str, Any], text: str, drugs: list[str]) -> Requirement:
    accepted, excuses = _stops(text)
    counted = phrasing.count(
        re.sub(r"\bat least \d+ (?:weeks?|months?|days?)", "", text, flags=re.I)
    )
    bare = _DRUG_COUNT.search(text)
    if counted is None and bare and phrasing.number(bare.group(1)):
        counted = (phrasing.number(bare.group(1)) or 1, Op.GE)  # "tried two other medicines"
    classes = re.search(
        r"\b(?:from|in|of)\s+(?:at least\s+)?(\w+)\s+(?:different\s+)?(?:drug\s+)?classes",
        text,
        re.I,
    )
    return Requirement(
        kind=K.DRUG_TRIAL,
        subject=", ".join(drugs),
        terms=drugs,
        threshold=phrasing.duration(text),
        count=counted[0] if counted else 1,
        classes=phrasing.number(classes.group(1)) if classes else None,
        stop_reasons=accepted,
        excuses=excuses,
        dose=phrasing.dose(text),
        **base,
    )


def _by_findings(base: dict[str, Any], text: str, context: str, compared: Any) -> Requirement:
    measure = _measure_near(text, compared[1], compared[2]) if compared else ""
    therapies = _concepts(text, "therapies")
    tests = _concepts(text, "tests")
    lasting = phrasing.duration(text)
    if compared and measure:
        return Requirement(
            kind=K.MEASUREMENT, subject=measure, terms=[measure], threshold=compared[0], **base
        )
    if lasting and (therapies or tests or not compared):
        accepted, _ = _stops(text)
        subject = therapies or tests or _concepts(text, "conditions", "symptoms")
        return Requirement(
            kind=K.DURATION,
            subject=", ".join(subject),
            terms=subject,
            threshold=lasting,
            results=_results(text) if tests else [],
            stop_reasons=accepted,
            **base,
        )
    if tests and (_results(text) or _DONE.search(text)):
        return Requirement(
            kind=K.TEST_RESULT,
            subject=", ".join(tests),
            terms=tests,
            results=_results(text),
            **base,
        )
    monthly = phrasing.monthly_days(text)
    felt = _felt_before(text, monthly[1]) if monthly else []
    if monthly and felt:
        # "headaches on 15 or more days a month": a count of days a month, read from the chart
        return Requirement(
            kind=K.MEASUREMENT, subject=felt[0], terms=felt[:1], threshold=monthly[0], **base
        )
    # A value of something the vocabulary cannot name ("a drop in airflow of at least 30
    # percent") cannot be looked up as a reading: it is judged as text, by meaning.
    conditions = _concepts(text, "conditions")
    codes = [c for c in re.findall(r"\b[A-TV-Z]\d{2}(?:\.\d{1,4})?\b", text) if is_valid_icd10(c)]
    # "symptoms that may come from an arrhythmia" asks for symptoms, not the diagnosis
    about_signs = re.search(r"\b(?:symptoms?|signs?)\b", text, re.I) and not _DX_CUE.search(text)
    if not about_signs and (
        (conditions and _DX_CUE.search(text))
        or codes
        or (conditions and not _concepts(text, "symptoms", "therapies"))
    ):
        return Requirement(
            kind=K.DIAGNOSIS, subject=", ".join(conditions), terms=conditions, codes=codes, **base
        )
    # A listed item ("c. Prevents completion within a reasonable time") means what its lead-in
    # says of it: the lead-in is part of what a chart sentence must match.
    lead = context.strip() if context.strip().endswith(":") and context.strip() not in text else ""
    return Requirement(
        kind=K.TEXT,
        subject=f"{lead} {text.strip()}".strip(),
        terms=_text_terms(text) or _text_terms(context),
        negative=bool(_NEGATIVE_ASK.search(text)),
        **base,
    )


def _felt_before(text: str, at: int) -> list[str]:
    """The symptom or condition named last before a position ("headaches on 15 or more days")."""
    hits = [
        h
        for h in clinical().find(text[:at])
        if any(category(c) in ("symptoms", "conditions") for c in h.concepts)
    ]
    return sorted(hits[-1].concepts)[:1] if hits else []


def _text_terms(text: str) -> list[str]:
    """What a text requirement names; a reason word ("because") counts only when nothing else
    is named, since then the requirement is itself a request for the reason."""
    found = _concepts(text)
    named = [c for c in found if category(c) != "reasons"]
    asks_why = re.search(r"\b(?:why|reason|rationale)\b", text, re.I)
    return named or (found if asks_why else [])


def read_measure(rid: str, item: str, whole: str, drug: bool) -> Requirement:
    """One measure of a listed conservative treatment, as its own course: a drug or drug class
    as a drug trial, anything else as a therapy kept up. How long and how it must have ended
    are the whole criterion's ("when treatment has not helped")."""
    base: dict[str, Any] = {"id": rid, "text": item.strip(), "window": phrasing.window(whole)}
    accepted, excuses = _stops(whole)
    if drug:
        drugs = list(dict.fromkeys([*_hits(class_names, item), *_hits(drug_names, item)]))
        return Requirement(
            kind=K.DRUG_TRIAL, subject=item.strip(), terms=drugs, count=1,
            threshold=phrasing.duration(whole), stop_reasons=accepted, excuses=excuses,
            dose=phrasing.dose(item), **base,
        )  # fmt: skip
    return Requirement(
        kind=K.DURATION, subject=item.strip(), terms=_concepts(item, "therapies"),
        threshold=phrasing.duration(whole), stop_reasons=accepted, **base,
    )  # fmt: skip
