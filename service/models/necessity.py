"""A letter-of-medical-necessity request, its readiness report and its result."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from pydantic import Field, field_validator

from service.models.base import _Model
from service.models.denial import CodeSystem, PlanType
from service.models.evidence import EvidenceMap
from service.models.letter import DraftStatus, LetterDraft, Provenance, ValidationReport
from service.models.policy import PolicyPassage
from service.models.requirements import Evaluation


class Purpose(StrEnum):
    PRIOR_AUTHORIZATION = "prior_authorization"
    WITH_APPEAL = "with_appeal"
    CONTINUATION_OF_CARE = "continuation_of_care"


class LetterKind(StrEnum):
    PROCEDURE = "procedure"
    DRUG = "drug"
    DME = "dme"
    THERAPY = "therapy"


class PatientIn(_Model):
    name: str | None = None
    date_of_birth: dt.date | None = None
    member_id: str | None = None


class ServiceIn(_Model):
    code: str
    code_system: CodeSystem | None = None  # inferred from the code's shape when absent
    description: str = ""
    quantity: str | None = None  # "1", "12 visits", "40 mg"
    frequency: str | None = None  # "once", "every 2 weeks", "2 visits a week"
    duration: str | None = None  # how long the authorization is asked for: "6 months"


class DiagnosisIn(_Model):
    code: str
    description: str = ""


class SignerIn(_Model):
    name: str
    credentials: str | None = None
    npi: str
    practice: str | None = None
    address: str | None = None
    phone: str | None = None
    fax: str | None = None


class NecessityRequest(_Model):
    """What a provider's office sends to get a letter of medical necessity."""

    patient: PatientIn = Field(default_factory=PatientIn)
    payer: str  # a payer id ("northwind") or a name ("Northwind Health")
    plan_type: PlanType = PlanType.UNKNOWN
    service: ServiceIn
    diagnosis_codes: list[DiagnosisIn] = Field(min_length=1)
    chart: str | dict[str, Any] | None = None
    signer: SignerIn
    purpose: Purpose = Purpose.PRIOR_AUTHORIZATION
    letter_kind: LetterKind | None = None  # inferred from the service code when absent

    @field_validator("diagnosis_codes", mode="before")
    @classmethod
    def _codes_as_objects(cls, value: Any) -> Any:
        # "M26.631" is as good as {"code": "M26.631"}
        if isinstance(value, list):
            return [{"code": v} if isinstance(v, str) else v for v in value]
        return value


class ReadinessStatus(StrEnum):
    MET = "met"
    NOT_MET = "not_met"  # the chart contradicts the criterion
    NOT_DOCUMENTED = "not_documented"  # the chart says nothing that decides it
    NOT_APPLICABLE = "not_applicable"


class FactRef(_Model):
    id: str
    text: str
    date: dt.date | None = None
    source: str = ""


class CriterionReadiness(_Model):
    id: str  # the criterion id the evidence map and the validator use (a passage id)
    policy_id: str
    section: str
    text: str
    status: ReadinessStatus
    facts: list[FactRef] = Field(default_factory=list)
    need: str | None = None  # what would document it, when not documented
    reason: str | None = None  # why it does not apply, when not applicable
    evaluation: Evaluation | None = None  # the same evaluation the letter is written from


class Flag(_Model):
    code: str  # "unspecified_diagnosis", "rule_out_diagnosis", "no_failed_conservative_treatment"
    message: str
    where: str
    suggestions: list[str] = Field(default_factory=list)


class ReadinessReport(_Model):
    ready: bool
    payer_id: str | None = None
    policy_id: str | None = None
    policy_title: str | None = None
    letter_kind: LetterKind
    criteria: list[CriterionReadiness] = Field(default_factory=list)
    # criterion ids that hold the letter: not documented, or not met (those are also in not_met)
    undocumented: list[str] = Field(default_factory=list)
    not_met: list[str] = Field(default_factory=list)  # criterion ids the chart contradicts
    flags: list[Flag] = Field(default_factory=list)
    note: str = ""


class NecessityResult(_Model):
    """The output contract of POST /v1/necessity-letters and `overturn letter`."""

    draft_id: str | None = None
    status: DraftStatus
    letter_type: str
    letter_kind: LetterKind
    purpose: Purpose
    text: str
    readiness: ReadinessReport
    evidence: EvidenceMap
    letter: LetterDraft
    passages: list[PolicyPassage] = Field(default_factory=list)
    report: ValidationReport
    provenance: Provenance
