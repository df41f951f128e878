"""GET /healthz and GET /openapi.json."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify

from service.api.openapi import document

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    """Liveness: the app answers. The index is built lazily and not touched here."""
    return jsonify({"status": "ok"})


@bp.get("/openapi.json")
def openapi() -> Response:
    """The OpenAPI 3.1 document, generated from this app's routes and models."""
    return jsonify(document(current_app))
