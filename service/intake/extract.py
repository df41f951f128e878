"""LLM-assisted extraction: denial fields, stated criteria and chart facts the parsers missed.

The model only points at text. Its answer is merged into the deterministic parse under three
rules: a value the parser found always wins; a model value fills a gap only when it (and every
identifier, code and date in it) is written verbatim in the source, after whitespace is
collapsed, else it is dropped and the field is named (never its value) in the notes; a failed
model call leaves the parse exactly as it was, with a note. What survives carries its span.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from service.errors import LLMError
from service.intake import codes
from service.intake.dates import parse_date
from service.llm.adapter import LLM, LLMReply
from service.llm.phi import Redactor
from service.llm.prompts import load_prompt, render
from service.models import (
    Chart,
    ChartFact,
    CodeSystem,
    Denial,
    DiagnosisCode,
    FactType,
    ServiceLine,
    Span,
    StatedCriterion,
)
from service.models.denial import DENIAL_DATE_FIELDS, DENIAL_TEXT_FIELDS

PROMPT_ID = "extract_denial"
MAX_CHARS = 20_000
TEXT_FIELDS = DENIAL_TEXT_FIELDS
DATE_FIELDS = DENIAL_DATE_FIELDS
_FENCE = re.compile(r"^\s*```(?:json)?\s*|\s*```\s*$")


class CodeOut(BaseModel):
    model_config = ConfigDict(extra="ignore")
    code: str
    description: str | None = ""


class FieldsOut(BaseModel):
    """Denial fields as the model copies them; dates exactly as written."""

    model_config = ConfigDict(extra="ignore")
    payer: str | None = None
    plan_name: str | None = None
    reviewer: str | None = None
    patient_name: str | None = None
    member_id: str | None = None
    claim_number: str | None = None
    reference_number: str | None = None
    denial_reason: str | None = None
    guideline: str | None = None
    date_of_birth: str | None = None
    denial_date: str | None = None
    dates_of_service: list[str] = []
    service_codes: list[CodeOut] = []
    diagnosis_codes: list[str] = []


class CriterionOut(BaseModel):
    model_config = ConfigDict(extra="ignore")
    text: str


class FactOut(BaseModel):
    model_config = ConfigDict(extra="ignore")
    type: Literal[tuple(t.value for t in FactType)]  # type: ignore[valid-type]
    text: str
    date_as_written: str | None = ""
    source: str | None = ""


class ExtractOut(BaseModel):
    """What the model copies out of the denial and the notes."""

    model_config = ConfigDict(extra="ignore")
    fields: FieldsOut = FieldsOut()
    stated_criteria: list[CriterionOut] = []
    chart_facts: list[FactOut] = []


@dataclass
class Extraction:
    """The merged parse, what the model filled and dropped (field names only), notes, usage."""

    denial: Denial
    chart: Chart
    filled: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    usage: dict[str, float] = field(default_factory=dict)


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


def _word(token: str, text: str) -> Span | None:
    """Where a code or identifier occurs as a whole word (72197 is not inside 172197)."""
    m = re.search(rf"(?<![\w]){re.escape(token.strip())}(?![\w])", text)
    return Span(start=m.start(), end=m.end()) if m and token.strip() else None


def _key(text: str) -> str:
    return " ".join(text.lower().split()).rstrip(".")


def _overlaps(span: Span, spans: list[Span]) -> bool:
    return any(span.start < s.end and s.start < span.end for s in spans)


class _Merge:
    """One merge of a model answer into a parse: collects filled and dropped field names."""

    def __init__(self, denial: Denial, chart: Chart) -> None:
        self.denial = denial.model_dump(exclude={"service_codes", "carc_codes"})
        self.chart = chart
        self.source = denial.source_text
        self.filled: list[str] = []
        self.dropped: list[str] = []

    def put(self, name: str, value: object, span: Span) -> None:
        self.denial[name] = value
        self.denial["sources"][name] = span
        self.filled.append(name)

    def text_fields(self, out: FieldsOut) -> None:
        for name in TEXT_FIELDS:
            value = (getattr(out, name) or "").strip()
            if not value or self.denial[name]:
                continue  # nothing offered, or the parser's value wins
            span = find_verbatim(value, self.source)
            if span is None:
                self.dropped.append(name)
            else:
                self.put(name, self.source[span.start : span.end], span)

    def date_fields(self, out: FieldsOut) -> None:
        for name in DATE_FIELDS:
            written = (getattr(out, name) or "").strip()
            if not written or self.denial[name]:
                continue
            span, day = find_verbatim(written, self.source), parse_date(written)
            if span is None or day is None:
                self.dropped.append(name)
            else:
                self.put(name, day, span)
        if out.dates_of_service and not self.denial["dates_of_service"]:
            days = []
            for i, written in enumerate(out.dates_of_service):
                span, day = find_verbatim(written, self.source), parse_date(written)
                if span is None or day is None:
                    self.dropped.append("dates_of_service")
                    return  # a list with one invented date is not trusted at all
                days.append(day)
                self.denial["sources"][f"dates_of_service[{i}]"] = span
            self.denial["dates_of_service"] = sorted(set(days))
            self.filled.append("dates_of_service")

    def service_codes(self, out: FieldsOut) -> None:
        if not out.service_codes or self.denial["service_lines"]:
            return
        lines: list[dict[str, object]] = []
        for c in out.service_codes:
            code = c.code.strip().upper()
            span = _word(code, self.source)
            system = CodeSystem.CPT if codes.is_cpt(code) else None
            system = CodeSystem.HCPCS if system is None and codes.is_hcpcs(code) else system
            if span is None or system is None:
                self.dropped.append("service_lines")
                continue
            desc = (c.description or "").strip()
            desc_span = find_verbatim(desc, self.source) if desc else None
            n = len(lines)
            self.denial["sources"][f"service_lines[{n}].code"] = span
            if desc_span is not None:
                self.denial["sources"][f"service_lines[{n}].description"] = desc_span
            text = self.source[desc_span.start : desc_span.end] if desc_span else ""
            line = ServiceLine(code=code, code_system=system, description=text)
            lines.append(line.model_dump())
        if lines:
            self.denial["service_lines"] = lines
            self.filled.append("service_lines")

    def diagnosis_codes(self, out: FieldsOut) -> None:
        if not out.diagnosis_codes or self.denial["diagnosis_codes"]:
            return
        found: list[dict[str, object]] = []
        for raw in out.diagnosis_codes:
            span = _word(raw, self.source)
            if span is None or not codes.is_valid_icd10(raw):
                self.dropped.append("diagnosis_codes")
                continue
            code = codes.normalize_icd10(raw)
            self.denial["sources"][f"diagnosis_codes[{len(found)}]"] = span
            found.append(
                DiagnosisCode(
                    code=code,
                    description=codes.icd10_description(code),
                    billable=codes.is_billable_icd10(code),
                ).model_dump()
            )
        if found:
            self.denial["diagnosis_codes"] = found
            self.filled.append("diagnosis_codes")

    def criteria(self, out: ExtractOut) -> None:
        """Stated criteria only when the parser found none: its list is not second-guessed."""
        if not out.stated_criteria or self.denial["stated_criteria"]:
            return
        found: list[dict[str, object]] = []
        seen: set[str] = set()
        for c in out.stated_criteria:
            span = find_verbatim(c.text, self.source)
            if span is None:
                self.dropped.append("stated_criteria")
                continue
            if _key(c.text) in seen:
                continue
            seen.add(_key(c.text))
            self.denial["sources"][f"stated_criteria[{len(found)}]"] = span
            sc = StatedCriterion(id=f"SC{len(found) + 1}", text=" ".join(c.text.split()), span=span)
            found.append(sc.model_dump())
        if found:
            self.denial["stated_criteria"] = found
            self.filled.append("stated_criteria")

    def facts(self, out: ExtractOut) -> None:
        """Chart facts add to the parser's: each verbatim, with a written date, not overlapping."""
        src, have = self.chart.source_text, list(self.chart.facts)
        taken = [f.span for f in have if f.span is not None]
        known = {_key(f.text) for f in have}
        added: list[ChartFact] = []
        ids = {f.id for f in have}
        for f in out.chart_facts:
            n = len(have) + len(added) + 1
            while f"F{n}" in ids:  # facts from a JSON chart may be numbered their own way
                n += 1
            fact = _fact(f, src, n)
            if fact is None:
                self.dropped.append("chart_facts")
            elif fact.span and not _overlaps(fact.span, taken) and _key(f.text) not in known:
                taken.append(fact.span)
                known.add(_key(f.text))
                ids.add(fact.id)
                added.append(fact)
        if added:
            self.chart = self.chart.model_copy(update={"facts": [*have, *added]})
            self.filled.append("chart_facts")


