"""Reading a request's denial and chart, whatever way the client sent them."""

from __future__ import annotations

from typing import Any

from flask import request
from werkzeug.exceptions import BadRequest

from service.errors import BadInput, EmptyInput, InvalidJSON, SchemaError
from service.intake.pdf_text import is_pdf, pdf_to_text


def _file_text(name: str) -> bytes | str | None:
    f = request.files.get(name)
    if not f or not f.filename:
        return None
    data = f.read()
    return pdf_to_text(data, field=name) if is_pdf(data, f.filename) else data


def read_payload() -> dict[str, Any]:
    """{'denial': text|bytes|dict, 'chart': text|dict|None, ...} from JSON, text or a form."""
    ctype = (request.mimetype or "").lower()
    if ctype == "application/json":
        raw = request.get_data(cache=True)
        if not raw.strip():
            raise EmptyInput("The request body is empty.", field="body")
        try:
            body = request.get_json(force=True, silent=False)
        except BadRequest as err:
            raise InvalidJSON("The request body is not valid JSON.", field="body") from err
        if not isinstance(body, dict):
            raise SchemaError("The JSON body must be an object with a 'denial' key.", field="body")
        if "denial" not in body:
            raise SchemaError(
                "The JSON body needs a 'denial' (pasted text or an object).", field="denial"
            )
        return body
    if ctype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        denial = _file_text("denial_file") or request.form.get("denial", "")
        chart = _file_text("chart_file") or request.form.get("chart") or None
        return {"denial": denial, "chart": chart}
    if ctype.startswith("text/") or not ctype:
        return {"denial": request.get_data(cache=True), "chart": None}
    raise BadInput(
        f"Unsupported content type {ctype}: send JSON, text or a form.", field="content-type"
    )
