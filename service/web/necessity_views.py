"""The workspace's routes for letters of medical necessity: the form (readiness first), a
correction that drafts a new version, and release. They sit on the workspace's blueprint and
need the `necessity.write` permission (service/auth/access.py), as the API's LMN routes do.
"""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from service.errors import OverturnError
from service.field_labels import labels
from service.web import lmn, pages
from service.web.views import back, bp, loaded, release_draft


@bp.get("/necessity")
def necessity_form() -> str:
    """The request form: patient, payer, service, diagnoses, signer, and the chart notes."""
    return pages.necessity_form_page()


@bp.post("/necessity")
def submit_necessity() -> BaseResponse | tuple[str, int]:
    """Check readiness (nothing kept) or draft the letter; on a problem, the form again."""
    try:
        if request.form.get("action") == "check":
            report = lmn.readiness(request.form)
            return pages.necessity_form_page(request.form, readiness=report), 200
        draft_id = lmn.start(request.form)
    except OverturnError as err:
        return pages.necessity_form_page(request.form, err), err.status
    return redirect(url_for("web.draft", draft_id=draft_id), 303)


@bp.post("/drafts/<draft_id>/request")
def correct_request(draft_id: str) -> BaseResponse | tuple[str, int]:
    """Correct the request or its chart notes and draft again, as a new version."""
    d = loaded(draft_id, kind="necessity")
    try:
        new_id, changed = lmn.correct(d, request.form)
    except OverturnError as err:
        return pages.draft_page(d, request.form, err, "read"), err.status
    if changed:
        flash(
            f"Corrected: {', '.join(labels(changed))}. The letter was drafted again "
            "as a new version.",
            "read",
        )
    else:
        flash("Nothing was changed.", "read")
    return back(new_id, "read")


@bp.post("/drafts/<draft_id>/necessity/release")
def release_necessity(draft_id: str) -> BaseResponse | tuple[str, int]:
    """Release a letter of medical necessity, only when its check passes."""
    return release_draft(loaded(draft_id, kind="necessity"))