def _fact(f: FactOut, source: str, n: int) -> ChartFact | None:
    """One model fact checked against the notes; None if its text or date is not written there."""
    span = find_verbatim(f.text, source)
    if span is None:
        return None
    date, written = None, (f.date_as_written or "").strip()
    if written:
        date = parse_date(written)
        if date is None or find_verbatim(written, source) is None:
            return None  # a date the notes do not write is invented
    label = (f.source or "").strip()
    label_span = find_verbatim(label, source) if label else None
    return ChartFact(
        id=f"F{n}",
        type=FactType(f.type),
        date=date,
        source=source[label_span.start : label_span.end] if label_span else "",
        text=source[span.start : span.end],
        span=span,
    )


def merge(denial: Denial, chart: Chart, out: ExtractOut) -> Extraction:
    """The parse with the model's verbatim values filling its gaps; parser values always win."""
    m = _Merge(denial, chart)
    if denial.source_text:
        m.text_fields(out.fields)
        m.date_fields(out.fields)
        m.service_codes(out.fields)
        m.diagnosis_codes(out.fields)
        m.criteria(out)
    if chart.source_text:
        m.facts(out)
    filled, dropped = list(dict.fromkeys(m.filled)), list(dict.fromkeys(m.dropped))
    warnings = [
        f"filled by the model from the letter as written: {f}" for f in filled if f != "chart_facts"
    ]
    warnings += [f"a model value not written in the source was dropped: {f}" for f in dropped]
    m.denial["warnings"] = [*denial.warnings, *warnings]
    return Extraction(Denial.model_validate(m.denial), m.chart, filled, dropped)


