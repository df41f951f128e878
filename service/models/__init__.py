"""Pydantic domain types shared by every pipeline stage, one module per family.

A letter is a structured object (LetterDraft) before it is text; each Point names what it
answers, the passages it cites and the chart facts it relies on, so the validator can check
grounding exactly instead of guessing from prose.
Import from here: `from service.models import Denial`.
"""

from service.models.base import Span
from service.models.cases import AppealCase, NecessityCase
from service.models.chart import Chart, ChartFact, FactType, Person, Provider
from service.models.denial import (
    Adjustment,
    AppealInstructions,
    CodeSystem,
    Denial,
    DiagnosisCode,
    PlanType,
    ServiceLine,
    StatedCriterion,
)
from service.models.evidence import EvidenceLink, EvidenceMap, EvidenceStatus
from service.models.letter import (
    Citation,
    CitationKind,
    Claim,
    DraftStatus,
    Enclosure,
    LetterDraft,
    Point,
    Problem,
    Provenance,
    Signer,
    ValidationReport,
)
from service.models.necessity import (
    CriterionReadiness,
    DiagnosisIn,
    FactRef,
    Flag,
    LetterKind,
    NecessityRequest,
    NecessityResult,
    PatientIn,
    Purpose,
    ReadinessReport,
    ReadinessStatus,
    ServiceIn,
    SignerIn,
)
from service.models.policy import Criterion, CriterionScope, CriterionSource, PolicyPassage
from service.models.requirements import (
    Comparison,
    Evaluation,
    Finding,
    Op,
    Requirement,
    RequirementKind,
    Result,
    StopReason,
    Threshold,
    Verdict,
    Window,
)
from service.models.results import AppealResult
from service.models.triage import Category, DeadlineRule, Strategy, Triage

__all__ = [
    "AppealCase",
    "NecessityCase",
    "Span",
    "PlanType",
    "CodeSystem",
    "ServiceLine",
    "DiagnosisCode",
    "Adjustment",
    "AppealInstructions",
    "StatedCriterion",
    "Denial",
    "FactType",
    "ChartFact",
    "Person",
    "Provider",
    "Chart",
    "PolicyPassage",
    "CriterionSource",
    "CriterionScope",
    "Criterion",
    "EvidenceStatus",
    "EvidenceLink",
    "EvidenceMap",
    "Comparison",
    "Evaluation",
    "Finding",
    "Op",
    "Requirement",
    "RequirementKind",
    "Result",
    "StopReason",
    "Threshold",
    "Verdict",
    "Window",
    "Category",
    "Strategy",
    "DeadlineRule",
    "Triage",
    "CitationKind",
    "Citation",
    "Point",
    "Claim",
    "Enclosure",
    "Signer",
    "LetterDraft",
    "Problem",
    "ValidationReport",
    "Provenance",
    "DraftStatus",
    "AppealResult",
    "Purpose",
    "LetterKind",
    "PatientIn",
    "ServiceIn",
    "DiagnosisIn",
    "SignerIn",
    "NecessityRequest",
    "ReadinessStatus",
    "FactRef",
    "CriterionReadiness",
    "Flag",
    "ReadinessReport",
    "NecessityResult",
]
