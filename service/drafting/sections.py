"""The chart facts behind each kind-specific part of a letter of medical necessity.

Each finder returns facts as written in the chart; the composer quotes them. An empty result
leaves a placeholder, which the validator refuses, so the letter is held until it is documented.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from service.evidence.concepts import concept
from service.models import ChartFact, FactType

MAX_FACTS = 3
_ALTERNATIVE = re.compile(
    r"\b(?:cane|walker|manual wheelchair|scooter|power-operated vehicle|standard|"
    r"off-the-shelf|prefabricated)\b",
    re.I,
)
_WHY_NOT = re.compile(
    r"\b(?:cannot|can not|unable|unsafe|not safe|insufficient|inadequate|fails?|failed|fell|"
    r"falls?|not able|lacks?|does not|did not)\b",
    re.I,
)
_GOAL = re.compile(r"\bgoals?\b", re.I)
_MEASURE = re.compile(
    r"\b(?:oswestry|odi|lefs|quickdash|dash|berg|tug|score|points?|degrees|improved|"
    r"improvement)\b",
    re.I,
)
_FOLLOW_UP = re.compile(
    r"\b(?:follow[- ]up|re-?evaluat\w*|re-?assess\w*|return visit|recheck|monitor\w*)\b", re.I
)


# An item chosen over a simpler or standard one (the payer asks why the simpler one will not do).
_UPGRADE = re.compile(
    r"\b(?:power|lightweight|ultralight|high-strength|heavy[- ]duty|bariatric|deluxe|upgraded?|"
    r"custom|semi-electric|electric|variable-height|tilt|recline|bilevel|specialty)\b",
    re.I,
)


def is_upgrade(description: str) -> bool:
    """True when the requested DME item is an upgrade over a standard or simpler item."""
    return bool(_UPGRADE.search(description))


def _usable(fact: ChartFact) -> bool:
    return not (fact.outcome and "negat" in fact.outcome.lower())


def _pick(facts: Sequence[ChartFact], keep: Callable[[ChartFact], bool]) -> list[ChartFact]:
    return [f for f in facts if _usable(f) and keep(f)][:MAX_FACTS]


def history(facts: Sequence[ChartFact]) -> list[ChartFact]:
    """The diagnosis, history and symptoms that open the clinical summary."""
    kinds = {FactType.DIAGNOSIS, FactType.HISTORY, FactType.SYMPTOM}
    return _pick(facts, lambda f: f.type in kinds)


def prior_drugs(facts: Sequence[ChartFact]) -> list[ChartFact]:
    """Drugs tried before (step therapy): what, how long, and why they were stopped."""
    c = concept("prior_drug_trial")
    shows = c.shows
    if shows is None:
        return []
    return _pick(
        facts,
        lambda f: (not c.types or f.type.value in c.types) and bool(shows.search(f.text.lower())),
    )


def standard_inadequate(facts: Sequence[ChartFact]) -> list[ChartFact]:
    """Why a standard or simpler item does not meet the need."""
    return _pick(facts, lambda f: bool(_ALTERNATIVE.search(f.text) and _WHY_NOT.search(f.text)))


def goals(facts: Sequence[ChartFact]) -> list[ChartFact]:
    """Measurable therapy goals."""
    return _pick(facts, lambda f: bool(_GOAL.search(f.text) and re.search(r"\d", f.text)))


def progress(facts: Sequence[ChartFact]) -> list[ChartFact]:
    """Measured progress toward the goals (outcome scores, range of motion)."""
    return _pick(
        facts,
        lambda f: (
            not _GOAL.search(f.text) and bool(_MEASURE.search(f.text) and re.search(r"\d", f.text))
        ),
    )


def follow_up(facts: Sequence[ChartFact]) -> list[ChartFact]:
    """The plan after the service: follow-up visits, re-assessment, monitoring."""
    return _pick(facts, lambda f: f.type is FactType.PLAN or bool(_FOLLOW_UP.search(f.text)))
