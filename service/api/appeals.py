"""POST /v1/appeals: paste a denial (and chart), get a released or held appeal."""

from __future__ import annotations

from flask import Blueprint, Response

from service.api.inputs import read_payload
from service.api.stored import created
from service.pipelines.appeal import submit_appeal
from service.resources import current

bp = Blueprint("appeals", __name__)


@bp.post("/v1/appeals")
def create_appeal() -> Response:
    """Draft an appeal.

    Body: JSON {"denial": text | Denial object, "chart": notes | Chart object | null,
    "corrections": {field: value}, "requester": "practice" | "patient",
    "llm_extract": true | false (default: on when a model is configured),
    "necessity": a letter-of-medical-necessity request to enclose}, or the denial as
    text/plain, or a form with `denial`/`chart` fields or `denial_file`/`chart_file`.
    The input is stored before drafting, so it survives any failure. 201 with the result
    (status released or held); 4xx problem+json for input that cannot be used.
    """
    result, lmn = submit_appeal(read_payload(), current())
    body = result.model_dump(mode="json")
    if lmn is not None:
        body["necessity_letter"] = lmn.model_dump(mode="json")
    assert result.draft_id is not None
    return created(result.draft_id, body)
