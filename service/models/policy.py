"""Payer policy passages and the criteria read from them and from the denial."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import Field

from service.models.base import _Model


class CriterionScope(_Model):
    """What a policy declares about one of its criteria (front matter `plan_rules`,
    `applies_to`): the plan's own rule rather than anything a chart documents, or a criterion
    that binds only requests for some diagnoses, purposes or service codes."""

    plan_rule: bool = False  # the whole criterion is the plan's rule (a visit or benefit limit)
    plan_rule_items: list[str] = Field(default_factory=list)  # lettered items that are ("a", "c")
    diagnoses: list[str] = Field(default_factory=list)  # ICD-10-CM codes or prefixes ("I63")
    purposes: list[str] = Field(default_factory=list)  # request purposes ("continuation_of_care")
    codes: list[str] = Field(default_factory=list)  # service codes (CPT / HCPCS)


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
    scope: CriterionScope | None = None  # what the policy declares about this criterion
    score: float = 0.0


class CriterionSource(StrEnum):
    DENIAL = "denial"  # stated in the denial letter
    POLICY = "policy"  # a numbered criterion in a retrieved policy passage


class Criterion(_Model):
    id: str  # "SC1" for a stated criterion, "<passage_id>" (+ "/n") for a policy one
    text: str
    source: CriterionSource
    passage_id: str | None = None
