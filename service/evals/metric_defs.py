"""Every eval metric: its name, how it aggregates over cases, which way is better, what it
measures. service/evals/metrics.py scores them; the gate reads `better` and `gated`."""

from __future__ import annotations

from dataclasses import dataclass

# The LLM judge's rubric (prompts/judge_appeal.md): score key -> what it rates.
JUDGE_CRITERIA = {
    "rebuttal": "each denial reason restated and answered",
    "plan_language": "the plan's own policy language cited by id and section",
    "factual_accuracy": "every fact in the letter is in the denial, chart or policy",
    "advocacy": "never argues the payer's side or concedes a denial reason",
}


@dataclass(frozen=True)
class Metric:
    name: str
    agg: str  # "mean" over the cases it applies to, or "sum"
    better: str  # "higher", "lower", or "" (informational)
    help: str
    gated: bool = True  # False: the gate ignores it unless thresholds.yaml names it


METRICS = {
    m.name: m
    for m in [
        Metric(
            "validator_pass",
            "mean",
            "higher",
            "share of cases expected released whose letter passes the validator",
        ),
        Metric("status_accuracy", "mean", "higher", "share of cases with the expected status"),
        Metric("triage_accuracy", "mean", "higher", "expected category and strategy found"),
        Metric(
            "element_coverage",
            "mean",
            "higher",
            "required elements present in the letter and in its rendered text",
        ),
        Metric(
            "criterion_coverage", "mean", "higher", "expected stated criteria answered by a point"
        ),
        Metric("gap_recall", "mean", "higher", "expected undocumented criteria reported as gaps"),
        Metric(
            "citation_validity",
            "mean",
            "higher",
            "policy citations that were retrieved and are named in the text",
        ),
        Metric("citation_recall", "mean", "higher", "expected passages cited"),
        Metric("facts_present", "mean", "higher", "expected strings found in the letter"),
        Metric(
            "forbidden_absent",
            "mean",
            "higher",
            "letters with none of the case's forbidden strings",
        ),
        Metric("problems_expected", "mean", "higher", "expected problem codes in the report"),
        Metric("voice_ok", "mean", "higher", "letters in the expected voice"),
        Metric("tone_clean", "mean", "higher", "letters without threats or outcome promises"),
        Metric(
            "hallucinated_codes",
            "sum",
            "lower",
            "codes in letters absent from the inputs and passages",
        ),
        Metric("hallucinated_dates", "sum", "lower", "dates in letters absent from the inputs"),
        Metric("hallucinated_amounts", "sum", "lower", "dollar amounts absent from the inputs"),
        Metric(
            "hallucinated_names", "sum", "lower", "people named in letters but not in the inputs"
        ),
        Metric("placeholder_leaks", "sum", "lower", "released letters with a placeholder left"),
        Metric("words", "mean", "", "letter length in words"),
        Metric("reading_grade", "mean", "", "Flesch-Kincaid grade of the letter's prose"),
        Metric(
            "model_drafted",
            "mean",
            "higher",
            "letters of a model variant the model wrote "
            "(not a composer fallback); a replay miss after a prompt change lowers it",
        ),
        Metric(
            "verdict_accuracy",
            "mean",
            "higher",
            "criteria decided as the case expects: met where a point must answer them (or the "
            "letter is expected released), a gap where the case names one",
        ),
        Metric(
            "released_unmet",
            "sum",
            "lower",
            "released letters resting on a criterion that is not met (or not answered)",
        ),
        Metric(
            "criteria_answered",
            "mean",
            "",
            "criteria a letter's points answer, per letter (the denial's, or an LMN's policy's)",
        ),
        Metric(
            "readiness_accuracy",
            "mean",
            "higher",
            "necessity cases whose readiness verdict (ready or not) is the expected one",
        ),
        Metric(
            "undocumented_exact",
            "mean",
            "higher",
            "necessity cases reporting exactly the "
            "expected undocumented criteria, no more and no fewer",
        ),
        Metric(
            "unready_released",
            "sum",
            "lower",
            "necessity letters released although the chart is not ready",
        ),
        *(
            Metric(f"judge_{k}", "mean", "higher", f"LLM judge (0..1): {h}", gated=False)
            for k, h in JUDGE_CRITERIA.items()
        ),
    ]
}
