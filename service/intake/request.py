"""An appeal request's inputs, whatever form they come in, read into one AppealCase.

A denial may be pasted text, bytes, a JSON object or an already-parsed Denial; a chart may be
notes, a JSON object, a parsed Chart or nothing. The user's corrections are applied before any
model sees the text (so the redactor knows every identifier), then the model, when one is
configured, fills what the parsers missed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import ValidationError

from service.config import Settings
from service.errors import BadInput, SchemaError
from service.intake.chart import parse_chart
from service.intake.denial_json import parse_denial_json
from service.intake.denial_text import parse_denial_text
from service.intake.payers import resolve_payer
from service.intake.text import read_text
from service.llm.adapter import LLM
from service.models import AppealCase, Chart, Denial


def read_denial(data: Any, settings: Settings, today: dt.date | None = None) -> Denial:
    """A denial from pasted text (str/bytes), a JSON object or an already-parsed Denial."""
    if isinstance(data, Denial):
        return data
    if isinstance(data, dict):
        return parse_denial_json(data)
    if isinstance(data, str | bytes):
        return parse_denial_text(read_text(data, max_bytes=settings.max_input_bytes), today=today)
    raise BadInput("denial must be pasted text or a JSON object", field="denial")


def read_chart(data: Any, settings: Settings) -> Chart:
    """A chart from pasted notes, a JSON object, an already-parsed Chart, or nothing."""
    if isinstance(data, Chart):
        return data
    if data is None or isinstance(data, dict):
        return parse_chart(data)
    if isinstance(data, str | bytes):
        if not data.strip():
            return parse_chart(None)
        return parse_chart(read_text(data, max_bytes=settings.max_input_bytes, field="chart"))
    raise BadInput("chart must be pasted notes, a JSON object, or omitted", field="chart")


def read_inputs(
    denial_in: Any,
    chart_in: Any,
    settings: Settings,
    corrections: dict[str, Any] | None = None,
    *,
    today: dt.date | None = None,
) -> tuple[Denial, Chart]:
    """The parsers' reading of both inputs with the corrections applied: no model, no network.

    Everything that refuses a request as unreadable happens here, so a face can read a request
    before it stores anything and keep only requests it could read."""
    denial = apply_corrections(read_denial(denial_in, settings, today), corrections)
    return denial, read_chart(chart_in, settings)


def read_case(
    denial_in: Any,
    chart_in: Any,
    settings: Settings,
    corrections: dict[str, Any] | None = None,
    *,
    today: dt.date | None = None,
    llm: LLM | None = None,
    redact: bool = True,
) -> AppealCase:
    """Parse both inputs, apply the user's corrections, and let the model (if any) fill gaps.

    The parsers' values and the user's corrections always win over the model's.
    """
    denial, chart = read_inputs(denial_in, chart_in, settings, corrections, today=today)
    notes: list[str] = []
    usage: dict[str, float] = {}
    if llm is not None:
        from service.intake.extract import extract_with_model

        extracted = extract_with_model(denial, chart, llm=llm, redact=redact)
        denial, chart = extracted.denial, extracted.chart
        notes, usage = extracted.notes, extracted.usage
    payer_id = resolve_payer(denial.payer)[1] if denial.payer else None
    return AppealCase(denial=denial, chart=chart, payer_id=payer_id, notes=notes, usage=usage)


# Fields a biller may correct or supply after reading what Overturn parsed (the web page's field
# edits, or `corrections` in an API request). Each is recorded in the denial's warnings.
CORRECTABLE = (
    "payer",
    "plan_type",
    "plan_name",
    "reviewer",
    "employer_group",
    "patient_name",
    "member_id",
    "date_of_birth",
    "claim_number",
    "reference_number",
    "dates_of_service",
    "rendering_provider",
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
