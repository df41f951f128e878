"""Stated thresholds: a criterion that names a number of points on a measure is met only when
the chart's recorded change on that measure reaches it."""

from __future__ import annotations

import re
from collections.abc import Sequence

from service.evidence.concepts import is_negated
from service.models import ChartFact, EvidenceMap, EvidenceStatus

# "at least its minimal clinically important difference (for example 10 points on the Oswestry
# Disability Index, 9 points on the Lower Extremity Functional Scale)": a stated number of points
# on a named measure is compared with the change the chart records ("LEFS improved from 35 to 39").
_POINTS = re.compile(r"(\d+(?:\.\d+)?)[- ]points? (?:on|in) (?:the )?([^,;.()]+)", re.I)
_CHANGE = r"[^.;]*?\bfrom (\d+(?:\.\d+)?)(?:/\d+)? to (\d+(?:\.\d+)?)"


def _aliases(name: str) -> set[str]:
    """A measure's name and, for a name of several words, its initials (LEFS, ODI)."""
    words = re.findall(r"[a-z0-9][a-z0-9-]*", name.lower())
    out = {" ".join(words)}
    if len(words) > 1:
        out.add("".join(w[0] for w in words))
    return out


def point_thresholds(text: str) -> list[tuple[float, set[str]]]:
    """(points, the measure's names) for each threshold a criterion states."""
    out = []
    for m in _POINTS.finditer(text):
        for name in re.split(r"\s+or\s+|\s+and\s+", m.group(2).strip()):
            if name.strip():
                out.append((float(m.group(1)), _aliases(name)))
    return out


def _changes(names: set[str], facts: Sequence[ChartFact]) -> list[tuple[ChartFact, float]]:
    found = []
    for f in facts:
        if is_negated(f):
            continue
        for name in names:
            m = re.search(rf"(?<![a-z0-9]){re.escape(name)}(?![a-z0-9]){_CHANGE}", f.text.lower())
            if m:
                found.append((f, abs(float(m.group(2)) - float(m.group(1)))))
                break
    return found


def threshold_shortfall(text: str, facts: Sequence[ChartFact]) -> tuple[str | None, list[str]]:
    """(what is missing or None, the facts that report the measure) for a criterion's thresholds.

    A criterion that states no threshold gives (None, []). One that does is met only when the
    latest recorded change on one of its measures reaches that measure's threshold.
    """
    wanted = point_thresholds(text)
    if not wanted:
        return None, []
    reported, met = [], False
    for points, names in wanted:
        changes = _changes(names, facts)
        reported += [f.id for f, _ in changes]
        if changes:
            latest = max(changes, key=lambda c: (c[0].date is not None, c[0].date))
            met = met or latest[1] >= points
    if met:
        return None, reported
    if reported:
        return (
            "a re-assessment showing a change on the outcome measure of at least the number "
            "of points the policy states; the chart records a smaller change"
        ), reported
    return (
        "the baseline and latest values of the outcome measure the policy names, showing a "
        "change of at least the number of points it states"
    ), reported


def apply_thresholds(evidence: EvidenceMap, facts: Sequence[ChartFact]) -> EvidenceMap:
    """A met criterion whose stated point threshold the chart does not reach becomes a gap."""
    links = []
    for link in evidence.links:
        need, reported = threshold_shortfall(link.criterion.text, facts)
        if link.status is EvidenceStatus.MET and need:
            link = link.model_copy(
                update={
                    "status": EvidenceStatus.GAP,
                    "need": need,
                    "fact_ids": list(dict.fromkeys([*reported, *link.fact_ids])),
                }
            )
        links.append(link)
    return EvidenceMap(links=links)
