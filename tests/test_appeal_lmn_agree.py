"""Appeals and letters of medical necessity agree: the same criterion on the same chart gets the
same verdict, the same decisive facts and the same comparison in both letters, because both are
written from one evaluation. A payer policy with the loop-recorder criteria is loaded for the
letter of medical necessity; the appeal's denial states the same criteria."""

from __future__ import annotations

import pytest
from support import FakeRetriever
from test_loop_recorder import CHART, SHORT_MONITOR

from service.config import Settings
from service.models import CriterionSource, DraftStatus, NecessityRequest
from service.pipelines.appeal import draft_appeal
from service.pipelines.necessity import draft_necessity
from service.policies.corpus import load_policy

CRITERIA = [
    "The member is at least 40 years old.",
    "The member has had at least three episodes of unexplained syncope in the past 2 years.",
    "An ECG and an echocardiogram were nondiagnostic.",
    "An external event monitor was worn for at least 14 days and was nondiagnostic.",
]
POLICY = """---
policy_id: NW-TEST-ILR
payer: Northwind Health
payer_id: northwind
title: Implantable cardiac monitors (test policy)
effective_date: 2020-01-01
codes:
  cpt: ["33285"]
version: 1
---
# Implantable cardiac monitors

## Coverage criteria
Northwind Health covers an implantable loop recorder when all of the following are met:

{items}
"""
DENIAL = """Northwind Health
April 4, 2024
Member: Rosalind Teague   Member ID: NWH220588
Reference number: PA-24-70331   Requested date of service: 03/28/2024
Service: 33285 Insertion of subcutaneous cardiac rhythm monitor
Diagnosis: R55
This request for prior authorization is denied as not medically necessary.
{lines}
"""
SIGNER = {"name": "Marcus Ellery", "credentials": "MD", "npi": "1457392862", "phone": "555-0142"}


def _retriever(tmp_path) -> FakeRetriever:
    items = "\n".join(f"{n}. {c}" for n, c in enumerate(CRITERIA, start=1))
    path = tmp_path / "nw-test-ilr.md"
    path.write_text(POLICY.format(items=items), encoding="utf-8")
    return FakeRetriever(load_policy(path))


def _letters(chart: str, tmp_path):
    settings = Settings(today="2024-03-28", data_dir=str(tmp_path))
    retriever = _retriever(tmp_path)
    lines = "\n".join(f"The notes do not show that {c[0].lower()}{c[1:]}" for c in CRITERIA)
    appeal = draft_appeal(
        DENIAL.format(lines=lines),
        chart,
        settings=settings,
        retriever=retriever,
        llm_extract=False,
    )
    request = NecessityRequest.model_validate(
        {
            "patient": {"name": "Rosalind Teague", "member_id": "NWH220588",
                        "date_of_birth": "1980-02-11"},
            "payer": "Northwind Health",
            "plan_type": "commercial",
            "service": {"code": "33285", "description": "Implantable loop recorder insertion",
                        "quantity": "1", "frequency": "once", "duration": "60 days"},
            "diagnosis_codes": ["R55"],
            "chart": chart,
            "signer": SIGNER,
        }
    )  # fmt: skip
    return appeal, draft_necessity(request, settings=settings, retriever=retriever)


def _by_criterion(appeal, lmn):
    """(appeal evaluation, LMN evaluation) for each criterion, matched by its words."""
    stated = {lk.criterion.text: lk for lk in appeal.evidence.links}
    policy = {lk.evaluation.text: lk for lk in lmn.evidence.links if lk.evaluation}
    pairs = []
    for words in CRITERIA:
        mine = next(lk for text, lk in stated.items() if words[1:].rstrip(".") in text)
        theirs = next(lk for text, lk in policy.items() if words[1:].rstrip(".") in text)
        # the appeal answers it as its denial states it (or, where the denial reader missed
        # the line, as its policy does); the letter of medical necessity as the policy does
        assert theirs.criterion.source is CriterionSource.POLICY
        pairs.append((mine, theirs))
    return pairs


@pytest.mark.parametrize(("chart", "verdicts"), [
    (CHART, ["met", "met", "met", "met"]),
    (SHORT_MONITOR, ["met", "met", "met", "not_met"]),
])  # fmt: skip
def test_the_same_criterion_on_the_same_chart_gets_the_same_answer(chart, verdicts, tmp_path):
    appeal, lmn = _letters(chart, tmp_path)
    pairs = _by_criterion(appeal, lmn)
    for (mine, theirs), verdict in zip(pairs, verdicts, strict=True):
        a, b = mine.evaluation, theirs.evaluation
        assert a.verdict.value == b.verdict.value == verdict, (a.text, a.verdict, b.verdict)
        assert mine.fact_ids == theirs.fact_ids
        assert a.comparison == b.comparison
    released = all(v == "met" for v in verdicts)
    expected = DraftStatus.RELEASED if released else DraftStatus.HELD
    assert appeal.status is expected, appeal.report.problems
    assert lmn.status is expected, lmn.report.problems
    if not released:
        # both name the monitor criterion as not met; neither argues it
        codes = {p.code for p in appeal.report.problems} | {p.code for p in lmn.report.problems}
        assert {"stated_criterion_not_met", "policy_criterion_not_met"} <= codes
        for result in (appeal, lmn):
            answered = {p.answers for p in result.letter.points}
            assert mine.criterion.id not in answered and theirs.criterion.id not in answered
    else:
        # each letter restates the same comparison for the monitor in its point
        for result in (appeal, lmn):
            assert any(
                "30 days, nondiagnostic" in p.text and "at least 14 days" in p.text
                for p in result.letter.points
            )
