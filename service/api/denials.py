"""POST /v1/denials/parse: what Overturn reads in a denial, and its triage."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from service.api.inputs import read_payload
from service.pipelines.appeal import read_appeal_case
from service.resources import current

bp = Blueprint("denials", __name__)


@bp.post("/v1/denials/parse")
def parse_denial() -> Response:
    """Parse a denial (text or JSON) and triage it; nothing is drafted or stored."""
    payload = read_payload()
    case = read_appeal_case(payload.get("denial"), None, current().settings)
    assert case.triage is not None
    return jsonify(
        {
            "denial": case.denial.model_dump(mode="json"),
            "triage": case.triage.model_dump(mode="json"),
            "payer_id": case.payer_id,
        }
    )
