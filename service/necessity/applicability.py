"""Which of a policy's coverage criteria apply to this request (diagnosis, purpose, service).

A policy for several conditions lists criteria per condition, and renewal criteria only bind a
continuation request. Letting every item count would report gaps no reviewer would ask about.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from service.models import ChartFact, EvidenceMap, EvidenceStatus, PolicyPassage
from service.necessity.case import NecessityCase

_RULES_FILE = Path(__file__).parent / "data" / "applicability.yaml"
_ITEM = re.compile(r"^\s*([a-z])\.\s+")


@dataclass
class Applicable:
    passages: list[PolicyPassage]  # criteria that apply, narrowed to the sub-items that apply
    items: dict[str, list[str]]  # passage id -> sub-item letters kept, when narrowed
    skipped: dict[str, str]  # passage id -> why the criterion does not apply
    requires: dict[str, dict] = field(default_factory=dict)  # passage id -> sharper evidence rule


@lru_cache(maxsize=1)
def _rules() -> dict:
    return yaml.safe_load(_RULES_FILE.read_text(encoding="utf-8")) or {}


def criterion_number(passage: PolicyPassage) -> str:
    """'Coverage criteria > 3' -> '3'; a note ('note-1') gives its own label."""
    return passage.section.rsplit(">", 1)[-1].strip()


def narrow(text: str, keep: list[str]) -> str:
    """The criterion text with only the sub-items whose letters are in `keep`."""
    out, current = [], None
    for line in text.splitlines():
        m = _ITEM.match(line)
        if m:
            current = m.group(1)
        if current is None or current in keep:
            out.append(line)
    return "\n".join(out)


def _why_not(rule: dict, case: NecessityCase) -> str | None:
    dx = [d.code for d in case.denial.diagnosis_codes]
    prefixes = rule.get("diagnoses")
    if prefixes and not any(code.startswith(tuple(prefixes)) for code in dx):
        return f"Does not apply to the requested diagnosis: {rule.get('reason', '')}".rstrip(": ")
    purposes = rule.get("purposes")
    if purposes and case.request.purpose.value not in purposes:
        return f"Does not apply to this request's purpose: {rule.get('reason', '')}".rstrip(": ")
    return None


def applicable(passages: list[PolicyPassage], case: NecessityCase) -> Applicable:
    """Split the policy's criteria into those that bind this request and those that do not."""
    code = case.denial.service_codes[0] if case.denial.service_codes else ""
    kept: list[PolicyPassage] = []
    requires: dict[str, dict] = {}
    items: dict[str, list[str]] = {}
    skipped: dict[str, str] = {}
    for p in passages:
        number = criterion_number(p)
        if not number.isdigit():
            skipped[p.id] = "A note to the criteria (an exemption), not a requirement."
            continue
        rule = _rules().get(p.policy_id, {}).get(number) or {}
        why = _why_not(rule, case)
        if why:
            skipped[p.id] = why
            continue
        by_code = rule.get("items") or {}
        keep = by_code.get(code) or by_code.get("*")
        if keep:
            items[p.id] = list(keep)
            p = p.model_copy(update={"text": narrow(p.text, keep)})
        kept.append(p)
        sharper = _rules().get(f"{p.policy_id}-evidence", {}).get(number)
        if sharper:
            requires[p.id] = sharper
    return Applicable(passages=kept, items=items, skipped=skipped, requires=requires)


def _names(fact: ChartFact, terms: list[str]) -> bool:
    text = fact.text.lower()
    negated = bool(fact.outcome and "negat" in fact.outcome.lower())
    return not negated and any(re.search(rf"(?<![a-z]){re.escape(t)}(?![a-z])", text)
                               for t in terms)


def sharpen(evidence: EvidenceMap, scope: Applicable, facts: Sequence[ChartFact]) -> EvidenceMap:
    """Apply the `requires` rules: a criterion is met only when a fact names what it asks."""
    links = []
    for link in evidence.links:
        rule = scope.requires.get(link.criterion.id)
        if rule is None:
            links.append(link)
            continue
        found = [f.id for f in facts if _names(f, rule["terms"])]
        base_ok = rule.get("only") or link.status is EvidenceStatus.MET
        ids = found if rule.get("only") else [*found, *(i for i in link.fact_ids if i not in found)]
        met = bool(found) and base_ok
        need = None if met else (link.need if found and not base_ok else rule["need"])
        links.append(link.model_copy(update={
            "status": EvidenceStatus.MET if met else EvidenceStatus.GAP,
            "fact_ids": ids, "need": need}))
    return EvidenceMap(links=links)
