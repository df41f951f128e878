"""The one evaluator: a requirement tree judged on the chart, leaf by leaf, then combined by
its logic. Appeals, readiness and letters of medical necessity all call `evaluate_criterion`,
so one criterion on one chart always gets one answer."""

from __future__ import annotations

from collections.abc import Callable

from service.evidence.judge_findings import (
    judge_diagnosis,
    judge_place,
    judge_prescriber,
    judge_test,
    judge_text,
)
from service.evidence.judge_treatment import judge_drug_trial, judge_duration
from service.evidence.judge_values import judge_age, judge_event_count, judge_measurement
from service.evidence.judging import Context
from service.evidence.requirements import parse_criterion
from service.models import Comparison, Evaluation, Requirement, RequirementKind, Verdict

K = RequirementKind
JUDGES: dict[RequirementKind, Callable[[Requirement, Context], Evaluation]] = {
    K.AGE: judge_age,
    K.EVENT_COUNT: judge_event_count,
    K.DURATION: judge_duration,
    K.TEST_RESULT: judge_test,
    K.MEASUREMENT: judge_measurement,
    K.DIAGNOSIS: judge_diagnosis,
    K.DRUG_TRIAL: judge_drug_trial,
    K.PRESCRIBER: judge_prescriber,
    K.PLACE_OF_SERVICE: judge_place,
    K.TEXT: judge_text,
}


def evaluate(req: Requirement, ctx: Context) -> Evaluation:
    """MET / NOT_MET / NOT_DOCUMENTED for a requirement and, for a group, each part."""
    if req.kind in JUDGES:
        return JUDGES[req.kind](req, ctx)
    children = [evaluate(item, ctx) for item in req.items]
    verdicts = [c.verdict for c in children]
    met = verdicts.count(Verdict.MET)
    if req.kind is K.ALL_OF:
        verdict = (
            Verdict.MET
            if met == len(verdicts)
            else (Verdict.NOT_MET if Verdict.NOT_MET in verdicts else Verdict.NOT_DOCUMENTED)
        )
        n = len(verdicts)
    elif req.kind is K.ANY_OF:
        # An alternative the chart contradicts, with none met, is not met; silence on all is
        # not documented.
        verdict = (
            Verdict.MET
            if met
            else (Verdict.NOT_MET if Verdict.NOT_MET in verdicts else Verdict.NOT_DOCUMENTED)
        )
        n = 1
    else:
        n = req.count or 1
        open_ = verdicts.count(Verdict.NOT_DOCUMENTED)
        verdict = (
            Verdict.MET
            if met >= n
            else (Verdict.NOT_MET if met + open_ < n else Verdict.NOT_DOCUMENTED)
        )
    needs = [c.need for c in children if c.verdict is not Verdict.MET and c.need]
    return Evaluation(
        requirement_id=req.id,
        kind=req.kind,
        text=req.text,
        verdict=verdict,
        subject=req.subject,
        comparison=Comparison(count_required=n, count_found=met),
        need=None if verdict is Verdict.MET else "; ".join(dict.fromkeys(needs)) or None,
        children=children,
    )


def evaluate_criterion(criterion_id: str, text: str, ctx: Context) -> Evaluation:
    """A criterion's text, parsed into requirements and judged on the chart."""
    return evaluate(parse_criterion(criterion_id, text), ctx)
