"""Criteria metrics of one result: are its criteria decided as the case expects, does a released
letter rest on any criterion that is not met, and how many criteria do its points answer.

A case says what it expects of its criteria in several ways, all read here as expected verdicts
(met, or a gap): the stated criteria a point must answer (met), the gaps it must report, the
criteria a letter of medical necessity must find undocumented (and, when that list is given,
every other applicable criterion met), and, for an appeal expected released, every stated
criterion met.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from service.evals.cases import EvalCase
from service.models import AppealResult, CriterionSource, DraftStatus, EvidenceLink, Verdict

_VERSION = re.compile(r"@v\d+(?=#)")


def _met(link: EvidenceLink) -> bool:
    return link.evaluation is not None and link.evaluation.verdict is Verdict.MET


def _verdict(link: EvidenceLink) -> str:
    return link.evaluation.verdict.value if link.evaluation is not None else "not judged"


def _same(token: str, criterion_id: str) -> bool:
    return token == criterion_id or _VERSION.sub("", token) == _VERSION.sub("", criterion_id)


def expected(
    case: EvalCase, result: AppealResult, resolve: Callable[[str, AppealResult], set[str]]
) -> dict[str, bool]:
    """Criterion id -> expected met (True) or a gap (False), from the case's expectations."""
    exp, links = case.expect, result.evidence.links
    out: dict[str, bool] = {}
    if case.kind == "necessity" and exp.undocumented is not None:
        gaps = {
            lk.criterion.id for t in exp.undocumented for lk in links if _same(t, lk.criterion.id)
        }
        out.update({lk.criterion.id: lk.criterion.id not in gaps for lk in links})
    if case.kind != "necessity" and exp.status == "released":
        out.update(
            {lk.criterion.id: True for lk in links if lk.criterion.source is CriterionSource.DENIAL}
        )
    for token in exp.criteria:
        out.update({cid: True for cid in resolve(token, result)})
    for token in exp.gaps:
        out.update({cid: False for cid in resolve(token, result)})
    return out


def _stated(case: EvalCase, result: AppealResult) -> list[EvidenceLink]:
    """The criteria the letter must answer: the denial's, or the applicable policy's (LMN)."""
    if case.kind == "necessity":
        return list(result.evidence.links)
    return [lk for lk in result.evidence.links if lk.criterion.source is CriterionSource.DENIAL]


def released_unmet(case: EvalCase, result: AppealResult, want: dict[str, bool]) -> list[str]:
    """Why a released letter rests on a criterion that is not met ([] when it does not)."""
    if result.status is not DraftStatus.RELEASED:
        return []
    answered = {p.answers for p in result.points}
    why = [f"{lk.criterion.id}: released, not met" for lk in _stated(case, result) if not _met(lk)]
    why += [
        f"{lk.criterion.id}: the chart contradicts it"
        for lk in result.evidence.links
        if lk.evaluation is not None and lk.evaluation.verdict is Verdict.NOT_MET
    ]
    why += [f"{cid}: released, expected not met" for cid, ok in want.items() if not ok]
    why += [
        f"{lk.criterion.id}: released, no point answers it"
        for lk in _stated(case, result)
        if lk.criterion.id not in answered and case.kind != "necessity"
    ]
    return list(dict.fromkeys(why))


Resolve = Callable[[str, AppealResult], set[str]]
Put = Callable[[str, float | None, Sequence[str]], None]


def score(case: EvalCase, result: AppealResult, resolve: Resolve, put: Put) -> None:
    """Put verdict_accuracy, released_unmet and criteria_answered for one result."""
    want = expected(case, result, resolve)
    links = {lk.criterion.id: lk for lk in result.evidence.links}
    judged = {cid: ok for cid, ok in want.items() if cid in links}
    misses = [
        f"{cid}: {_verdict(links[cid])}, expected {'met' if ok else 'a gap'}"
        for cid, ok in judged.items()
        if _met(links[cid]) is not ok
    ]
    if judged:
        put("verdict_accuracy", (len(judged) - len(misses)) / len(judged), misses)
    unmet = released_unmet(case, result, want)
    put("released_unmet", float(bool(unmet)), unmet)
    answered = {p.answers for p in result.points}
    put(
        "criteria_answered",
        float(sum(lk.criterion.id in answered for lk in _stated(case, result))),
        [],
    )
