"""The appeal pipeline: intake → triage → retrieve → evidence → draft → render → validate → release.

`draft_appeal` only calls the stages in order. It never raises for a letter that fails the
validator: that letter comes back `held` with its report.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from service.config import Settings
from service.drafting.composer import COMPOSER_VERSION, ComposeInput, compose
from service.drafting.llm import LLM, build_llm
from service.drafting.llm_drafter import DRAFTER_VERSION, ModelDraft, draft_with_model
from service.drafting.llm_extract import extract_with_model
from service.errors import BadInput, SchemaError
from service.evidence import build_evidence_map
from service.intake.chart import parse_chart
from service.intake.denial_json import parse_denial_json
from service.intake.denial_text import parse_denial_text
from service.intake.payers import identify_payer
from service.intake.text import read_text
from service.models import (
    AppealResult,
    Chart,
    Denial,
    DraftStatus,
    EvidenceMap,
    LetterDraft,
    Problem,
    Triage,
    ValidationReport,
)
from service.policy_select import Retriever, cited_ids, select_policy
from service.release import gate, provenance
from service.render import render_text
from service.triage import triage
from service.validate import validate


@dataclass
class Case:
    denial: Denial
    chart: Chart
    triage: Triage
    payer_id: str | None
    notes: list[str] = field(default_factory=list)  # model-assisted extraction, for provenance
    usage: dict[str, float] = field(default_factory=dict)  # its model calls and tokens


def model_for(settings: Settings, llm: LLM | None = None) -> LLM | None:
    """The given model, else the configured one, else None (offline)."""
    if llm is not None:
        return llm
    return build_llm(
        settings.model,
        api_base=settings.llm_api_base,
        timeout=settings.llm_timeout,
        fallbacks=[m.strip() for m in settings.llm_fallbacks.split(",") if m.strip()],
        max_retries=settings.llm_max_retries,
    )


def redacting(settings: Settings) -> bool:
    """PHI placeholders are on unless explicitly turned off."""
    return settings.phi_placeholders.lower() != "off"


def today_for(settings: Settings) -> dt.date:
    """The letter date: fixed by config for reproducible evals, else today."""
    return dt.date.fromisoformat(settings.today) if settings.today else dt.date.today()


def read_denial(data: Any, settings: Settings, today: dt.date | None = None) -> Denial:
    """A denial from pasted text (str/bytes) or a JSON object."""
    if isinstance(data, dict):
        return parse_denial_json(data)
    if isinstance(data, str | bytes):
        return parse_denial_text(read_text(data, max_bytes=settings.max_input_bytes), today=today)
    raise BadInput("denial must be pasted text or a JSON object", field="denial")


def read_chart(data: Any, settings: Settings) -> Chart:
    """A chart from a JSON object, pasted notes, or nothing."""
    if data is None or isinstance(data, dict):
        return parse_chart(data)
    if isinstance(data, str | bytes):
        if not (data.strip() if isinstance(data, str) else data.strip()):
            return parse_chart(None)
        return parse_chart(read_text(data, max_bytes=settings.max_input_bytes, field="chart"))
    raise BadInput("chart must be pasted notes, a JSON object, or omitted", field="chart")


def intake(
    denial_in: Any,
    chart_in: Any,
    settings: Settings,
    corrections: dict[str, Any] | None = None,
    *,
    llm: LLM | None = None,
    llm_extract: bool | None = None,
) -> Case:
    """Parse both inputs, apply the user's corrections, let the model fill gaps, and triage.

    `llm_extract` (default: on when a model is configured or given) asks the model for what
    the parsers missed; the user's corrections and the parsers' values always win.
    """
    today = today_for(settings)
    # Corrections first: the redactor must know every identifier before the model sees text.
    denial = apply_corrections(read_denial(denial_in, settings, today), corrections)
    chart = read_chart(chart_in, settings)
    if llm_extract is not None and not isinstance(llm_extract, bool):
        raise SchemaError("llm_extract must be true or false.", field="llm_extract")
    model = model_for(settings, llm) if llm_extract is not False else None
    notes: list[str] = []
    usage: dict[str, float] = {}
    if model is not None:
        extracted = extract_with_model(denial, chart, llm=model, redact=redacting(settings))
        denial, chart, notes, usage = (
            extracted.denial,
            extracted.chart,
            extracted.notes,
            extracted.usage,
        )
    payer_id = identify_payer(denial.payer)[1] if denial.payer else None
    return Case(denial, chart, triage(denial, today), payer_id, notes, usage)


def _no_letter(case: Case, notes: list[str]) -> AppealResult:
    """Triage says no letter fits (a corrected claim, an eligibility check): say so, hold."""
    report = ValidationReport(
        ok=False,
        problems=[
            Problem(
                code=f"strategy_{case.triage.strategy.value}",
                where="triage",
                message=case.triage.rationale or "This denial needs no appeal letter.",
            )
        ],
        checked=["strategy"],
    )
    return AppealResult(
        status=DraftStatus.HELD,
        letter_type="",
        text="",
        denial=case.denial,
        triage=case.triage,
        evidence=EvidenceMap(),
        report=report,
        provenance=provenance(
            None,
            drafter="composer",
            drafter_version=COMPOSER_VERSION,
            passage_ids=[],
            corpus_version=None,
            notes=[*case.notes, *notes],
        ).model_copy(update={"usage": dict(case.usage)}),
    )


def draft_appeal(
    denial_in: Any,
    chart_in: Any,
    *,
    settings: Settings,
    retriever: Retriever | None,
    llm: LLM | None = None,
    corrections: dict[str, Any] | None = None,
    llm_extract: bool | None = None,
) -> AppealResult:
    """Run the whole pipeline for one denial and chart. Bad input raises; a weak letter is held."""
    model = model_for(settings, llm)  # one adapter for the extraction and the draft
    case = intake(denial_in, chart_in, settings, corrections, llm=model, llm_extract=llm_extract)
    return draft_case(case, settings=settings, retriever=retriever, llm=model)


def _checker(case: Case, evidence: EvidenceMap, passages: list, settings: Settings):  # type: ignore[no-untyped-def]
    """Render and validate a candidate letter: the one gate every drafter goes through."""

    def check(letter: LetterDraft) -> ValidationReport:
        return validate(
            letter.model_copy(update={"text": render_text(letter, settings)}),
            denial=case.denial,
            chart=case.chart,
            triage=case.triage,
            evidence=evidence,
            passages=passages,
            settings=settings,
        )

    return check


def _write(inp: ComposeInput, check, settings: Settings, llm: LLM | None) -> ModelDraft:  # type: ignore[no-untyped-def]
    """The composer offline; the configured model (with repairs and composer fallback) if set."""
    llm = model_for(settings, llm)
    if llm is None:
        return ModelDraft(
            letter=compose(inp), drafter="composer", prompt_id=None, prompt_version=None, model=None
        )
    return draft_with_model(inp, llm=llm, check=check, redact=redacting(settings))


def total_usage(draft: dict[str, float], extract: dict[str, float]) -> dict[str, float]:
    """The draft's usage plus the extraction's: totals summed, extraction also kept apart."""
    if not extract:
        return dict(draft)
    out = {k: draft.get(k, 0.0) + extract.get(k, 0.0) for k in {*draft, *extract}}
    out.update({f"extract_{k}": v for k, v in extract.items()})
    return out


VOICES = {"practice": "practice", "patient": "patient"}  # requester -> letter voice


def draft_case(
    case: Case,
    *,
    settings: Settings,
    retriever: Retriever | None,
    llm: LLM | None = None,
    requester: str = "practice",
) -> AppealResult:
    """Draft, render, validate and gate an already-parsed case.

    `requester` is who sends the appeal: the practice's billing office (default) or the patient,
    whose appeal is written in the first person and signed by them.
    """
    if requester not in VOICES:
        raise SchemaError("requester must be 'practice' or 'patient'.", field="requester")
    selection = select_policy(case.denial, case.chart, case.payer_id, retriever)
    notes = [selection.note] if selection.note else []
    if not case.triage.letter_type:
        return _no_letter(case, notes)
    evidence = build_evidence_map(case.denial, case.chart, selection.passages)
    inp = ComposeInput(
        case.denial,
        case.chart,
        case.triage,
        evidence,
        selection.passages,
        settings,
        today_for(settings),
        VOICES[requester],
    )
    check = _checker(case, evidence, selection.passages, settings)
    drafted = _write(inp, check, settings, llm)
    letter = drafted.letter.model_copy(update={"text": render_text(drafted.letter, settings)})
    # The model drafter already validated its final letter; the composer's is checked here.
    report = drafted.report or check(letter)
    cited = {c.passage_id for p in letter.points for c in p.citations if c.passage_id}
    stamp = provenance(
        letter,
        drafter=drafted.drafter,
        drafter_version=DRAFTER_VERSION if drafted.drafter == "llm" else COMPOSER_VERSION,
        passage_ids=cited_ids([p for p in selection.passages if p.id in cited]),
        corpus_version=getattr(retriever, "corpus_version", None),
        notes=[*case.notes, *notes, *drafted.notes],
        prompt_id=drafted.prompt_id,
        prompt_version=drafted.prompt_version,
        model=drafted.model,
    ).model_copy(update={"usage": total_usage(drafted.usage, case.usage)})
    return AppealResult(
        status=gate(report),
        letter_type=letter.letter_type,
        text=letter.text,
        denial=case.denial,
        triage=case.triage,
        evidence=evidence,
        letter=letter,
        passages=selection.passages,
        report=report,
        provenance=stamp,
    )


# Fields a biller may correct or supply after reading what Overturn parsed (the web page's field
# edits, or `corrections` in an API request). Each is recorded in the denial's warnings.
CORRECTABLE = (
    "payer",
    "plan_type",
    "plan_name",
    "reviewer",
    "patient_name",
    "member_id",
    "date_of_birth",
    "claim_number",
    "reference_number",
    "dates_of_service",
    "denial_date",
    "guideline",
)


def apply_corrections(denial: Denial, corrections: dict[str, Any] | None) -> Denial:
    """The denial with the user's corrections; refuses fields that are not correctable."""
    if not corrections:
        return denial
    if not isinstance(corrections, dict):
        raise SchemaError("corrections must be an object of field: value.", field="corrections")
    unknown = sorted(set(corrections) - set(CORRECTABLE))
    if unknown:
        raise SchemaError(
            f"These fields cannot be corrected: {', '.join(unknown)}.",
            field="corrections",
            fields=unknown,
        )
    data = denial.model_dump(exclude={"service_codes", "carc_codes"})
    data.update(corrections)
    # A corrected value no longer comes from the pasted text: drop its span.
    data["sources"] = {
        k: v
        for k, v in data["sources"].items()
        if k.split("[", 1)[0].split(".", 1)[0] not in corrections
    }
    data["warnings"] = [*denial.warnings, *(f"corrected by user: {k}" for k in sorted(corrections))]
    try:
        return Denial.model_validate(data)
    except ValidationError as err:
        where = sorted({".".join(str(x) for x in e["loc"]) for e in err.errors()})
        raise SchemaError(
            f"Invalid correction for: {', '.join(where)}.", field="corrections", fields=where
        ) from err
