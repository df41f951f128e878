"""A case: the parsed inputs one pipeline run works on, handed from stage to stage."""

from __future__ import annotations

from pydantic import Field

from service.models.base import _Model
from service.models.chart import Chart
from service.models.denial import Denial
from service.models.necessity import LetterKind, NecessityRequest
from service.models.triage import Triage


class AppealCase(_Model):
    """A denial and chart as read, triaged; the payer as the index knows it."""

    denial: Denial
    chart: Chart
    triage: Triage | None = None  # set by the triage stage
    payer_id: str | None = None
    notes: list[str] = Field(default_factory=list)  # model-assisted extraction, for provenance
    usage: dict[str, float] = Field(default_factory=dict)  # its model calls and tokens


class NecessityCase(_Model):
    """A letter-of-medical-necessity request, carried in the shapes the shared stages read.

    `denial` holds the request as a Denial with no denial in it (no claim, no adjustments, no
    stated criteria): only the payer, plan, patient, service and diagnoses.
    """

    request: NecessityRequest
    denial: Denial
    chart: Chart
    payer_id: str | None = None
    kind: LetterKind
