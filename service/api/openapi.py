"""The OpenAPI 3.1 document, assembled from the pydantic models so it cannot drift from them."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from pydantic import TypeAdapter

from service.models import AppealResult, Chart, Denial, PolicyPassage, Triage

PROBLEM = {
    "description": "A problem (RFC 9457)",
    "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
}


def _json(ref: str, description: str = "OK") -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}},
    }


def _errors(*codes: int) -> dict[str, Any]:
    return {str(c): PROBLEM for c in codes}


@lru_cache(maxsize=1)
def document() -> dict[str, Any]:
    """Build the document once."""
    schemas: dict[str, Any] = {}
    for name, model in {
        "AppealResult": AppealResult,
        "Denial": Denial,
        "Chart": Chart,
        "Triage": Triage,
        "PolicyPassage": PolicyPassage,
    }.items():
        schema = TypeAdapter(model).json_schema(
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
    schemas["AppealRequest"] = {
        "type": "object",
        "required": ["denial"],
        "properties": {
            "denial": {"oneOf": [{"type": "string"}, {"$ref": "#/components/schemas/Denial"}]},
            "chart": {
                "oneOf": [
                    {"type": "string"},
                    {"$ref": "#/components/schemas/Chart"},
                    {"type": "null"},
                ]
            },
        },
    }
    body = {
        "required": True,
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/AppealRequest"}},
            "text/plain": {"schema": {"type": "string"}},
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Overturn",
            "version": "0.1.0",
            "description": "Grounded appeal letters, offline by default.",
        },
        "paths": {
            "/v1/appeals": {
                "post": {
                    "summary": "Draft an appeal",
                    "requestBody": body,
                    "responses": {
                        "201": _json("AppealResult", "Drafted"),
                        **_errors(400, 413, 422),
                    },
                }
            },
            "/v1/denials/parse": {
                "post": {
                    "summary": "Parse and triage a denial",
                    "requestBody": body,
                    "responses": {"200": {"description": "Parsed"}, **_errors(400, 413, 422)},
                }
            },
            "/v1/policies/search": {
                "get": {
                    "summary": "Search payer policies",
                    "parameters": [
                        {
                            "name": n,
                            "in": "query",
                            "required": n == "q",
                            "schema": {"type": "string"},
                        }
                        for n in ("q", "payer", "codes", "mode", "k")
                    ],
                    "responses": {"200": {"description": "Passages"}, **_errors(400)},
                }
            },
            "/v1/policies": {
                "get": {
                    "summary": "Indexed policy documents, their versions and dates",
                    "responses": {"200": {"description": "Documents"}, **_errors(503)},
                },
                "post": {
                    "summary": "Add policy documents (Markdown, HTML or text PDF)",
                    "description": "multipart `file` (repeatable) with metadata fields, or one "
                    "raw document with metadata as query parameters. Every document is "
                    "checked before any is stored.",
                    "requestBody": {
                        "content": {
                            "multipart/form-data": {"schema": {"type": "object"}},
                            "application/pdf": {"schema": {"type": "string"}},
                            "text/html": {"schema": {"type": "string"}},
                            "text/markdown": {"schema": {"type": "string"}},
                        }
                    },
                    "responses": {
                        "201": {"description": "Stored"},
                        "200": {"description": "Unchanged"},
                        **_errors(400, 413, 503),
                    },
                },
            },
            "/v1/drafts": {
                "get": {
                    "summary": "Recent drafts by urgency",
                    "responses": {"200": {"description": "Drafts"}},
                }
            },
            "/v1/drafts/{draft_id}": {
                "get": {
                    "summary": "One draft",
                    "parameters": [
                        {
                            "name": "draft_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                        }
                    ],
                    "responses": {"200": {"description": "The draft"}, **_errors(404)},
                },
                "delete": {
                    "summary": "Erase a draft's input, letter and result (admin); audit stays",
                    "parameters": [
                        {
                            "name": "draft_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                        }
                    ],
                    "responses": {"204": {"description": "Deleted"}, **_errors(403, 404)},
                },
            },
            "/healthz": {
                "get": {
                    "summary": "Liveness: status ok, or degraded while the index is unreachable",
                    "security": [],
                    "responses": {"200": {"description": "ok or degraded"}},
                }
            },
        },
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "overturn users add"}
            },
        },
        # every path but /healthz and /openapi.json; a missing or bad token answers 401
        "security": [{"bearer": []}],
    }
