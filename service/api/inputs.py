"""Reading a request's denial and chart, whatever way the client sent them.

The appeal endpoints take JSON, plain text, or a form with `denial`/`chart` fields (or
`denial_file`/`chart_file` uploads). Anything else is refused with 415 naming what is taken: a
raw letter posted as a form (`curl -d @denial.txt` sends it form-encoded) parses into junk
fields and would otherwise read as an empty denial.
"""

from __future__ import annotations

from typing import Any

from flask import request
from werkzeug.exceptions import BadRequest

from service.errors import EmptyInput, InvalidJSON, SchemaError, UnsupportedContentType
from service.intake.pdf_text import is_pdf, pdf_to_text

JSON = "application/json"
TEXT = "text/plain"
MULTIPART = "multipart/form-data"
URLENCODED = "application/x-www-form-urlencoded"
APPEAL_TYPES = (JSON, TEXT, MULTIPART)  # urlencoded forms too, but only with their fields
FORM_FIELDS = ("denial", "chart")
FILE_FIELDS = ("denial_file", "chart_file")


def refuse(ctype: str, accepted: tuple[str, ...], why: str = "") -> UnsupportedContentType:
    """The 415 problem: what was sent (the media type only, never the body) and what is taken."""
    sent = f"A body of type {ctype}" if ctype else "A body with no content type"
    return UnsupportedContentType(
        f"{sent}{why} cannot be read here. Send one of: {', '.join(accepted)}.",
        field="content-type",
        accepted=list(accepted),
    )


def _file_text(name: str) -> bytes | str | None:
    f = request.files.get(name)
    if not f or not f.filename:
        return None
    data = f.read()
    return pdf_to_text(data, field=name) if is_pdf(data, f.filename) else data


def json_object(what: str = "an object") -> dict[str, Any]:
    """The body as a JSON object; other media types are refused with 415."""
    ctype = (request.mimetype or "").lower()
    if ctype != JSON and not ctype.endswith("+json"):
        raise refuse(ctype, (JSON,))
    raw = request.get_data(cache=True)
    if not raw.strip():
        raise EmptyInput("The request body is empty.", field="body")
    try:
        body = request.get_json(force=True, silent=False)
    except BadRequest as err:
        raise InvalidJSON("The request body is not valid JSON.", field="body") from err
    if not isinstance(body, dict):
        raise SchemaError(f"The JSON body must be {what}.", field="body")
    return body


def _form() -> dict[str, Any]:
    ctype = (request.mimetype or "").lower()
    named = set(request.form) & set(FORM_FIELDS) or set(request.files) & set(FILE_FIELDS)
    if ctype == URLENCODED and not named:
        # a letter sent with `curl -d @file`: its text became field names, not a denial
        raise refuse(ctype, APPEAL_TYPES, " without `denial` or `chart` fields")
    denial = _file_text("denial_file") or request.form.get("denial", "")
    chart = _file_text("chart_file") or request.form.get("chart") or None
    return {"denial": denial, "chart": chart}


def read_payload() -> dict[str, Any]:
    """{'denial': text|bytes|dict, 'chart': text|dict|None, ...} from JSON, text or a form."""
    ctype = (request.mimetype or "").lower()
    if ctype == JSON:
        body = json_object("an object with a 'denial' key")
        if "denial" not in body:
            raise SchemaError(
                "The JSON body needs a 'denial' (pasted text or an object).", field="denial"
            )
        return body
    if ctype in (MULTIPART, URLENCODED):
        return _form()
    if ctype.startswith("text/") or not ctype:
        # any text, or no content type at all: that is what a bare upload of a letter is
        return {"denial": request.get_data(cache=True), "chart": None}
    raise refuse(ctype, APPEAL_TYPES)
