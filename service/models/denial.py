"""The denial as read: who, what was denied, why, and how to appeal."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import Field, computed_field

from service.models.base import Span, _Model


class PlanType(StrEnum):
    MEDICARE_AB = "medicare_ab"
    MEDICARE_ADVANTAGE = "medicare_advantage"
    MEDICARE_PART_D = "medicare_part_d"
    MEDICAID_MANAGED_CARE = "medicaid_managed_care"
    ERISA = "erisa"
    COMMERCIAL = "commercial"
    UNKNOWN = "unknown"


class CodeSystem(StrEnum):
    CPT = "CPT"
    HCPCS = "HCPCS"
    NDC = "NDC"
    DRUG = "drug"  # a drug named without a billing code
    OTHER = "other"


class ServiceLine(_Model):
    code: str | None = None
    code_system: CodeSystem = CodeSystem.OTHER
    modifiers: list[str] = Field(default_factory=list)
    description: str = ""
    units: float | None = None
    date_of_service: dt.date | None = None
    billed_amount: float | None = None
    paid_amount: float | None = None


class DiagnosisCode(_Model):
    code: str
    description: str = ""
    billable: bool = True  # False when the code exists but is a category, not a leaf


class Adjustment(_Model):
    """One CARC adjustment: group code (CO, PR, OA, PI), reason code, amount if stated."""

    group: str | None = None
    carc: str
    amount: float | None = None
    label: str = ""


class AppealInstructions(_Model):
    deadline_days: int | None = None
    deadline_text: str | None = None
    address: str | None = None
    fax: str | None = None
    phone: str | None = None


class StatedCriterion(_Model):
    """A condition the denial letter says was not met, in the payer's own words."""

    id: str  # "SC1", "SC2", ... in the order the letter states them
    text: str
    span: Span | None = None


# The denial's single-value fields a person corrects in the workspace and a model may fill in.
DENIAL_TEXT_FIELDS = (
    "payer",
    "plan_name",
    "reviewer",
    "patient_name",
    "member_id",
    "claim_number",
    "reference_number",
    "denial_reason",
    "guideline",
)
DENIAL_DATE_FIELDS = ("date_of_birth", "denial_date")


class Denial(_Model):
    payer: str | None = None
    plan_type: PlanType = PlanType.UNKNOWN
    plan_name: str | None = None
    reviewer: str | None = None  # utilization-review vendor acting for the plan
    employer_group: str | None = None  # the employer whose group plan this is (not the payer)
    patient_name: str | None = None
    member_id: str | None = None
    date_of_birth: dt.date | None = None
    claim_number: str | None = None
    reference_number: str | None = None
    dates_of_service: list[dt.date] = Field(default_factory=list)
    rendering_provider: str | None = None  # who performed (or will perform) the service
    network: str | None = None  # "in" | "out" when the notice says where the provider stands
    service_lines: list[ServiceLine] = Field(default_factory=list)
    diagnosis_codes: list[DiagnosisCode] = Field(default_factory=list)
    adjustments: list[Adjustment] = Field(default_factory=list)
    remark_codes: list[str] = Field(default_factory=list)
    denial_reason: str | None = None
    stated_criteria: list[StatedCriterion] = Field(default_factory=list)
    criteria_logic: str | None = None  # "all" | "any": how the stated criteria combine
    guideline: str | None = None
    denial_date: dt.date | None = None
    appeal_instructions: AppealInstructions = Field(default_factory=AppealInstructions)
    source_text: str = ""
    # field path ("member_id", "service_lines[0].code", "stated_criteria[1]") -> span in source
    sources: dict[str, Span] = Field(default_factory=dict)
    warnings: list[str] = Field(default_factory=list)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def service_codes(self) -> list[str]:
        return [s.code for s in self.service_lines if s.code]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def carc_codes(self) -> list[str]:
        return [a.carc for a in self.adjustments]

    @classmethod
    def from_json_obj(cls, data: dict) -> Denial:
        """Validate a JSON denial, ignoring the derived fields this model itself emits."""
        clean = {k: v for k, v in data.items() if k not in ("service_codes", "carc_codes")}
        return cls.model_validate(clean)
