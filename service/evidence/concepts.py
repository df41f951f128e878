"""The clinical concept table (data/concepts.yaml): what a criterion asks for, and which chart
facts document it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from service.models import ChartFact

_CONCEPTS_FILE = Path(__file__).parent / "data" / "concepts.yaml"


@dataclass(frozen=True)
class Concept:
    id: str
    label: str
    need: str
    asks: re.Pattern[str]
    shows: re.Pattern[str] | None  # None: any fact of the concept's types documents it
    types: frozenset[str]


def _terms_pattern(terms: list[str], edge: str = "a-z0-9") -> re.Pattern[str]:
    alternatives = "|".join(re.escape(t.lower()) for t in sorted(terms, key=len, reverse=True))
    return re.compile(rf"(?<![{edge}])(?:{alternatives})(?![{edge}])")


@lru_cache(maxsize=1)
def concepts() -> tuple[Concept, ...]:
    """The concept table, loaded once."""
    rows = yaml.safe_load(_CONCEPTS_FILE.read_text(encoding="utf-8"))
    return tuple(
        Concept(
            id=row["id"],
            label=row["label"],
            need=row["need"],
            # In a criterion a hyphenated compound is one word: "high-strength" asks no "strength".
            asks=_terms_pattern(row["asks"], edge="a-z0-9-"),
            shows=_terms_pattern(row["shows"]) if row["shows"] else None,
            types=frozenset(row.get("types", [])),
        )
        for row in rows
    )


def concept(concept_id: str) -> Concept:
    """One concept by id."""
    return next(c for c in concepts() if c.id == concept_id)


def asked_concepts(text: str) -> list[str]:
    """Concept ids a criterion text asks for, in table order."""
    low = text.lower()
    return [c.id for c in concepts() if c.asks.search(low)]


def is_negated(fact: ChartFact) -> bool:
    """A fact the chart states as absent ("no physical therapy") is never evidence."""
    return bool(fact.outcome and "negat" in fact.outcome.lower())


def documents(fact: ChartFact, c: Concept) -> bool:
    """True when a non-negated fact of the concept's types shows the concept."""
    if is_negated(fact):
        return False
    if c.types and fact.type.value not in c.types:
        return False
    return c.shows is None or bool(c.shows.search(fact.text.lower()))
