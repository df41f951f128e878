"""Each criterion linked to the chart facts that meet it, or a gap."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from service.models.base import _Model
from service.models.policy import Criterion
from service.models.requirements import Evaluation


class EvidenceStatus(StrEnum):
    MET = "met"
    GAP = "gap"


class EvidenceLink(_Model):
    criterion: Criterion
    # MET exactly when the evaluation is MET; GAP for NOT_MET and NOT_DOCUMENTED alike (the
    # composer and validator read the status; the evaluation tells the two apart).
    status: EvidenceStatus
    fact_ids: list[str] = Field(default_factory=list)
    need: str | None = None  # for a gap: what documentation would meet it
    concepts: list[str] = Field(default_factory=list)  # concept ids the criterion asks for
    missing: list[str] = Field(default_factory=list)  # concept ids no chart fact documents
    citations: list[str] = Field(default_factory=list)  # policy passage ids backing the criterion
    evaluation: Evaluation | None = None  # the criterion as typed requirements, judged


class EvidenceMap(_Model):
    links: list[EvidenceLink] = Field(default_factory=list)

    @property
    def gaps(self) -> list[EvidenceLink]:
        return [link for link in self.links if link.status is EvidenceStatus.GAP]
