"""The release gate: a letter leaves as `released` only with a passing report; otherwise it is
kept as `held` with its report. Provenance is stamped either way."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from service.models import DraftStatus, LetterDraft, Provenance, ValidationReport
from service.render import template_version


def gate(report: ValidationReport) -> DraftStatus:
    """Released only when the validator found no error."""
    return DraftStatus.RELEASED if report.ok else DraftStatus.HELD


def provenance(
    letter: LetterDraft | None,
    *,
    drafter: str,
    drafter_version: str,
    passage_ids: Sequence[str],
    corpus_version: str | None,
    notes: Sequence[str] = (),
    prompt_id: str | None = None,
    prompt_version: str | None = None,
    model: str | None = None,
) -> Provenance:
    """Who and what produced this draft, so a letter can be traced and reproduced."""
    letter_type = letter.letter_type if letter else ""
    return Provenance(
        drafter=drafter,
        drafter_version=drafter_version,
        template=f"{letter_type}.txt.j2" if letter_type else "",
        template_version=template_version(letter_type) if letter_type else "",
        prompt_id=prompt_id,
        prompt_version=prompt_version,
        model=model,
        passage_ids=list(passage_ids),
        corpus_version=corpus_version,
        created_at=dt.datetime.now(dt.UTC),
        notes=list(notes),
    )


def total_usage(draft: dict[str, float], extract: dict[str, float]) -> dict[str, float]:
    """The draft's model usage plus the extraction's: totals summed, extraction also kept apart."""
    if not extract:
        return dict(draft)
    out = {k: draft.get(k, 0.0) + extract.get(k, 0.0) for k in {*draft, *extract}}
    out.update({f"extract_{k}": v for k, v in extract.items()})
    return out
