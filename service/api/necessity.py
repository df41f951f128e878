"""POST /v1/necessity-letters and /v1/necessity-letters/readiness: letters of medical necessity."""

from __future__ import annotations

from flask import Blueprint, jsonify

from service.api.inputs import json_object
from service.api.stored import created
from service.intake.necessity import parse_request
from service.pipelines.necessity import check_readiness, submit_necessity
from service.resources import current

bp = Blueprint("necessity", __name__)


@bp.post("/v1/necessity-letters/readiness")
def readiness():
    """Check a chart against the payer's criteria before drafting.

    Body: the same JSON as POST /v1/necessity-letters. 200 with, per policy criterion, met
    (with the chart facts) or not documented (with what would document it), and the flags.
    """
    res = current()
    report = check_readiness(
        parse_request(json_object()), settings=res.settings, retriever=res.retriever()
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
    result = submit_necessity(json_object(), current())
    assert result.draft_id is not None
    return created(result.draft_id, result.model_dump(mode="json"))
