"""What a policy needs said about itself lives in the policy: front matter `plan_rules` and
`applies_to`, or a "Plan rule:"/"Benefit limit:" label. The evaluator then judges only the
criteria that bind the request, for appeals and letters of medical necessity alike."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from support import REPO
from test_letter import _denial

from service.errors import BadInput
from service.evidence.match import build_evidence_map
from service.evidence.scope import binding_text, why_not
from service.models import Chart, DiagnosisCode, ServiceLine
from service.policies.chroma_index import from_metadata, to_metadata
from service.policies.corpus import load_policy
from service.policies.criteria import criterion_text
from service.policies.declared import declarations

POLICY = """---
policy_id: TEST-PT-1
payer_id: northwind
title: Outpatient therapy (test)
effective_date: 2020-01-01
version: 1
plan_rules: [3, "4.b"]
applies_to:
  2: {diagnoses: [I63, I69], purposes: [continuation_of_care]}
---
# Outpatient therapy

## Coverage criteria
All of the following:

1. A licensed therapist wrote a plan of care with measurable goals.
2. After a stroke, the plan names the deficits the therapy treats.
3. The first 12 visits of a calendar year need no authorization.
4. Visits:
   a. Further visits need a progress note showing measurable progress.
   b. The plan-year limit is 30 visits.
5. Benefit limit: 60 visits in a lifetime.
"""


def _passages(tmp_path: Path):
    path = tmp_path / "test-pt-1.md"
    path.write_text(POLICY, encoding="utf-8")
    return {p.section.rsplit("> ", 1)[-1]: p for p in load_policy(path)}


def test_front_matter_declares_plan_rules_and_criteria_for_some_requests(tmp_path):
    p = _passages(tmp_path)
    assert p["3"].scope is not None and p["3"].scope.plan_rule
    assert p["4"].scope is not None and p["4"].scope.plan_rule_items == ["b"]
    assert p["2"].scope is not None and p["2"].scope.diagnoses == ["I63", "I69"]
    assert p["1"].scope is None  # declares nothing: hashed and stored as before


@pytest.mark.parametrize(
    "meta",
    [{"plan_rules": ["four"]}, {"applies_to": {"2": {"ages": [18]}}}, {"applies_to": [2]}],
)
def test_a_declaration_that_cannot_be_read_is_refused(meta):
    with pytest.raises(BadInput):
        declarations(meta, Path("x.md"))


def test_the_scope_survives_the_index(tmp_path):
    p = _passages(tmp_path)["2"]
    meta = to_metadata(p)
    assert from_metadata(p.id, p.text, meta).scope == p.scope


def test_plan_rules_and_labelled_limits_are_not_judged_on_the_chart(tmp_path):
    p = _passages(tmp_path)
    denial = _denial()
    text = {n: criterion_text(x) for n, x in p.items()}
    assert why_not(p["3"], text["3"], denial) == "plan_rule"  # declared
    assert why_not(p["5"], text["5"], denial) == "plan_rule"  # labelled "Benefit limit:"
    assert why_not(p["1"], text["1"], denial) is None
    kept = binding_text(p["4"], text["4"])
    assert "progress note" in kept and "plan-year limit" not in kept


def test_a_criterion_declared_for_other_diagnoses_or_purposes_does_not_bind(tmp_path):
    p = _passages(tmp_path)["2"]
    back = _denial(diagnosis_codes=[DiagnosisCode(code="M54.16")])
    stroke = _denial(diagnosis_codes=[DiagnosisCode(code="I69.351")])
    assert why_not(p, p.text, back) == "diagnosis"
    assert why_not(p, p.text, stroke) is None
    assert why_not(p, p.text, stroke, "prior_authorization") == "purpose"
    assert why_not(p, p.text, stroke, "continuation_of_care") is None


def test_the_evidence_map_judges_only_what_binds(tmp_path):
    p = _passages(tmp_path)
    denial = _denial(
        service_lines=[ServiceLine(code="97110", description="Therapeutic exercise")],
        diagnosis_codes=[DiagnosisCode(code="M54.16")],
        dates_of_service=[dt.date(2026, 9, 20)],
    )
    evidence = build_evidence_map(denial, Chart(), list(p.values()))
    judged = {
        lk.criterion.id.rsplit("-", 1)[-1] for lk in evidence.links if lk.criterion.passage_id
    }
    assert judged == {"1", "4"}
    four = next(lk for lk in evidence.links if lk.criterion.id.endswith("-4"))
    assert "plan-year limit" not in four.criterion.text


def test_the_shipped_corpus_declares_its_plan_rules():
    reh = {
        p.section.rsplit("> ", 1)[-1]: p
        for p in load_policy(REPO / "policy_corpus" / "lakeshore" / "lchp-reh-040.md")
    }
    assert reh["4"].scope is not None and reh["4"].scope.plan_rule
    obs = {
        p.section.rsplit("> ", 1)[-1]: p
        for p in load_policy(REPO / "policy_corpus" / "medicare" / "med-l5150.md")
    }
    assert obs["5"].scope is not None and obs["5"].scope.codes == ["G0378", "G0379"]
