"""Headings for evidence points by requirement kind (data/concepts.yaml): general labels the
drafting stage shows, not a table of what each policy asks for (the evaluator decides that)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from service.evidence.vocabulary import load
from service.models import ChartFact, Evaluation, RequirementKind
from service.models.requirements import COMPOSITE

_CONCEPTS_FILE = Path(__file__).parent / "data" / "concepts.yaml"
_BY_KIND = {RequirementKind.DRUG_TRIAL.value: "prior_drug_trial"}


@dataclass(frozen=True)
class Concept:
    id: str
    label: str
    need: str
    shows: re.Pattern[str] | None  # None: any fact of the concept's types
    types: frozenset[str]


def _terms_pattern(terms: list[str]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(t.lower()) for t in sorted(terms, key=len, reverse=True))
    return re.compile(rf"(?<![a-z0-9])(?:{alternatives})(?![a-z0-9])")


@lru_cache(maxsize=1)
def concepts() -> tuple[Concept, ...]:
    """The heading table, loaded once."""
    rows = yaml.safe_load(_CONCEPTS_FILE.read_text(encoding="utf-8"))
    out = []
    for row in rows:
        shows = [str(s) for s in row.get("shows") or []]
        if row.get("shows_drugs"):
            shows += [m for r in load("drugs").values() for m in r["members"]]
        out.append(
            Concept(
                id=row["id"],
                label=row["label"],
                need=row["need"],
                shows=_terms_pattern(shows) if shows else None,
                types=frozenset(row.get("types", [])),
            )
        )
    return tuple(out)


def concept(concept_id: str) -> Concept:
    """One heading row by id."""
    return next(c for c in concepts() if c.id == concept_id)


def concept_for(evaluation: Evaluation) -> str:
    """The heading id for an evaluated criterion: its kind, or its first part's for a group."""
    node = evaluation
    while node.kind in COMPOSITE and node.children:
        node = node.children[0]
    kind = node.kind.value
    return _BY_KIND.get(kind, kind if kind in {c.id for c in concepts()} else "text")


def is_negated(fact: ChartFact) -> bool:
    """A fact the chart intake marked as stating an absence ("no physical therapy")."""
    return bool(fact.outcome and "negat" in fact.outcome.lower())
