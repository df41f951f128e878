"""GET /healthz and GET /openapi.json."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify

from service.api.openapi import document
from service.resources import current

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    """The app answers (200); `status` is degraded while the policy index is unreachable and
    letters are drafted with lexical retrieval, still 200: the service works, with less."""
    index = current().index_status()
    return jsonify({"status": "degraded" if index == "degraded" else "ok", "index": index})


@bp.get("/openapi.json")
def openapi() -> Response:
    """The OpenAPI 3.1 document, generated from this app's routes and models."""
    return jsonify(document(current_app))
