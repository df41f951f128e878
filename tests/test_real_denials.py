"""The five real denial letters in ../shared/data, end to end through the offline pipeline.

With a chart the team wrote (evals/cases/real/), the letter triage calls for is released and
answers every criterion the payer stated; with no chart it is held and the report names each
missing element."""

from __future__ import annotations

import json

import pytest
from support import REPO, TODAY, FakeRetriever, denial_letter

from service.config import Settings
from service.models import CitationKind
from service.pipelines.appeal import draft_appeal

REAL = REPO / "evals" / "cases" / "real"
CORRECTIONS = json.loads((REAL / "corrections.json").read_text(encoding="utf-8"))
LETTERS = {
    # name: (letter type, a phrase the letter must carry from the denial)
    "jawjoint-mri": ("appeal", "Imaging of the Head and Neck"),
    "adenomyosis": ("appeal", "72197"),
    "lidocane": ("appeal", "LIDOCAINE 5% PATCH"),
    "lupron_cancer": ("appeal", "CV966757"),
    "migrane_generic_drug": ("exception_request", "BUT/APAP/CAF TAB"),
}


def _draft(name: str, chart: str | None, tmp_path):
    settings = Settings(today=TODAY, data_dir=str(tmp_path))
    denial = denial_letter(name)
    return draft_appeal(
        denial,
        chart,
        settings=settings,
        retriever=FakeRetriever([]),
        corrections=CORRECTIONS.get(name),
    )


# The Lupron letter's stated criterion allows only the 3.75 mg strength; the team's chart
# prescribes 11.25 mg (with the oncologist's reasons). The criterion is not met, so the appeal
# cannot argue it is: it is held, and the report names the criterion and the comparison.
NOT_MET = {"lupron_cancer"}


def test_a_stated_criterion_the_chart_contradicts_holds_the_letter(tmp_path):
    chart = (REAL / "lupron_cancer.chart.txt").read_text(encoding="utf-8")
    result = _draft("lupron_cancer", chart, tmp_path)
    assert result.status.value == "held"
    [problem] = [p for p in result.report.problems if p.code == "stated_criterion_not_met"]
    assert "3.75 mg" in problem.message and "11.25 mg" in problem.message
    assert not result.points


@pytest.mark.parametrize("name", sorted(set(LETTERS) - NOT_MET))
def test_with_the_teams_chart_the_letter_is_released(name, tmp_path):
    chart = (REAL / f"{name}.chart.txt").read_text(encoding="utf-8")
    result = _draft(name, chart, tmp_path)
    letter_type, phrase = LETTERS[name]
    assert result.status.value == "released", result.report.problems
    assert result.letter_type == letter_type
    stated = {sc.id for sc in result.denial.stated_criteria}
    assert stated, "each real letter states at least one criterion"
    assert stated <= {p.answers for p in result.points}
    assert phrase in result.text
    # the payer's guideline is not in our index: every point cites the denial itself
    assert all(c.kind is CitationKind.DENIAL for p in result.points for c in p.citations)
    assert "[" not in result.text


@pytest.mark.parametrize("name", sorted(LETTERS))
def test_with_no_chart_the_letter_is_held_naming_each_missing_element(name, tmp_path):
    result = _draft(name, None, tmp_path)
    assert result.status.value == "held"
    wheres = {p.where for p in result.report.problems if p.severity == "error"}
    for sc in result.denial.stated_criteria:
        assert f"criteria.{sc.id}" in wheres
    assert {"signer.name", "signer.npi"} <= wheres
    assert "identifiers.Patient" in wheres
    assert not result.points
