"""Request-versus-chart conflicts: a letter must ask for what the chart orders.

A request for twice the dose the chart prescribes, or for the right knee when every note is
about the left, would be signed by a provider whose own record contradicts it. Each conflict is
a readiness flag naming the request field that disagrees (never the values: they may identify
the patient's treatment), so the letter is held until the request or the order is corrected.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from service.evidence.concepts import is_negated
from service.evidence.match import requested_side
from service.models import ChartFact, Flag, LetterKind, NecessityCase

CODE = "request_contradicts_chart"
_NUMBER = {"one": 1, "two": 2, "three": 3, "four": 4, "six": 6, "other": 2}
_N = r"(\d+|one|two|three|four|six|other)"
# Each pattern gives doses per week; the first that matches a text decides it.
_FREQUENCIES: list[tuple[re.Pattern[str], float | None]] = [
    (re.compile(r"\btwice (?:a |per )?week|\btwice weekly\b"), 2.0),
    (re.compile(rf"\b{_N} (?:visits?|times|sessions|doses) (?:a|per|each) week\b"), None),
    (re.compile(r"\b(?:once (?:a |per )?week|once weekly|weekly|every week)\b"), 1.0),
    (re.compile(rf"\bevery {_N} weeks?\b"), -1.0),  # per N weeks
    (re.compile(rf"\bevery {_N} months?\b"), -4.345),  # per N months
    (re.compile(r"\b(?:monthly|once a month|every month)\b"), 1 / 4.345),
    (re.compile(r"\b(?:twice daily|twice a day|bid)\b"), 14.0),
    (re.compile(r"\b(?:three times daily|three times a day|tid)\b"), 21.0),
    (re.compile(r"\b(?:once daily|daily|every day|once a day|nightly)\b"), 7.0),
]
_MG = re.compile(r"(\d+(?:\.\d+)?)\s*mg\b")


def _count(token: str) -> float:
    return float(_NUMBER.get(token, token))


def per_week(text: str) -> float | None:
    """How many doses or visits a week a frequency phrase means; None when it states none."""
    low = text.lower()
    for pattern, rate in _FREQUENCIES:
        m = pattern.search(low)
        if not m:
            continue
        if rate is None:
            return _count(m.group(1))
        if rate < 0:  # "every N weeks/months": once per N periods of -rate weeks
            return 1 / (_count(m.group(1)) * -rate)
        return rate
    return None


def _segment(fact: ChartFact, name: str) -> str | None:
    """The clause of a fact that starts at the requested drug or code, up to ';' or '.'."""
    m = re.search(rf"(?<![a-z0-9]){re.escape(name)}(?![a-z0-9])", fact.text.lower())
    if not m:
        return None
    return re.split(r"[;]|\.(?!\d)", fact.text.lower()[m.start() :], maxsplit=1)[0]


def _order_clauses(case: NecessityCase) -> list[str]:
    """The chart's clauses about the requested drug (by name) or service (by code)."""
    svc = case.request.service
    names = [(case.denial.service_lines[0].code or "").lower()]
    if case.kind is LetterKind.DRUG and svc.description.strip():
        names.insert(0, re.split(r"[\s,]", svc.description.strip().lower(), maxsplit=1)[0])
    usable = [f for f in case.chart.facts if not is_negated(f)]
    # The latest order decides: earlier notes may record a dose since changed.
    usable.sort(key=lambda f: (f.date is not None, f.date), reverse=True)
    out = []
    for f in usable:
        for name in names:
            seg = _segment(f, name)
            if seg:
                out.append(seg)
                break
    return out


def _flag(field: str, what: str) -> Flag:
    return Flag(
        code=CODE,
        where=field,
        message=(
            f"The requested {what} differs from the {what} the chart's order records; correct the "
            "request or document the changed order before the letter is sent."
        ),
    )


def _dose_flags(case: NecessityCase, clauses: Sequence[str]) -> list[Flag]:
    svc, flags = case.request.service, []
    asked_rate = per_week(svc.frequency or "")
    rates = [r for c in clauses if (r := per_week(c)) is not None]
    if asked_rate is not None and rates and abs(rates[0] - asked_rate) > 1e-6:
        flags.append(_flag("service.frequency", "frequency"))
    asked_mg = _MG.search((svc.quantity or "").lower())
    doses = [float(m.group(1)) for c in clauses if (m := _MG.search(c))]
    if case.kind is LetterKind.DRUG and asked_mg and doses and float(asked_mg.group(1)) != doses[0]:
        flags.append(_flag("service.quantity", "dose"))
    return flags


def _side_flags(case: NecessityCase) -> list[Flag]:
    side = requested_side(case.denial)
    if side is None:
        return []
    other = "left" if side == "right" else "right"
    texts = [f.text.lower() for f in case.chart.facts]
    names_side = any(re.search(rf"\b{side}\b", t) for t in texts)
    names_other = any(re.search(rf"\b{other}\b", t) for t in texts)
    if names_other and not names_side:
        return [_flag("diagnosis_codes", "side (laterality)")]
    return []


def request_conflicts(case: NecessityCase) -> list[Flag]:
    """Dose, frequency and laterality of the request that the chart's own order contradicts."""
    return [*_dose_flags(case, _order_clauses(case)), *_side_flags(case)]
