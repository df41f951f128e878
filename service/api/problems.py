"""The one place that turns errors into RFC 9457 application/problem+json responses.

Bodies name the field at fault and why, never the submitted value (it may be PHI)."""

from __future__ import annotations

import logging

from flask import Flask, Response, json
from werkzeug.exceptions import HTTPException

from service.errors import OverturnError

log = logging.getLogger("overturn.api")
PROBLEM_BASE = "https://overturn.dev/problems/"


def problem(status: int, slug: str, title: str, detail: str, **extra: object) -> Response:
    """A problem+json response."""
    body = {"type": PROBLEM_BASE + slug, "title": title, "status": status, "detail": detail}
    body.update({k: v for k, v in extra.items() if v is not None})
    return Response(json.dumps(body), status=status, mimetype="application/problem+json")


def _overturn_error(err: OverturnError) -> Response:
    log.info("request refused: %s (%s)", err.slug, err.status)
    fields = {k: v for k, v in err.fields.items() if isinstance(v, str | int | float | list)}
    response = problem(err.status, err.slug, err.title, err.detail, **fields)
    if err.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="overturn"'
    accepted = err.fields.get("accepted")
    if err.status == 415 and isinstance(accepted, list):
        response.headers["Accept-Post"] = ", ".join(str(t) for t in accepted)
    return response


def _http_error(err: HTTPException) -> Response:
    status = err.code or 500
    slug = (err.name or "error").lower().replace(" ", "-")
    detail = {
        413: "The request body is larger than this service accepts.",
        404: "No such resource.",
        405: "This method is not allowed on this resource.",
    }.get(status, err.description or err.name)
    return problem(status, slug, err.name or "Error", detail)


def _unexpected(err: Exception) -> Response:
    # Log the type only: the message of an unexpected error may carry input text.
    log.error("unexpected error: %s", type(err).__name__, exc_info=False)
    return problem(
        500,
        "internal",
        "Internal error",
        "Something went wrong on our side. Your input was kept; try again.",
    )


def register(app: Flask) -> None:
    """Install the handlers on the app."""
    app.register_error_handler(OverturnError, _overturn_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
