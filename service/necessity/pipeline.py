"""The necessity pipeline: request → case → policy → readiness → letter → render → validate → gate.

`draft_necessity` only calls the stages in order. Bad input raises; a letter that fails the
checks comes back `held` with its report and the readiness check saying what to document.
"""

from __future__ import annotations

import datetime as dt

from service.config import Settings
from service.models import Category, LetterDraft, Strategy, Triage, ValidationReport
from service.necessity.case import build_case
from service.necessity.checks import finish_report
from service.necessity.composer import COMPOSER_VERSION, compose_necessity
from service.necessity.models import NecessityRequest, NecessityResult
from service.necessity.readiness import Assessment, assess_request
from service.policy_select import Retriever, cited_ids
from service.release import gate, provenance
from service.render import render_text
from service.validate import validate


def today_for(settings: Settings) -> dt.date:
    """The letter date: fixed by config for reproducible evals, else today."""
    return dt.date.fromisoformat(settings.today) if settings.today else dt.date.today()


def _triage(letter_type: str) -> Triage:
    # The shared validator reads a triage; a necessity letter's is fixed, not derived.
    return Triage(category=Category.MEDICAL_NECESSITY, strategy=Strategy.APPEAL,
                  letter_type=letter_type, appeal_level="Letter of medical necessity")


def check_letter(letter: LetterDraft, a: Assessment, settings: Settings) -> ValidationReport:
    """Validate a rendered necessity letter: the shared checks plus the LMN's own."""
    report = validate(
        letter, denial=a.case.denial, chart=a.case.chart, triage=_triage(letter.letter_type),
        evidence=a.evidence, passages=a.policy, settings=settings,
    )
    return finish_report(report, letter, a)


def letter_for(a: Assessment, *, settings: Settings, corpus_version: str | None,
               notes: list[str] | None = None) -> NecessityResult:
    """Compose, render, validate and gate the letter for an assessed request."""
    draft = compose_necessity(a, today_for(settings))
    letter = draft.model_copy(update={"text": render_text(draft, settings)})
    report = check_letter(letter, a, settings)
    cited = {c.passage_id for p in letter.points for c in p.citations if c.passage_id}
    stamp = provenance(
        letter, drafter="necessity-composer", drafter_version=COMPOSER_VERSION,
        passage_ids=cited_ids([p for p in a.policy if p.id in cited]),
        corpus_version=corpus_version,
        notes=[n for n in [a.readiness.note, *(notes or [])] if n],
    )
    return NecessityResult(
        status=gate(report), letter_type=letter.letter_type, letter_kind=a.case.kind,
        purpose=a.case.request.purpose, text=letter.text, readiness=a.readiness,
        evidence=a.evidence, letter=letter, passages=a.policy, report=report, provenance=stamp,
    )


def draft_necessity(
    request: NecessityRequest, *, settings: Settings, retriever: Retriever | None
) -> NecessityResult:
    """Draft one letter of medical necessity. Bad input raises; a weak letter is held."""
    case = build_case(request, settings)
    assessment = assess_request(case, retriever)
    return letter_for(assessment, settings=settings,
                      corpus_version=getattr(retriever, "corpus_version", None))
