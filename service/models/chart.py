"""The chart as read: the patient, the treating provider and dated facts."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import Field

from service.models.base import Span, _Model


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
    # the date of that document, when known: a sentence may state dates of its own ("physical
    # therapy 10/2023 to 12/2023" in a consultation of 04/22/2024)
    note_date: dt.date | None = None
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
