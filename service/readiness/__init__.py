"""Readiness check: per policy criterion for this payer and code, met (with the chart facts)
or not documented (with what would document it), plus the coding and documentation flags.

Each row carries the criterion's evaluation (met, not met, not documented). It is the same
evidence map the letter is written from, so what the check says is met is
exactly what the letter claims, and what it says is missing is what holds the letter.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from service.evidence.applicability import Applicable, applicable
from service.evidence.match import build_evidence_map
from service.models import (
    ChartFact,
    CriterionReadiness,
    EvidenceMap,
    EvidenceStatus,
    FactRef,
    NecessityCase,
    PolicyPassage,
    ReadinessReport,
    ReadinessStatus,
    Verdict,
)
from service.policies.criteria import criterion_text, prerequisites
from service.readiness.conflicts import request_conflicts
from service.readiness.flags import conservative_flag, diagnosis_flags


@dataclass
class Assessment:
    case: NecessityCase
    policy: list[PolicyPassage]  # the governing policy's criteria, as retrieved (for grounding)
    scope: Applicable
    evidence: EvidenceMap  # applicable criteria only
    readiness: ReadinessReport


_ALTERNATIVE_MET = (
    "Not required: the policy accepts any one of these criteria, and another one is met."
)


def _other_codes(p: PolicyPassage, codes: set[str]) -> str | None:
    named = set(re.findall(r"(?<![\w.])(?:\d{5}|[A-V]\d{4})(?![\w.])", criterion_text(p)))
    if named and codes and not named & codes:
        return "Does not apply to the requested code: it governs " + ", ".join(sorted(named))
    return None


def _fact_refs(ids: Sequence[str], facts: dict[str, ChartFact]) -> list[FactRef]:
    return [
        FactRef(id=f.id, text=f.text, date=f.date, source=f.source)
        for f in (facts[i] for i in ids if i in facts)
    ]


def _rows(
    policy: list[PolicyPassage],
    scope: Applicable,
    evidence: EvidenceMap,
    facts: dict[str, ChartFact],
) -> list[CriterionReadiness]:
    links = {link.criterion.id: link for link in evidence.links}
    codes = set(scope.codes)
    narrowed = {p.id: p for p in scope.passages}
    rows = []
    for p in policy:
        base: dict[str, Any] = dict(
            id=p.id,
            policy_id=p.policy_id,
            section=p.section,
            text=criterion_text(narrowed.get(p.id, p)),
        )
        link = links.get(p.id)
        if link is None:
            # Not skipped by a rule: dropped because an alternative criterion of its group is met.
            reason = scope.skipped.get(p.id) or _other_codes(p, codes) or _ALTERNATIVE_MET
            rows.append(
                CriterionReadiness(**base, status=ReadinessStatus.NOT_APPLICABLE, reason=reason)
            )
        elif link.status is EvidenceStatus.MET:
            rows.append(
                CriterionReadiness(
                    **base,
                    status=ReadinessStatus.MET,
                    facts=_fact_refs(link.fact_ids, facts),
                    evaluation=link.evaluation,
                )
            )
        else:
            contradicted = (
                link.evaluation is not None and link.evaluation.verdict is Verdict.NOT_MET
            )
            rows.append(
                CriterionReadiness(
                    **base,
                    status=ReadinessStatus.NOT_MET
                    if contradicted
                    else ReadinessStatus.NOT_DOCUMENTED,
                    facts=_fact_refs(link.fact_ids, facts),
                    need=link.need,
                    evaluation=link.evaluation,
                )
            )
    return rows


def assess(
    case: NecessityCase,
    policy: list[PolicyPassage],
    note: str = "",
    today: dt.date | None = None,
) -> Assessment:
    """Match the applicable criteria of `policy` against the chart and flag coding problems."""
    # A prerequisite the lead-in states outside the numbered list is a criterion too.
    policy = [*policy, *prerequisites(policy)]
    scope = applicable(policy, case)
    # a request has no date of service yet: its windows end on the letter's date
    evidence = build_evidence_map(
        case.denial,
        case.chart,
        scope.passages,
        today=today,
        purpose=case.request.purpose.value,
    )
    facts = {f.id: f for f in case.chart.facts}
    rows = _rows(policy, scope, evidence, facts)
    flags = [*diagnosis_flags(case.denial.diagnosis_codes, case.chart), *request_conflicts(case)]
    if (flag := conservative_flag(evidence.links)) is not None:
        flags.append(flag)
    held = (ReadinessStatus.NOT_DOCUMENTED, ReadinessStatus.NOT_MET)
    undocumented = [r.id for r in rows if r.status in held]
    not_met = [r.id for r in rows if r.status is ReadinessStatus.NOT_MET]
    readiness = ReadinessReport(
        ready=bool(policy) and not undocumented and not flags,
        payer_id=case.payer_id,
        policy_id=policy[0].policy_id if policy else None,
        policy_title=policy[0].title if policy else None,
        letter_kind=case.kind,
        criteria=rows,
        undocumented=undocumented,
        not_met=not_met,
        flags=flags,
        note=note,
    )
    return Assessment(case=case, policy=policy, scope=scope, evidence=evidence, readiness=readiness)
