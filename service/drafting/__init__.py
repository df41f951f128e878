"""Drafting: the deterministic composer, or the configured model with the composer behind it."""

from __future__ import annotations

from collections.abc import Callable

from service.drafting.composer import ComposeInput, compose
from service.drafting.model import ModelDraft, draft_with_model
from service.llm.adapter import LLM
from service.models import LetterDraft, ValidationReport


def write_appeal(
    inp: ComposeInput,
    *,
    check: Callable[[LetterDraft], ValidationReport],
    llm: LLM | None,
    redact: bool = True,
) -> ModelDraft:
    """The composer offline; the model (with repairs and the composer as fallback) when set.

    `check` renders and validates a candidate letter: the one gate every drafter goes through.
    """
    if llm is None:
        return ModelDraft(
            letter=compose(inp), drafter="composer", prompt_id=None, prompt_version=None, model=None
        )
    return draft_with_model(inp, llm=llm, check=check, redact=redact)
