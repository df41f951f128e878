"""Which of a policy's coverage criteria apply to this request (diagnosis, purpose, service).

A policy for several conditions lists criteria per condition, and renewal criteria only bind a
continuation request. Letting every item count would report gaps no reviewer would ask about.
General rules come first (a "Continued coverage"/"Renewal" criterion binds only a continuation
request; a criterion labelled with an item the lead-in ties to other codes binds only those
codes); evidence/data/applicability.yaml adds what no general rule can read.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from service.evidence.thresholds import apply_thresholds
from service.models import (
    ChartFact,
    EvidenceMap,
    EvidenceStatus,
    NecessityCase,
    PolicyPassage,
    Purpose,
)
from service.policies.criteria import PREREQUISITE, criterion_number, lead_in

_RULES_FILE = Path(__file__).parent / "data" / "applicability.yaml"
_ITEM = re.compile(r"^\s*([a-z])\.\s+")
# A criterion about keeping coverage after the first period opens with one of these words.
_RENEWAL = re.compile(
    r"^\s*\d+\.\s+(?:[\w -]+:\s*)?(?:continued|continuation|continuing|renewal|renewals|"
    r"re-?authorization)\b",
    re.I,
)
_LABEL = re.compile(r"^\s*\d+\.\s+([A-Za-z][\w -]{2,40}?):")
_CODE = re.compile(r"\b([A-V]\d{4}|\d{5})\b")


@dataclass
class Applicable:
    passages: list[PolicyPassage]  # criteria that apply, narrowed to the sub-items that apply
    items: dict[str, list[str]]  # passage id -> sub-item letters kept, when narrowed
    skipped: dict[str, str]  # passage id -> why the criterion does not apply
    requires: dict[str, dict] = field(default_factory=dict)  # passage id -> sharper evidence rule
    codes: list[str] = field(default_factory=list)  # the requested service codes


@lru_cache(maxsize=1)
def _rules() -> dict:
    return yaml.safe_load(_RULES_FILE.read_text(encoding="utf-8")) or {}


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


def _body(passage: PolicyPassage) -> str:
    m = re.search(r"^\s*\d+\.\s+", passage.text, re.M)
    return passage.text[m.start() :] if m else passage.text


def _codes_in(text: str) -> tuple[set[str], list[str]]:
    """Codes a parenthetical names, and those named as 'X and above' (open ranges)."""
    named = set(_CODE.findall(text))
    above = re.findall(r"\b([A-V]\d{4}|\d{5}) and above\b", text)
    return named, above


def _label_codes(passage: PolicyPassage) -> tuple[str, set[str], list[str]] | None:
    """(label, codes, open ranges) when the lead-in ties the criterion's label to codes:
    "a power wheelchair (for example K0823, or K0835 and above ...) also needs ..."."""
    m = _LABEL.match(_body(passage))
    if not m:
        return None
    label = m.group(1).strip().lower()
    tied = re.search(rf"\b{re.escape(label)}s? \(([^()]*)\)", lead_in(passage), re.I)
    if not tied:
        return None
    named, above = _codes_in(tied.group(1))
    return (label, named, above) if named else None


def _general_why_not(passage: PolicyPassage, case: NecessityCase) -> str | None:
    """The general rules: renewal criteria, and criteria for an item of other codes."""
    if case.request.purpose is not Purpose.CONTINUATION_OF_CARE and _RENEWAL.match(_body(passage)):
        return "Does not apply to a first request: it governs continued coverage or renewal"
    tied = _label_codes(passage)
    code = case.denial.service_codes[0] if case.denial.service_codes else ""
    if tied and code:
        label, named, above = tied
        description = case.request.service.description.lower()
        same_kind = label in description or code in named
        if not same_kind and not any(code[0] == a[0] and code >= a for a in above):
            return f"Does not apply to the requested code: it governs a {label}"
    return None


def _why_not(rule: dict, case: NecessityCase) -> str | None:
    if rule.get("plan_rule"):
        return f"The plan's own rule, not a finding to document: {rule['plan_rule']}"
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
        if not number.isdigit() and not number.startswith(PREREQUISITE):
            skipped[p.id] = "A note to the criteria (an exemption), not a requirement."
            continue
        rule = _rules().get(p.policy_id, {}).get(number) or {}
        why = _why_not(rule, case) or _general_why_not(p, case)
        if why:
            skipped[p.id] = why
            continue
        by_code = rule.get("items") or {}
        keep = by_code.get(code) or by_code.get("*")
        if keep:
            items[p.id] = list(keep)
            p = p.model_copy(update={"text": narrow(p.text, keep)})
        kept.append(p)
        sharper = evidence_rule(p)
        if sharper:
            requires[p.id] = sharper
    return Applicable(
        passages=kept,
        items=items,
        skipped=skipped,
        requires=requires,
        codes=list(case.denial.service_codes),
    )


def evidence_rule(passage: PolicyPassage) -> dict | None:
    """The sharper evidence rule the table keeps for a policy criterion, if any."""
    return _rules().get(f"{passage.policy_id}-evidence", {}).get(criterion_number(passage))


def _names(fact: ChartFact, terms: list[str], source: bool = False) -> bool:
    text = f"{fact.text} {fact.source}" if source else fact.text
    negated = bool(fact.outcome and "negat" in fact.outcome.lower())
    return not negated and any(
        re.search(rf"(?<![a-z]){re.escape(t)}(?![a-z])", text.lower()) for t in terms
    )


def _named(rule: dict, facts: Sequence[ChartFact]) -> list[str]:
    """Facts naming the rule's terms; with `all`, every group of terms must be named."""
    source = bool(rule.get("source"))
    groups = [rule["terms"], *rule.get("all", [])] if rule.get("terms") else rule.get("all", [])
    hits = [[f.id for f in facts if _names(f, g, source)] for g in groups]
    if not all(hits):
        return []
    return list(dict.fromkeys(i for h in hits for i in h))


def sharpen(
    evidence: EvidenceMap, requires: dict[str, dict], facts: Sequence[ChartFact]
) -> EvidenceMap:
    """Apply the `requires` rules: a criterion is met only when a fact names what it asks."""
    links = []
    for link in evidence.links:
        rule = requires.get(link.criterion.id)
        if rule is None:
            links.append(link)
            continue
        found = _named(rule, facts)
        base_ok = rule.get("only") or link.status is EvidenceStatus.MET
        ids = found if rule.get("only") else [*found, *(i for i in link.fact_ids if i not in found)]
        met = bool(found) and base_ok
        need = None if met else (link.need if found and not base_ok else rule["need"])
        links.append(
            link.model_copy(
                update={
                    "status": EvidenceStatus.MET if met else EvidenceStatus.GAP,
                    "fact_ids": ids,
                    "need": need,
                }
            )
        )
    # A sharper rule never waives a threshold the criterion states.
    return apply_thresholds(EvidenceMap(links=links), facts)
