"""A payer criterion as checkable requirements, and each requirement's evaluation on the chart.

The shape follows the prior-authorization reviews payers run: every requirement is judged MET,
NOT_MET (the chart contradicts it) or NOT_DOCUMENTED (the chart is silent), with the facts that
decided it and the comparison as structured values (required vs found, operator, unit, window,
counts), so a letter, a readiness row or a reviewer can restate it without re-deciding it.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import Field

from service.models.base import _Model


class RequirementKind(StrEnum):
    AGE = "age"
    EVENT_COUNT = "event_count"
    DURATION = "therapy_duration"  # a therapy, trial or device used for a time, and its outcome
    TEST_RESULT = "test_result"
    MEASUREMENT = "measurement"
    DIAGNOSIS = "diagnosis"
    DRUG_TRIAL = "drug_trial"
    PRESCRIBER = "prescriber"
    PLACE_OF_SERVICE = "place_of_service"
    TEXT = "text"  # anything else, matched by meaning
    ALL_OF = "all_of"
    ANY_OF = "any_of"
    AT_LEAST_N = "at_least_n"


COMPOSITE = frozenset({RequirementKind.ALL_OF, RequirementKind.ANY_OF, RequirementKind.AT_LEAST_N})


class Op(StrEnum):
    GE = ">="
    GT = ">"
    LE = "<="
    LT = "<"
    BETWEEN = "between"  # low <= x <= high


class Result(StrEnum):
    NORMAL = "normal"
    NONDIAGNOSTIC = "nondiagnostic"
    ABNORMAL = "abnormal"
    POSITIVE = "positive"
    NEGATIVE = "negative"


class StopReason(StrEnum):
    FAILURE = "failure"  # no or inadequate response, loss of response
    INTOLERANCE = "intolerance"
    CONTRAINDICATION = "contraindication"


class Threshold(_Model):
    """A required value: `op value unit`, or `low..high unit` for BETWEEN."""

    op: Op
    value: float | None = None
    low: float | None = None
    high: float | None = None
    unit: str = ""  # canonical unit ("mg/dL", "kg/m2", "years", "weeks", "%")


class Window(_Model):
    """A look-back period ending on the anchor date (the date of service or request)."""

    value: int
    unit: str  # days, weeks, months, years
    periods: int = 1  # "in each of the two 12-month periods"


class Requirement(_Model):
    id: str
    kind: RequirementKind
    text: str  # the payer's words for this requirement
    subject: str = ""  # what it is about, in the criterion's words
    terms: list[str] = Field(default_factory=list)  # the named alternatives ("Holter, patch")
    threshold: Threshold | None = None
    window: Window | None = None
    count: int | None = None  # events, drug trials, or N of an at-least-N group
    count_op: Op = Op.GE
    classes: int | None = None  # distinct drug classes the trials must span
    results: list[Result] = Field(default_factory=list)  # acceptable results of a test
    stop_reasons: list[StopReason] = Field(default_factory=list)  # accepted ends of a trial
    excuses: list[StopReason] = Field(default_factory=list)  # ends that waive the duration
    dose: Threshold | None = None  # a minimum dose of a drug trial ("15 mg a week or more")
    specialties: list[str] = Field(default_factory=list)
    places: list[str] = Field(default_factory=list)
    codes: list[str] = Field(default_factory=list)  # ICD-10-CM codes the criterion names
    negative: bool = False  # the criterion asks for an absence ("has no signs of ...")
    before_time: str | None = None  # a reading must be taken before this time ("10:00")
    items: list[Requirement] = Field(default_factory=list)


class Verdict(StrEnum):
    MET = "met"
    NOT_MET = "not_met"  # the chart contradicts it
    NOT_DOCUMENTED = "not_documented"  # the chart says nothing that decides it


class Finding(_Model):
    """A chart fact as the evaluation read it: the value, date or name it took from it."""

    fact_id: str
    text: str
    date: dt.date | None = None
    end_date: dt.date | None = None
    label: str = ""  # what was found: a drug, a test, a specialty, a place
    value: float | None = None
    unit: str = ""
    result: Result | None = None
    stop_reason: StopReason | None = None
    counted: bool = True  # False for a fact shown because it does not count (out of window)


class Comparison(_Model):
    """The arithmetic: what was required against what the chart shows."""

    required: Threshold | None = None
    found: float | None = None
    unit: str = ""
    count_required: int | None = None
    count_found: int | None = None
    count_op: Op | None = None
    anchor: dt.date | None = None  # the date of service or request the window ends on
    result: Result | None = None  # the result or outcome the chart reports, when one was asked
    window_start: dt.date | None = None
    born: dt.date | None = None  # for an age
    start: dt.date | None = None  # for a duration
    end: dt.date | None = None


class Evaluation(_Model):
    requirement_id: str
    kind: RequirementKind
    text: str  # the criterion or requirement in the payer's words
    verdict: Verdict
    # What was asked, as the requirement states it, so a letter can restate the comparison
    subject: str = ""
    window: Window | None = None
    results: list[Result] = Field(default_factory=list)
    facts: list[Finding] = Field(default_factory=list)  # the decisive facts, dated
    comparison: Comparison | None = None
    need: str | None = None  # for NOT_DOCUMENTED / NOT_MET: what would document it
    children: list[Evaluation] = Field(default_factory=list)

    @property
    def fact_ids(self) -> list[str]:
        """Every decisive fact id, this node's and its children's, first mention first."""
        ids = [f.fact_id for f in self.facts if f.counted]
        for child in self.children:
            if child.verdict is Verdict.MET or self.verdict is not Verdict.MET:
                ids.extend(child.fact_ids)
        return list(dict.fromkeys(ids))
