"""POST /v1/necessity-letters and /v1/necessity-letters/readiness: letters of medical necessity."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from werkzeug.exceptions import BadRequest

from service.api.stored import created
from service.errors import EmptyInput, InvalidJSON, SchemaError
from service.intake.necessity import parse_request
from service.pipelines.necessity import check_readiness, submit_necessity
from service.resources import current

bp = Blueprint("necessity", __name__)


def _body() -> dict[str, Any]:
    if not request.get_data(cache=True).strip():
        raise EmptyInput("The request body is empty.", field="body")
    try:
        body = request.get_json(force=True, silent=False)
    except BadRequest as err:
        raise InvalidJSON("The request body is not valid JSON.", field="body") from err
    if not isinstance(body, dict):
        raise SchemaError("The JSON body must be an object.", field="body")
    return body


@bp.post("/v1/necessity-letters/readiness")
def readiness():
    """Check a chart against the payer's criteria before drafting.

    Body: the same JSON as POST /v1/necessity-letters. 200 with, per policy criterion, met
    (with the chart facts) or not documented (with what would document it), and the flags.
    """
    res = current()
    report = check_readiness(
        parse_request(_body()), settings=res.settings, retriever=res.retriever()
    )
    return jsonify(report.model_dump(mode="json"))


@bp.post("/v1/necessity-letters")
def create_letter():
    """Draft a letter of medical necessity.

    Body: JSON {patient, payer, plan_type, service {code, code_system, description, quantity,
    frequency, duration}, diagnosis_codes, chart, signer {name, credentials, npi, ...},
    purpose, letter_kind}. The input is stored before drafting, so it survives any failure.
    201 with the result (status released or held); 4xx problem+json for unusable input.
    """
    result = submit_necessity(_body(), current())
    assert result.draft_id is not None
    return created(result.draft_id, result.model_dump(mode="json"))
