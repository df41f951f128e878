"""LLM-assisted extraction: stated criteria and chart facts the deterministic parsers missed.

The model only points at text: every criterion and fact it returns must appear verbatim in the
source (after whitespace is collapsed), and a fact's date must be written in the notes exactly
as the model quotes it, or the item is dropped. What survives carries its span in the source.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from service.drafting.llm import LLM
from service.drafting.prompts import load_prompt, render
from service.errors import LLMError
from service.intake.text import parse_date
from service.models import Chart, ChartFact, Denial, FactType, Span, StatedCriterion
from service.phi import Redactor

PROMPT_ID = "extract_denial"
MAX_CHARS = 20_000


class CriterionOut(BaseModel):
    model_config = ConfigDict(extra="ignore")
    text: str


class FactOut(BaseModel):
    model_config = ConfigDict(extra="ignore")
    type: Literal[tuple(t.value for t in FactType)]  # type: ignore[valid-type]
    text: str
    date_as_written: str = ""
    source: str = ""


class ExtractOut(BaseModel):
    """What the model copies out of the denial and the notes."""

    model_config = ConfigDict(extra="ignore")
    stated_criteria: list[CriterionOut] = []
    chart_facts: list[FactOut] = []


def find_verbatim(needle: str, haystack: str) -> Span | None:
    """Where `needle` occurs in `haystack`, allowing only whitespace to differ; None if absent."""
    words = needle.split()
    if not words:
        return None
    pos = 0
    while (start := haystack.find(words[0], pos)) >= 0:
        end, ok = start + len(words[0]), True
        for word in words[1:]:
            gap = len(haystack[end:]) - len(haystack[end:].lstrip())
            if not gap or not haystack.startswith(word, end + gap):
                ok = False
                break
            end += gap + len(word)
        if ok:
            return Span(start=start, end=end)
        pos = start + 1
    return None


def _key(text: str) -> str:
    return " ".join(text.lower().split()).rstrip(".")


def _criteria(out: ExtractOut, denial: Denial) -> list[StatedCriterion]:
    known = {_key(c.text) for c in denial.stated_criteria}
    found: list[StatedCriterion] = []
    for c in out.stated_criteria:
        span = find_verbatim(c.text, denial.source_text)
        if span is None or _key(c.text) in known:
            continue
        known.add(_key(c.text))
        n = len(denial.stated_criteria) + len(found) + 1
        found.append(StatedCriterion(id=f"SC{n}", text=" ".join(c.text.split()), span=span))
    return found


def _facts(out: ExtractOut, chart: Chart) -> list[ChartFact]:
    known = {_key(f.text) for f in chart.facts}
    found: list[ChartFact] = []
    for f in out.chart_facts:
        span = find_verbatim(f.text, chart.source_text)
        if span is None or _key(f.text) in known:
            continue
        date = None
        if f.date_as_written.strip():
            date = parse_date(f.date_as_written)
            if date is None or find_verbatim(f.date_as_written, chart.source_text) is None:
                continue  # a date the notes do not write is invented
        known.add(_key(f.text))
        n = len(chart.facts) + len(found) + 1
        found.append(
            ChartFact(
                id=f"F{n}",
                type=FactType(f.type),
                date=date,
                source=f.source,
                text=chart.source_text[span.start : span.end],
                span=span,
            )
        )
    return found


def extract_with_model(
    denial: Denial, chart: Chart, *, llm: LLM, redact: bool = True
) -> tuple[list[StatedCriterion], list[ChartFact]]:
    """Extra stated criteria and chart facts from the source texts; ([], []) if the model fails."""
    redactor = Redactor.for_case(denial, chart, enabled=redact)
    values = {
        "denial_text": denial.source_text[:MAX_CHARS],
        "chart_text": chart.source_text[:MAX_CHARS],
    }
    messages = redactor.redact_messages(render(load_prompt(PROMPT_ID), values))
    try:
        reply = llm.complete(messages, response_schema=ExtractOut)
        raw = ExtractOut.model_validate_json(reply.text)
    except (LLMError, ValidationError):
        return [], []  # the deterministic parse stands on its own
    out = ExtractOut.model_validate(redactor.restore_obj(raw.model_dump()))
    return _criteria(out, denial), _facts(out, chart)
