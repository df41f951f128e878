"""The criteria gate, read from the evaluations (the evidence map's links), never from the prose.

- A point claims its criterion met only when that criterion's evaluation is MET, and it rests on
  the evaluation's own decisive facts.
- A point that asks for individual consideration (it claims nothing met) answers only a stated
  criterion the chart is silent on, in a denial whose category allows it; never one the chart
  contradicts.
- Every stated criterion has a point; one the chart does not meet or document holds the letter,
  named in the payer's words with the comparison or what would document it.
- A policy criterion the chart contradicts holds an appeal too; one it is silent on is reported
  (a letter of medical necessity makes that an error as well: service/validate/necessity.py).
- A requirement the denial states that no judged criterion accounts for holds the letter: the
  reader missed it, so nothing above could see it (intake/requirement_text.py).
"""

from __future__ import annotations

from collections.abc import Iterator

from service.drafting.points import authority, fact_map, open_to_consideration
from service.intake.requirement_text import unaccounted
from service.models import (
    Chart,
    Claim,
    CriterionSource,
    Denial,
    Evaluation,
    EvidenceLink,
    EvidenceMap,
    LetterDraft,
    Point,
    Problem,
    RequirementKind,
    Triage,
    Verdict,
)
from service.render import phrase

CHECKS = ["claims", "evidence", "criteria"]


def _problem(code: str, where: str, message: str, severity: str = "error") -> Problem:
    return Problem(code=code, where=where, message=message, severity=severity)


def _nodes(e: Evaluation) -> Iterator[Evaluation]:
    yield e
    for child in e.children:
        yield from _nodes(child)


def decided_without_facts(e: Evaluation) -> bool:
    """A met evaluation a value decides rather than a chart sentence: an age from the date of
    birth, a prescriber from the chart's own provider."""
    return e.verdict is Verdict.MET and not e.fact_ids


def _claim(i: int, p: Point, link: EvidenceLink, triage: Triage) -> list[Problem]:
    where = f"points[{i}]"
    e = link.evaluation
    if p.claim is Claim.CONSIDERATION:
        if open_to_consideration(link, triage):
            return []
        return [
            _problem(
                "consideration_not_allowed",
                where,
                phrase("report", "consideration_not_allowed", number=p.number, answers=p.answers),
            )
        ]
    if e is None or e.verdict is not Verdict.MET:
        return [
            _problem(
                "claims_gap",
                where,
                phrase("report", "claims_gap", number=p.number, criterion=link.criterion.text),
            )
        ]
    return []


def _evidence(i: int, p: Point, link: EvidenceLink, chart: Chart) -> list[Problem]:
    """A met point cites its evaluation's decisive facts and only those; a consideration point
    cites chart facts."""
    where = f"points[{i}]"
    known = {f.id for f in chart.facts}
    decisive = set(link.fact_ids)
    e = link.evaluation
    if p.claim is Claim.CONSIDERATION or e is None:
        ok = bool(p.chart_facts) and set(p.chart_facts) <= known
    elif decisive:
        ok = bool(p.chart_facts) and set(p.chart_facts) <= decisive
    else:
        ok = decided_without_facts(e) and not p.chart_facts
    if ok:
        return []
    return [
        _problem(
            "missing_evidence",
            where,
            phrase("report", "missing_evidence", number=p.number, decisive=sorted(decisive)),
        )
    ]


def check_points(
    letter: LetterDraft, evidence: EvidenceMap, chart: Chart, triage: Triage
) -> list[Problem]:
    """Each point answers a criterion of this case, claims it met only when its evaluation is
    MET, and rests on that evaluation's decisive facts."""
    links = {link.criterion.id: link for link in evidence.links}
    problems = []
    for i, p in enumerate(letter.points):
        link = links.get(p.answers)
        if link is None:
            problems.append(
                _problem(
                    "unknown_criterion",
                    f"points[{i}]",
                    phrase("report", "unknown_criterion", number=p.number, answers=p.answers),
                )
            )
            continue
        problems += _claim(i, p, link, triage) + _evidence(i, p, link, chart)
    return problems


def held(link: EvidenceLink, denial: Denial, chart: Chart) -> str:
    """A criterion the chart does not meet, in the payer's words, with the comparison that
    decided it or what would document it."""
    e = link.evaluation
    if e is None:
        return phrase("report", "undocumented", criterion=link.criterion.text, need=link.need)
    return phrase(
        "criteria",
        "held",
        criterion=link.criterion.text,
        e=e,
        facts=fact_map(chart.facts),
        source=authority(link, denial),
    )


def _code(link: EvidenceLink) -> str:
    stated = "stated" if link.criterion.source is CriterionSource.DENIAL else "policy"
    e = link.evaluation
    met = "not_met" if e is not None and e.verdict is Verdict.NOT_MET else "not_documented"
    return f"{stated}_criterion_{met}"


def check_criteria(
    letter: LetterDraft, evidence: EvidenceMap, denial: Denial, chart: Chart
) -> list[Problem]:
    """Every stated criterion answered by a point; every criterion the chart does not meet
    named, in the payer's words, with what would document it."""
    answered = {p.answers for p in letter.points}
    problems = []
    for link in evidence.links:
        crit = link.criterion
        stated = crit.source is CriterionSource.DENIAL
        met = link.evaluation is not None and link.evaluation.verdict is Verdict.MET
        if met or (stated and crit.id in answered):
            if stated and crit.id not in answered:
                problems.append(
                    _problem(
                        "unanswered_criterion",
                        "points",
                        phrase("report", "unanswered", criterion=crit.text),
                    )
                )
            continue
        code = _code(link)
        # a policy criterion the chart is silent on is the payer's to raise; one it contradicts
        # would sink the appeal, so it holds the letter
        severity = "warning" if code == "policy_criterion_not_documented" else "error"
        problems.append(
            _problem(code, f"criteria.{crit.id}", held(link, denial, chart), severity=severity)
        )
    return problems + check_unread(evidence, denial)


def check_unread(evidence: EvidenceMap, denial: Denial) -> list[Problem]:
    """Each requirement the denial states that the judged criteria do not account for."""
    # a policy criterion judged in its place accounts for a stated line as well
    judged = [lk.criterion.text for lk in evidence.links]
    # a stated line the matcher reads as a reason code (CARC) was read, though not judged
    judged += [sc.text for sc in denial.stated_criteria]
    return [
        _problem(
            "stated_requirement_unread",
            "denial.stated_criteria",
            phrase("report", "unread", requirement=text),
        )
        for text in unaccounted(denial.source_text, judged)
    ]


def age_points(letter: LetterDraft, evidence: EvidenceMap) -> set[str]:
    """Where a point restates an age decided from the date of birth (it may print the date)."""
    links = {link.criterion.id: link for link in evidence.links}
    out = set()
    for i, p in enumerate(letter.points):
        link = links.get(p.answers)
        if link is None or link.evaluation is None:
            continue
        if any(
            n.kind is RequirementKind.AGE and n.comparison and n.comparison.born
            for n in _nodes(link.evaluation)
        ):
            out.add(f"points[{i}].text")
    return out
