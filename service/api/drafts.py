"""GET /v1/drafts and /v1/drafts/<id>: stored drafts, their input, result and audit trail."""

from __future__ import annotations

from flask import Blueprint, jsonify

from service.resources import current

bp = Blueprint("drafts", __name__)


@bp.get("/v1/drafts/<draft_id>")
def get_draft(draft_id: str):
    """One draft: status, the input as submitted, the result (if any) and its audit trail."""
    store = current().store()
    record = store.get(draft_id)
    record.pop("result_json", None)
    record.pop("input_json", None)
    record["audit"] = store.audit_trail(draft_id)
    return jsonify(record)


@bp.get("/v1/drafts")
def list_drafts():
    """Recent drafts, most urgent deadline first."""
    rows = current().store().list_recent(limit=50)
    for row in rows:
        row.pop("input_json", None)
        row.pop("result_json", None)
    return jsonify({"drafts": rows})


@bp.delete("/v1/drafts/<draft_id>")
def delete_draft(draft_id: str):
    """Erase a draft's input, letter and result; its audit trail (no PHI) stays. 204."""
    current().store().delete(draft_id)
    return "", 204
