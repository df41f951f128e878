"""What a pipeline returns for an appeal."""

from __future__ import annotations

from pydantic import Field, computed_field

from service.models.base import _Model
from service.models.denial import Denial
from service.models.evidence import EvidenceLink, EvidenceMap
from service.models.letter import DraftStatus, LetterDraft, Point, Provenance, ValidationReport
from service.models.policy import PolicyPassage
from service.models.triage import Triage


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
