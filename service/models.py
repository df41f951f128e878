"""Pydantic domain types shared by every pipeline stage.

A letter is a structured object (LetterDraft) before it is text; each Point names what it
answers, the passages it cites and the chart facts it relies on, so the validator can check
grounding exactly instead of guessing from prose.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, computed_field


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Span(_Model):
    """Character offsets [start, end) of an extracted value in the pasted source text."""

    start: int = Field(ge=0)
    end: int = Field(ge=0)


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


class Denial(_Model):
    payer: str | None = None
    plan_type: PlanType = PlanType.UNKNOWN
    plan_name: str | None = None
    reviewer: str | None = None  # utilization-review vendor acting for the plan
    patient_name: str | None = None
    member_id: str | None = None
    date_of_birth: dt.date | None = None
    claim_number: str | None = None
    reference_number: str | None = None
    dates_of_service: list[dt.date] = Field(default_factory=list)
    service_lines: list[ServiceLine] = Field(default_factory=list)
    diagnosis_codes: list[DiagnosisCode] = Field(default_factory=list)
    adjustments: list[Adjustment] = Field(default_factory=list)
    remark_codes: list[str] = Field(default_factory=list)
    denial_reason: str | None = None
    stated_criteria: list[StatedCriterion] = Field(default_factory=list)
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


class FactType(StrEnum):
    DIAGNOSIS = "diagnosis"
    SYMPTOM = "symptom"
    PRIOR_TREATMENT = "prior_treatment"
    MEDICATION = "medication"
    IMAGING = "imaging"
    LAB = "lab"
    EXAM = "exam"
    FUNCTIONAL_LIMIT = "functional_limit"
    SURGICAL_CANDIDACY = "surgical_candidacy"
    PLAN = "plan"
    HISTORY = "history"
    OTHER = "other"


class ChartFact(_Model):
    id: str  # "F1", "F2", ...
    type: FactType
    date: dt.date | None = None
    end_date: dt.date | None = None  # for treatments given over a period
    source: str = ""  # the document the fact comes from: "Progress note", "MRI report"
    text: str
    codes: list[str] = Field(default_factory=list)
    duration: str | None = None
    outcome: str | None = None
    span: Span | None = None  # in the pasted notes, when extracted from free text


class Person(_Model):
    name: str | None = None
    date_of_birth: dt.date | None = None
    member_id: str | None = None


class Provider(_Model):
    name: str | None = None
    credentials: str | None = None
    npi: str | None = None
    practice: str | None = None
    address: str | None = None
    phone: str | None = None
    fax: str | None = None


class Chart(_Model):
    patient: Person = Field(default_factory=Person)
    provider: Provider = Field(default_factory=Provider)
    facts: list[ChartFact] = Field(default_factory=list)
    source_text: str = ""
    warnings: list[str] = Field(default_factory=list)


class PolicyPassage(_Model):
    id: str  # "<policy_id>#<section-slug>", stable across re-ingest
    policy_id: str
    payer: str
    title: str
    section: str  # section path, "Coverage criteria > 2"
    text: str
    effective_date: dt.date | None = None
    superseded_date: dt.date | None = None
    codes: list[str] = Field(default_factory=list)
    plan_types: list[str] = Field(default_factory=list)
    score: float = 0.0


class CriterionSource(StrEnum):
    DENIAL = "denial"  # stated in the denial letter
    POLICY = "policy"  # a numbered criterion in a retrieved policy passage


class Criterion(_Model):
    id: str  # "SC1" for a stated criterion, "<passage_id>" (+ "/n") for a policy one
    text: str
    source: CriterionSource
    passage_id: str | None = None


class EvidenceStatus(StrEnum):
    MET = "met"
    GAP = "gap"


class EvidenceLink(_Model):
    criterion: Criterion
    status: EvidenceStatus
    fact_ids: list[str] = Field(default_factory=list)
    need: str | None = None  # for a gap: what documentation would meet it
    concepts: list[str] = Field(default_factory=list)  # concept ids the criterion asks for
    missing: list[str] = Field(default_factory=list)  # concept ids no chart fact documents
    citations: list[str] = Field(default_factory=list)  # policy passage ids backing the criterion


class EvidenceMap(_Model):
    links: list[EvidenceLink] = Field(default_factory=list)

    @property
    def gaps(self) -> list[EvidenceLink]:
        return [link for link in self.links if link.status is EvidenceStatus.GAP]


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


class CitationKind(StrEnum):
    POLICY = "policy"
    DENIAL = "denial"  # the payer's own denial letter, for a guideline we do not hold


class Citation(_Model):
    kind: CitationKind
    passage_id: str | None = None
    policy_id: str | None = None
    section: str | None = None
    label: str = ""  # how the letter names it: "Acme Health policy IMG-204, Criteria 2"


class Point(_Model):
    number: int
    heading: str
    answers: str  # the Criterion id this point answers
    text: str
    citations: list[Citation] = Field(default_factory=list)
    chart_facts: list[str] = Field(default_factory=list)  # ChartFact ids
    enclosures: list[int] = Field(default_factory=list)


class Enclosure(_Model):
    number: int
    description: str
    fact_ids: list[str] = Field(default_factory=list)


class Signer(_Model):
    name: str | None = None
    credentials: str | None = None
    npi: str | None = None
    practice: str | None = None
    address: str | None = None
    phone: str | None = None
    fax: str | None = None


class LetterDraft(_Model):
    letter_type: str
    voice: str  # "provider" | "practice" | "patient"
    date: dt.date
    recipient: str
    subject: str
    identifiers: dict[str, str] = Field(default_factory=dict)  # label -> value, in order
    opening: str
    points: list[Point] = Field(default_factory=list)
    closing: str
    gaps: list[str] = Field(default_factory=list)  # criterion ids the chart does not document
    enclosures: list[Enclosure] = Field(default_factory=list)
    signer: Signer = Field(default_factory=Signer)
    text: str = ""  # rendered by render.py from the fields above


class Problem(_Model):
    code: str  # machine-readable: "missing_element", "ungrounded_code", ...
    message: str
    where: str  # "points[2].text", "signer.npi", "letter"
    severity: str = "error"  # "error" holds the draft; "warning" is reported but does not


class ValidationReport(_Model):
    ok: bool
    problems: list[Problem] = Field(default_factory=list)
    checked: list[str] = Field(default_factory=list)  # names of the checks that ran


class Provenance(_Model):
    drafter: str  # "composer" or "llm"
    drafter_version: str
    template: str
    template_version: str
    prompt_id: str | None = None
    prompt_version: str | None = None
    model: str | None = None
    passage_ids: list[str] = Field(default_factory=list)
    corpus_version: str | None = None
    created_at: dt.datetime
    notes: list[str] = Field(default_factory=list)
    usage: dict[str, float] = Field(default_factory=dict)  # model calls, tokens, cost


class DraftStatus(StrEnum):
    RELEASED = "released"
    HELD = "held"


class AppealResult(_Model):
    """The output contract of POST /v1/appeals and `overturn draft --json`."""

    draft_id: str | None = None
    status: DraftStatus
    letter_type: str
    text: str
    denial: Denial
    triage: Triage
    evidence: EvidenceMap
    letter: LetterDraft | None = None
    passages: list[PolicyPassage] = Field(default_factory=list)
    report: ValidationReport
    provenance: Provenance

    @computed_field  # type: ignore[prop-decorator]
    @property
    def points(self) -> list[Point]:
        return self.letter.points if self.letter else []

    @computed_field  # type: ignore[prop-decorator]
    @property
    def gaps(self) -> list[EvidenceLink]:
        return self.evidence.gaps
