"""The answer for a newly stored draft."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify


def created(draft_id: str, body: dict[str, Any]) -> Response:
    """201 with the result and the draft's location."""
    response = jsonify(body)
    response.status_code = 201
    response.headers["Location"] = f"/v1/drafts/{draft_id}"
    return response
