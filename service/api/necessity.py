"""POST /v1/necessity-letters and /v1/necessity-letters/readiness: letters of medical necessity."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from pydantic import ValidationError
from werkzeug.exceptions import BadRequest

from service.api.resources import resources
from service.api.stored import created, kept_input
from service.errors import EmptyInput, InvalidJSON, SchemaError
from service.necessity.models import NecessityRequest
from service.necessity.pipeline import draft_necessity
from service.necessity.readiness import check_readiness

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


def parse_request(body: dict[str, Any]) -> NecessityRequest:
    """The request model; errors name the fields at fault, never their values."""
    try:
        return NecessityRequest.model_validate(body)
    except ValidationError as exc:
        errors = exc.errors(include_input=False, include_url=False, include_context=False)
        locations = [".".join(str(p) for p in e["loc"]) for e in errors]
        raise SchemaError(
            f"The request does not match the schema at: {', '.join(locations)}",
            locations=locations,
            errors=[{"location": loc, "problem": e["type"]} for loc, e in
                    zip(locations, errors, strict=True)],
        ) from exc


@bp.post("/v1/necessity-letters/readiness")
def readiness():  # type: ignore[no-untyped-def]
    """Check a chart against the payer's criteria before drafting.

    Body: the same JSON as POST /v1/necessity-letters. 200 with, per policy criterion, met
    (with the chart facts) or not documented (with what would document it), and the flags.
    """
    res = resources()
    report = check_readiness(parse_request(_body()), settings=res.settings,
                             retriever=res.retriever())
    return jsonify(report.model_dump(mode="json"))


@bp.post("/v1/necessity-letters")
def create_letter():  # type: ignore[no-untyped-def]
    """Draft a letter of medical necessity.

    Body: JSON {patient, payer, plan_type, service {code, code_system, description, quantity,
    frequency, duration}, diagnosis_codes, chart, signer {name, credentials, npi, ...},
    purpose, letter_kind}. The input is stored before drafting, so it survives any failure.
    201 with the result (status released or held); 4xx problem+json for unusable input.
    """
    res = resources()
    body = _body()
    store = res.store()
    with kept_input(store, "necessity", body) as draft_id:
        result = draft_necessity(parse_request(body), settings=res.settings,
                                 retriever=res.retriever())
    result = result.model_copy(update={"draft_id": draft_id})
    store.save_result(draft_id, result.status.value, result.model_dump_json(),
                      payer=result.readiness.payer_id)
    return created(draft_id, result.model_dump(mode="json"))
