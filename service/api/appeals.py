"""POST /v1/appeals: paste a denial (and chart), get a released or held appeal."""

from __future__ import annotations

from flask import Blueprint

from service.api.inputs import read_payload, storable
from service.api.resources import resources
from service.api.stored import created, kept_input
from service.necessity.attach import attach_requested
from service.pipeline import draft_case, intake

bp = Blueprint("appeals", __name__)


@bp.post("/v1/appeals")
def create_appeal():  # type: ignore[no-untyped-def]
    """Draft an appeal.

    Body: JSON {"denial": text | Denial object, "chart": notes | Chart object | null,
    "llm_extract": true | false (default: on when a model is configured)}, or the
    denial as text/plain, or a form with `denial`/`chart` fields or `denial_file`/`chart_file`.
    The input is stored before drafting, so it survives any failure. 201 with the result
    (status released or held); 4xx problem+json for input that cannot be used.
    """
    res = resources()
    payload = read_payload()
    store = res.store()
    with kept_input(store, "appeal", storable(payload)) as draft_id:
        case = intake(
            payload.get("denial"),
            payload.get("chart"),
            res.settings,
            payload.get("corrections"),
            llm_extract=payload.get("llm_extract"),
        )
        result = draft_case(
            case,
            settings=res.settings,
            retriever=res.retriever(),
            requester=payload.get("requester") or "practice",
        )
        lmn = None
        if payload.get("necessity") is not None:
            result, lmn = attach_requested(
                case, result, payload["necessity"], settings=res.settings
            )
    result = result.model_copy(update={"draft_id": draft_id})
    store.save_result(
        draft_id,
        result.status.value,
        result.model_dump_json(),
        payer=result.denial.payer,
        deadline=result.triage.deadline,
    )
    body = result.model_dump(mode="json")
    if lmn is not None:
        body["necessity_letter"] = lmn.model_dump(mode="json")
    return created(draft_id, body)