def _note(result: Extraction, version: str) -> str:
    filled = ", ".join(result.filled) or "nothing"
    note = f"Model-assisted extraction ({PROMPT_ID} v{version}) filled: {filled}."
    if result.dropped:
        note += f" Dropped values not written verbatim in the source: {', '.join(result.dropped)}."
    return note


def _usage(reply: LLMReply, seconds: float) -> dict[str, float]:
    return {
        "calls": 1.0,
        "prompt_tokens": float(reply.prompt_tokens),
        "completion_tokens": float(reply.completion_tokens),
        "cost_usd": float(reply.cost),
        "model_seconds": seconds,
    }


def extract_with_model(
    denial: Denial, chart: Chart, *, llm: LLM, redact: bool = True
) -> Extraction:
    """Ask the model, then merge its verbatim values into the parse; a failure changes nothing."""
    unchanged = Extraction(denial, chart)
    if not (denial.source_text.strip() or chart.source_text.strip()):
        return unchanged  # structured input: nothing for the model to read
    prompt = load_prompt(PROMPT_ID)
    redactor = Redactor.for_case(denial, chart, enabled=redact)
    values = {
        "denial_text": denial.source_text[:MAX_CHARS],
        "chart_text": chart.source_text[:MAX_CHARS],
    }
    messages = redactor.redact_messages(render(prompt, values))
    started = time.perf_counter()
    try:
        reply = llm.complete(messages, response_schema=ExtractOut)
    except LLMError as exc:
        kind = exc.fields.get("kind", "other")
        unchanged.notes.append(
            f"The extraction model call failed ({kind}); the deterministic parse stands."
        )
        return unchanged
    usage = _usage(reply, time.perf_counter() - started)
    try:
        raw = ExtractOut.model_validate_json(_FENCE.sub("", reply.text.strip()))
    except ValidationError:
        unchanged.notes.append(
            "The extraction model's answer did not match the schema; the deterministic "
            "parse stands."
        )
        unchanged.usage = usage
        return unchanged
    result = merge(denial, chart, ExtractOut.model_validate(redactor.restore_obj(raw.model_dump())))
    result.notes.append(_note(result, prompt.version))
    result.usage = usage
    return result
