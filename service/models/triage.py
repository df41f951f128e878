"""What kind of denial this is, what answers it, and by when."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from service.models.base import _Model
from service.models.denial import PlanType


class Category(StrEnum):
    MEDICAL_NECESSITY = "medical_necessity"
    EXPERIMENTAL = "experimental"
    DIAGNOSIS_NOT_COVERED = "diagnosis_not_covered"
    AUTHORIZATION = "authorization"
    CODING = "coding"
    BENEFIT = "benefit"
    FORMULARY = "formulary"
    TIMELY_FILING = "timely_filing"
    ELIGIBILITY = "eligibility"
    NETWORK = "network"
    UNKNOWN = "unknown"


class Strategy(StrEnum):
    APPEAL = "appeal"
    CORRECTED_CLAIM = "corrected_claim"
    EXCEPTION_REQUEST = "exception_request"  # formulary / coverage-criteria exception
    RETRO_AUTHORIZATION = "retro_authorization"
    TIMELY_FILING_PROOF = "timely_filing_proof"
    ELIGIBILITY_CHECK = "eligibility_check"
    NETWORK_EXCEPTION = "network_exception"


class DeadlineRule(_Model):
    plan_type: PlanType
    level: str
    days: int | None = None
    months: int | None = None
    receipt_grace_days: int = 0  # days added to the notice date to presume receipt
    basis: str  # what the clock runs from
    citation: str


class Triage(_Model):
    category: Category
    strategy: Strategy
    letter_type: str  # a template id in templates/, or "" when no letter fits (corrected claim)
    appeal_level: str
    deadline: dt.date | None = None
    deadline_rule: DeadlineRule | None = None
    deadline_note: str | None = None
    rationale: str = ""
