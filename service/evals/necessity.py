"""The eval adapter for letters of medical necessity (case kind "necessity").

A necessity case's `denial` holds the request JSON the API and `overturn letter` take (without
the chart), and its `chart` the chart; the request goes through the same parse and pipeline
entry as the API. The letter is scored with the appeal metrics that apply (through an
AppealResult view of the result) plus the readiness expectations: ready or not, the exact list
of criteria the chart does not document, and never a released letter on a chart that is not ready.
"""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

from service.config import Settings
from service.errors import SchemaError
from service.evals.cases import EvalCase, case_inputs
from service.evals.metrics import CaseScore, score_case
from service.models import AppealResult, Category, DraftStatus, Strategy, Triage

# The only policy-criterion ids the readiness check reports: "<POLICY>@v<N>#<section slug>".
_VERSION = re.compile(r"@v\d+(?=#)")


def request_body(case: EvalCase) -> dict[str, Any]:
    """The request JSON for the case: its `denial` (an object or YAML/JSON text) plus its chart."""
    request, chart, notes = case_inputs(case)
    if notes:
        raise SchemaError("A necessity case's chart file is missing.", field=f"{case.id}.chart")
    if isinstance(request, str):
        try:
            request = yaml.safe_load(request)  # JSON is YAML too
        except yaml.YAMLError as err:
            raise SchemaError(
                "A necessity request is not valid YAML or JSON.", field=f"{case.id}.denial"
            ) from err
    if not isinstance(request, dict):
        raise SchemaError(
            "A necessity case's denial is the request object.", field=f"{case.id}.denial"
        )
    body = json.loads(json.dumps(request, default=str))  # a copy, dates as strings
    if chart is not None:
        body["chart"] = chart  # like `overturn letter --chart`: the case's chart wins
    return body


def draft(case: EvalCase, settings: Settings, retriever: Any) -> tuple[Any, Any]:
    """(NecessityResult, NecessityCase): the API's parse and pipeline entry, and the parsed
    inputs the hallucination checks ground on (built again: the result does not carry them)."""
    from service.intake.necessity import build_case, parse_request
    from service.pipelines.necessity import draft_necessity

    request = parse_request(request_body(case))
    result = draft_necessity(request, settings=settings, retriever=retriever)
    return result, build_case(request, settings)


def as_appeal(result: Any, parsed: Any) -> AppealResult:
    """The result in the shape the shared metrics read (the pipeline's fixed LMN triage)."""
    triage = Triage(
        category=Category.MEDICAL_NECESSITY,
        strategy=Strategy.APPEAL,
        letter_type=result.letter_type,
        appeal_level="Letter of medical necessity",
    )
    return AppealResult(
        status=result.status,
        letter_type=result.letter_type,
        text=result.text,
        denial=parsed.denial,
        triage=triage,
        evidence=result.evidence,
        letter=result.letter,
        passages=result.passages,
        report=result.report,
        provenance=result.provenance,
    )


def _unversioned(criterion_id: str) -> str:
    return _VERSION.sub("", criterion_id)


def _resolve(token: str, result: Any) -> set[str]:
    """Criterion ids a token names: an id (any version when it has none) or a keyword gist."""
    rows = result.readiness.criteria
    if "#" in token:
        want = token if "@v" in token else _unversioned(token)
        return {r.id for r in rows if (r.id if "@v" in token else _unversioned(r.id)) == want}
    words = [w for w in re.findall(r"\w+", token.lower()) if len(w) > 2]
    return {r.id for r in rows if words and all(w in r.text.lower() for w in words)}


def readiness(case: EvalCase, result: Any, score: CaseScore) -> None:
    """Ready as expected; exactly the expected undocumented criteria; no release when unready."""
    exp, got = case.expect, result.readiness
    if exp.ready is not None:
        ok = got.ready == exp.ready
        score.put(
            "readiness_accuracy",
            float(ok),
            [] if ok else [f"ready is {got.ready}, expected {exp.ready}"],
        )
    if exp.undocumented is not None:
        named = {t: _resolve(t, result) for t in exp.undocumented}
        wanted = set().union(*named.values()) if named else set()
        actual = set(got.undocumented)
        misses = [
            f"{t}: not reported as undocumented" for t, ids in named.items() if not ids & actual
        ]
        misses += [
            f"{_unversioned(i)}: reported undocumented, not expected"
            for i in sorted(actual - wanted)
        ]
        score.put("undocumented_exact", float(not misses), misses)
    unready = exp.ready is False or not got.ready
    released = result.status is DraftStatus.RELEASED
    wrong = unready and released
    score.put(
        "unready_released",
        float(wrong),
        ["a letter was released although the chart is not ready"] if wrong else [],
    )


def score_necessity(case: EvalCase, result: Any, parsed: Any, settings: Settings) -> CaseScore:
    """The shared letter metrics that apply, then the readiness expectations."""
    score = score_case(case, as_appeal(result, parsed), parsed.chart, settings)
    readiness(case, result, score)
    return score


def record_fields(result: Any) -> dict[str, Any]:
    """What the results file keeps of a necessity result, beside the appeal fields."""
    r = result.readiness
    return {
        "readiness": {
            "ready": r.ready,
            "policy_id": r.policy_id,
            "undocumented": [_unversioned(i) for i in r.undocumented],
            "flags": [f.code for f in r.flags],
        },
        "letter_kind": result.letter_kind.value,
    }
