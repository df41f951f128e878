"""The validator: required elements (data beside each template) plus exact grounding checks.

Code, not a model. It returns every problem at once, each with where and why. Grounding means
every code, date, amount, NPI, quotation and policy id in the letter can be found in what the
user gave us (denial, chart, config) or in a passage we retrieved; anything else is invented.
"""

from __future__ import annotations

from collections.abc import Sequence

from service.config import Settings
from service.models import (
    Chart,
    Denial,
    EvidenceMap,
    LetterDraft,
    PolicyPassage,
    Problem,
    Triage,
    ValidationReport,
)
from service.render import load_spec
from service.validate import criteria
from service.validate.elements import applies, check_required
from service.validate.grounding import (
    check_citations,
    check_names,
    check_npi,
    check_rendered,
    scan_fields,
)
from service.validate.grounds import build_grounds, letter_codes, normalize, parse_date
from service.validate.substance import CHECKS as SUBSTANCE_CHECKS
from service.validate.substance import check_substance
from service.validate.voice import check_voice_and_tone

__all__ = [
    "applies",
    "build_grounds",
    "check_required",
    "letter_codes",
    "load_spec",
    "normalize",
    "parse_date",
    "validate",
]

CHECKS = [
    "required_elements",
    "placeholders",
    "codes",
    "dates",
    "amounts",
    "npi",
    "quotes",
    "policy_ids",
    "citations",
    "names",
    "voice",
    "tone",
]


def _one_per_gap(problems: list[Problem]) -> list[Problem]:
    """A missing element's placeholder is the same gap: keep only the missing_element problem,
    which names what to add (it holds the draft as the placeholder would)."""
    missing = {p.where for p in problems if p.code == "missing_element" and p.severity == "error"}
    return [p for p in problems if not (p.code == "unfilled_placeholder" and p.where in missing)]


def validate(
    letter: LetterDraft,
    *,
    denial: Denial,
    chart: Chart,
    triage: Triage,
    evidence: EvidenceMap,
    passages: Sequence[PolicyPassage],
    settings: Settings,
) -> ValidationReport:
    """Run every check and return all problems; ok means no problem of severity error."""
    grounds = build_grounds(denial, chart, passages, settings, triage, letter.date)
    problems = [
        *check_required(letter, denial, triage),
        *scan_fields(letter, grounds),
        *check_rendered(letter),
        *check_npi(letter, chart, settings),
        *check_names(letter, denial, chart, settings),
        *check_citations(letter, chart, grounds),
        *criteria.check_points(letter, evidence, chart, triage),
        *criteria.check_criteria(letter, evidence, denial, chart),
        *check_voice_and_tone(letter),
        *check_substance(
            letter,
            denial=denial,
            chart=chart,
            passages=passages,
            settings=settings,
            dated=criteria.age_points(letter, evidence),
        ),
    ]
    unique = _one_per_gap(list({(p.code, p.where, p.message): p for p in problems}.values()))
    ok = not any(p.severity == "error" for p in unique)
    return ValidationReport(
        ok=ok, problems=unique, checked=[*CHECKS, *criteria.CHECKS, *SUBSTANCE_CHECKS]
    )
