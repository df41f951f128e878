"""POST /v1/denials/parse: what Overturn reads in a denial, and its triage."""

from __future__ import annotations

from flask import Blueprint, jsonify

from service.api.inputs import read_payload
from service.api.resources import resources
from service.pipeline import intake

bp = Blueprint("denials", __name__)


@bp.post("/v1/denials/parse")
def parse_denial():  # type: ignore[no-untyped-def]
    """Parse a denial (text or JSON) and triage it; nothing is drafted or stored."""
    payload = read_payload()
    case = intake(payload.get("denial"), None, resources().settings)
    return jsonify(
        {
            "denial": case.denial.model_dump(mode="json"),
            "triage": case.triage.model_dump(mode="json"),
            "payer_id": case.payer_id,
        }
    )
