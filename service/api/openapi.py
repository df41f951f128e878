"""The OpenAPI 3.1 document, generated from the app's routes and the pydantic models.

Every route outside the workspace is listed from Flask's URL map, with its methods, path
parameters and the summary and description of its view's docstring, so a new route appears
without anyone editing this file. `BODIES` adds the request and response schemas, generated
from the models; a test fails when it names a route that does not exist or when a route has no
docstring to describe it.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from pydantic import BaseModel

from service.models import (
    AppealResult,
    Chart,
    Denial,
    NecessityRequest,
    NecessityResult,
    PolicyPassage,
    ReadinessReport,
    Triage,
)

PROBLEM = {
    "description": "A problem (RFC 9457)",
    "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
}
# Endpoints that answer without a token.
OPEN = {"health.healthz", "health.openapi"}
# Flask blueprints that are pages for people, not the API.
NOT_API = {"web", "static"}
_CONVERTER = re.compile(r"<(?:[a-z_]+:)?([a-z_]+)>")

APPEAL_REQUEST: dict[str, Any] = {
    "type": "object",
    "required": ["denial"],
    "properties": {
        "denial": {"oneOf": [{"type": "string"}, {"$ref": "#/components/schemas/Denial"}]},
        "chart": {
            "oneOf": [{"type": "string"}, {"$ref": "#/components/schemas/Chart"}, {"type": "null"}]
        },
        "corrections": {"type": "object"},
        "requester": {"enum": ["practice", "patient"]},
        "llm_extract": {"type": "boolean"},
        "necessity": {"$ref": "#/components/schemas/NecessityRequest"},
    },
}
# endpoint -> (request body content, {status: response schema name or None})
BODIES: dict[str, tuple[dict[str, Any] | None, dict[str, str | None]]] = {
    "appeals.create_appeal": (
        {
            "application/json": {"schema": {"$ref": "#/components/schemas/AppealRequest"}},
            "text/plain": {"schema": {"type": "string"}},
            "multipart/form-data": {"schema": {"type": "object"}},
            "application/x-www-form-urlencoded": {"schema": {"type": "object"}},
        },
        {"201": "AppealResult", "400": None, "413": None, "415": None, "422": None},
    ),
    "denials.parse_denial": (
        {
            "application/json": {"schema": {"$ref": "#/components/schemas/AppealRequest"}},
            "text/plain": {"schema": {"type": "string"}},
        },
        {"200": None, "400": None, "413": None, "415": None, "422": None},
    ),
    "necessity.create_letter": (
        {"application/json": {"schema": {"$ref": "#/components/schemas/NecessityRequest"}}},
        {"201": "NecessityResult", "400": None, "415": None, "422": None},
    ),
    "necessity.readiness": (
        {"application/json": {"schema": {"$ref": "#/components/schemas/NecessityRequest"}}},
        {"200": "ReadinessReport", "400": None, "415": None, "422": None},
    ),
    "policies.add_policies": (
        {
            "multipart/form-data": {"schema": {"type": "object"}},
            "application/pdf": {"schema": {"type": "string", "format": "binary"}},
            "text/html": {"schema": {"type": "string"}},
            "text/markdown": {"schema": {"type": "string"}},
        },
        {"201": None, "200": None, "400": None, "413": None, "503": None},
    ),
    "policies.search": (None, {"200": None, "400": None}),
    "exports.export_letter": (None, {"200": None, "404": None, "409": None}),
    "drafts.delete_draft": (None, {"204": None, "403": None, "404": None}),
}
MODELS: dict[str, type[BaseModel]] = {
    "AppealResult": AppealResult,
    "NecessityRequest": NecessityRequest,
    "NecessityResult": NecessityResult,
    "ReadinessReport": ReadinessReport,
    "Denial": Denial,
    "Chart": Chart,
    "Triage": Triage,
    "PolicyPassage": PolicyPassage,
}


def _schemas() -> dict[str, Any]:
    schemas: dict[str, Any] = {}
    for name, model in MODELS.items():
        schema = model.model_json_schema(
            ref_template="#/components/schemas/{model}", mode="serialization"
        )
        schemas.update(schema.pop("$defs", {}))
        schemas[name] = schema
    schemas["Problem"] = {
        "type": "object",
        "required": ["type", "title", "status", "detail"],
        "properties": {k: {"type": "string"} for k in ("type", "title", "detail")}
        | {"status": {"type": "integer"}},
    }
    schemas["AppealRequest"] = APPEAL_REQUEST
    return schemas


def _response(status: str, schema: str | None) -> dict[str, Any]:
    if status.startswith(("4", "5")):
        return PROBLEM
    if schema is None:
        return {"description": "OK"}
    ref = {"$ref": f"#/components/schemas/{schema}"}
    return {"description": "OK", "content": {"application/json": {"schema": ref}}}


def _operation(app: Flask, endpoint: str, params: list[str]) -> dict[str, Any]:
    doc = (app.view_functions[endpoint].__doc__ or "").strip()
    summary, _, description = doc.partition("\n")
    op: dict[str, Any] = {"operationId": endpoint, "summary": summary.strip()}
    if description.strip():
        op["description"] = " ".join(description.split())
    if params:
        op["parameters"] = [
            {"name": p, "in": "path", "required": True, "schema": {"type": "string"}}
            for p in params
        ]
    if endpoint in OPEN:
        op["security"] = []
    body, responses = BODIES.get(endpoint, (None, {"200": None}))
    if body is not None:
        op["requestBody"] = {"required": True, "content": body}
    op["responses"] = {s: _response(s, name) for s, name in responses.items()}
    return op


def api_rules(app: Flask) -> list[Any]:
    """The URL rules of the API (not the workspace's pages or static files)."""
    return [
        r
        for r in app.url_map.iter_rules()
        if r.endpoint.split(".", 1)[0] not in NOT_API and r.endpoint != "static"
    ]


def document(app: Flask) -> dict[str, Any]:
    """Build the document for an app from its URL map."""
    paths: dict[str, dict[str, Any]] = {}
    for rule in sorted(api_rules(app), key=lambda r: r.rule):
        params = _CONVERTER.findall(rule.rule)
        path = _CONVERTER.sub(r"{\1}", rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _operation(app, rule.endpoint, params)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Overturn",
            "version": "0.1.0",
            "description": "Grounded appeal letters and letters of medical necessity.",
        },
        "paths": paths,
        "components": {
            "schemas": _schemas(),
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "overturn users add"}
            },
        },
        # every path needs a token but those marked open (liveness, this document): 401 without
        "security": [{"bearer": []}],
    }
