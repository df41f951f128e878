"""Readiness flags: diagnosis coding and documentation mistakes that lose necessity reviews.

Sources: ../shared/DOMAIN.md section 4 (rule-out diagnoses as justification; unspecified codes
where a specific one fits; no record of failed conservative therapy).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from types import ModuleType

from service.intake.codes import is_billable_icd10, is_valid_icd10
from service.models import Chart, DiagnosisCode, EvidenceLink, EvidenceStatus, FactType, Flag

_RULE_OUT = re.compile(r"\b(?:rule[- ]out|r/o|possible|suspected|probable|questionable)\b", re.I)
# Heading ids (evidence/data/concepts.yaml) of a treatment tried and how it ended.
CONSERVATIVE = ("therapy_duration", "prior_drug_trial")
MAX_SUGGESTIONS = 5
_CONSERVATIVE = re.compile(r"\bconservative (?:care|treatment|therapy|management)\b", re.I)


def _icd() -> ModuleType:
    is_valid_icd10("A00")  # loads the code set once, in the codes module's own way
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import simple_icd_10_cm

    return simple_icd_10_cm


def _unspecified(description: str) -> bool:
    return "unspecified" in description.lower()


def specific_alternatives(code: str) -> list[str]:
    """Billable codes more specific than `code`, from its nearest ancestor that has some."""
    icd = _icd()
    node = code
    for _ in range(4):
        leaves = [
            c
            for c in icd.get_descendants(node)
            if c != code and icd.is_leaf(c) and not _unspecified(icd.get_description(c))
        ]
        if leaves:
            return leaves[:MAX_SUGGESTIONS]
        node = icd.get_parent(node)
        if not node or icd.is_chapter_or_block(node):
            break
    return []


def _code_flag(i: int, dx: DiagnosisCode) -> Flag | None:
    where = f"diagnosis_codes[{i}]"
    if not is_billable_icd10(dx.code):
        return Flag(
            code="unspecified_diagnosis",
            where=where,
            message=f"{dx.code} is a category, not a billable code: use a specific code under it.",
            suggestions=specific_alternatives(dx.code),
        )
    desc = _icd().get_description(dx.code)
    if _unspecified(desc):
        alternatives = specific_alternatives(dx.code)
        if alternatives:
            return Flag(
                code="unspecified_diagnosis",
                where=where,
                message=f"{dx.code} is an unspecified code; a more specific one exists. Code "
                "what the record documents.",
                suggestions=alternatives,
            )
    return None


def diagnosis_flags(diagnoses: Sequence[DiagnosisCode], chart: Chart) -> list[Flag]:
    """Unspecified codes where a specific one exists; rule-out diagnoses used as justification."""
    flags = [f for i, dx in enumerate(diagnoses) if (f := _code_flag(i, dx))]
    for i, dx in enumerate(diagnoses):
        if _RULE_OUT.search(dx.description):
            flags.append(
                Flag(
                    code="rule_out_diagnosis",
                    where=f"diagnosis_codes[{i}]",
                    message="The diagnosis is worded as one to rule out or suspected; a letter "
                    "must rest on a confirmed diagnosis.",
                )
            )
    for fact in chart.facts:
        if fact.type is FactType.DIAGNOSIS and _RULE_OUT.search(fact.text):
            flags.append(
                Flag(
                    code="rule_out_diagnosis",
                    where=f"chart.facts.{fact.id}",
                    message="The chart's diagnosis is a rule-out or suspected one; confirm it "
                    "before it is used to justify the request.",
                )
            )
    return flags


def conservative_flag(links: Sequence[EvidenceLink]) -> Flag | None:
    """The policy asks for failed conservative treatment and the chart has no record of it."""
    missing = [
        link.criterion.id
        for link in links
        if link.status is EvidenceStatus.GAP
        and (set(link.missing) & set(CONSERVATIVE) or _CONSERVATIVE.search(link.criterion.text))
    ]
    if not missing:
        return None
    return Flag(
        code="no_failed_conservative_treatment",
        where=f"criteria.{missing[0]}",
        message="The policy requires failed conservative treatment and the chart has no record "
        "of what was tried, for how long, and that it did not work.",
    )
