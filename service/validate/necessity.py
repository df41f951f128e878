"""Checks a letter of medical necessity needs beyond the shared validator.

A letter of medical necessity asks for a service before it is given, so every criterion that
applies must be documented (the shared validator only warns on an undocumented policy
criterion, which suits an appeal answering stated reasons). The readiness flags hold it too.
"""

from __future__ import annotations

import re

from service.config import Settings
from service.models import Category, LetterDraft, Problem, Strategy, Triage, ValidationReport
from service.readiness import Assessment
from service.validate import validate

_FIRST_PERSON = re.compile(r"(?<![\w\u201c])I(?= [a-z])|\bmy\b")
_PRACTICE_VOICE = re.compile(r"\b(?:we (?:ask|request|are writing)|our patient)\b", re.I)
_QUOTED = re.compile(r"\u201c[^\u201d]*\u201d")
_VOICED = ("opening", "closing")


def check_provider_voice(letter: LetterDraft) -> list[Problem]:
    """First person singular by the treating provider; never the practice's 'we'."""
    problems = []
    if not _FIRST_PERSON.search(_QUOTED.sub(" ", letter.opening)):
        problems.append(
            Problem(
                code="wrong_voice",
                where="opening",
                message="A letter of medical necessity opens in the treating provider's own voice "
                "(first person singular).",
            )
        )
    texts = {
        "opening": letter.opening,
        "closing": letter.closing,
        **{f"identifiers.{k}": v for k, v in letter.identifiers.items()},
    }
    for where, value in texts.items():
        if _PRACTICE_VOICE.search(_QUOTED.sub(" ", value)):
            problems.append(
                Problem(
                    code="wrong_voice",
                    where=where,
                    message="The practice's 'we' in a letter written in the provider's voice.",
                )
            )
    return problems


def readiness_problems(a: Assessment) -> list[Problem]:
    """No governing policy, and each readiness flag, as problems that hold the letter."""
    problems = []
    if not a.policy:
        problems.append(
            Problem(
                code="no_policy",
                where="criteria",
                message="No policy of this payer for the requested code is in the index; the "
                "letter cannot show the payer's criteria are met. " + a.readiness.note,
            )
        )
    problems += [Problem(code=f.code, where=f.where, message=f.message) for f in a.readiness.flags]
    return problems


def finish_report(report: ValidationReport, letter: LetterDraft, a: Assessment) -> ValidationReport:
    """The shared report, with undocumented criteria made errors and the LMN checks added."""
    problems = [
        p.model_copy(update={"severity": "error"})
        if p.code == "policy_criterion_not_documented"
        else p
        for p in report.problems
    ]
    problems += [*check_provider_voice(letter), *readiness_problems(a)]
    unique = list({(p.code, p.where, p.message): p for p in problems}.values())
    return ValidationReport(
        ok=not any(p.severity == "error" for p in unique),
        problems=unique,
        checked=[*report.checked, "provider_voice", "readiness"],
    )


def _triage(letter_type: str) -> Triage:
    # The shared validator reads a triage; a necessity letter's is fixed, not derived.
    return Triage(
        category=Category.MEDICAL_NECESSITY,
        strategy=Strategy.APPEAL,
        letter_type=letter_type,
        appeal_level="Letter of medical necessity",
    )


def validate_necessity(letter: LetterDraft, a: Assessment, settings: Settings) -> ValidationReport:
    """Validate a rendered necessity letter: the shared checks plus the LMN's own."""
    report = validate(
        letter,
        denial=a.case.denial,
        chart=a.case.chart,
        triage=_triage(letter.letter_type),
        evidence=a.evidence,
        passages=a.policy,
        settings=settings,
    )
    return finish_report(report, letter, a)
