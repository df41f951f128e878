"""A letter as a structured object before it is text, and the checks on it."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import Field

from service.models.base import _Model
from service.models.chart import Provider


class CitationKind(StrEnum):
    POLICY = "policy"
    DENIAL = "denial"  # the payer's own denial letter, for a guideline we do not hold


class Citation(_Model):
    kind: CitationKind
    passage_id: str | None = None
    policy_id: str | None = None
    section: str | None = None
    label: str = ""  # how the letter names it: "Acme Health policy IMG-204, Criteria 2"


class Claim(StrEnum):
    MET = "met"  # the point argues the criterion it answers is met (its evaluation must be MET)
    # the point sets out the chart's evidence and asks for individual consideration; it claims
    # nothing met (an experimental denial the chart cannot answer under the payer's policy)
    CONSIDERATION = "consideration"


class Point(_Model):
    number: int
    heading: str
    answers: str  # the Criterion id this point answers
    claim: Claim = Claim.MET
    text: str
    citations: list[Citation] = Field(default_factory=list)
    chart_facts: list[str] = Field(default_factory=list)  # ChartFact ids
    enclosures: list[int] = Field(default_factory=list)


class Enclosure(_Model):
    number: int
    description: str
    fact_ids: list[str] = Field(default_factory=list)


class Signer(Provider):
    """Who signs the letter: a clinician's or a practice's name and contact lines."""


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
