"""The workspace's routes. Every page works without JavaScript; forms post and redirect.

A request that fails re-shows its form with what the person typed and the problem, with the
problem's HTTP status, so nothing typed is lost.
"""

from __future__ import annotations

import re
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as BaseResponse

from service.errors import OverturnError
from service.field_labels import label, labels
from service.resources import current
from service.web import pages, present, workflow
from service.web.corrections import correct

bp = Blueprint(
    "web",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/web/static",
)
_LETTER_FIELD = re.compile(r"^(subject|opening|closing|points\[\d+\]\.(?:heading|text))$")


@bp.app_context_processor
def _helpers() -> dict[str, object]:
    return {
        "anchor": present.anchor,
        "field_label": label,
        "flag_rows": present.flag_rows,
        "source_keys": present.source_keys,
        "slug": present.slug,
    }


def _upload(name: str, field: str) -> str | None:
    """An uploaded file's text: a .txt as it is, a text PDF through its text layer."""
    from service.intake.pdf_text import is_pdf, pdf_to_text
    from service.intake.text import read_text

    f = request.files.get(name)
    if not f or not f.filename:
        return None
    data = f.read()
    if is_pdf(data, f.filename):
        data = pdf_to_text(data, field=name).encode("utf-8")
    return read_text(data, max_bytes=current().settings.max_input_bytes, field=field)


@bp.get("/")
def paste() -> str:
    """The paste page: a denial box, a chart-notes box, and text-file uploads."""
    return pages.paste_page()


@bp.post("/")
def submit() -> BaseResponse | tuple[str, int]:
    """Keep the input, draft it, and open the draft; on failure show the form again."""
    values = {"denial": request.form.get("denial", ""), "chart": request.form.get("chart", "")}
    try:
        values["denial"] = _upload("denial_file", "denial") or values["denial"]
        values["chart"] = _upload("chart_file", "chart") or values["chart"]
        draft_id = workflow.start({"denial": values["denial"], "chart": values["chart"] or None})
    except OverturnError as err:
        return pages.paste_page(values, err), err.status
    return redirect(url_for("web.draft", draft_id=draft_id), 303)


@bp.get("/drafts")
def drafts() -> str:
    """The worklist: most urgent first, filtered by state and payer."""
    args = request.args
    return pages.drafts_page(
        state=args.get("state") or None,
        payer=args.get("payer") or None,
        show_failed=args.get("failed") == "1",
        show_all=args.get("all") == "1",
    )


@bp.get("/drafts/<draft_id>")
def draft(draft_id: str) -> str:
    """One draft; a draft whose drafting failed reopens its form with its input."""
    d = workflow.load(draft_id)
    if d.result is not None:
        return pages.draft_page(d)
    if d.kind == "necessity":
        from service.web.lmn import values_of

        return pages.necessity_form_page(values_of(d.input), failed=d.record)
    return pages.paste_page(d.input, failed=d.record)


@bp.post("/drafts/<draft_id>/dismiss")
def dismiss(draft_id: str) -> BaseResponse:
    """Take a failed attempt off the list (audited); back to the list as it was filtered."""
    workflow.dismiss(draft_id)
    flash("Dismissed the failed attempt; its input was erased.", "list")
    keep: dict[str, Any] = {
        k: v for k, v in request.form.items() if k in ("state", "payer", "failed", "all") and v
    }
    return redirect(url_for("web.drafts", **keep, _anchor="done-list"), 303)


def loaded(draft_id: str, kind: str | None = "appeal") -> workflow.Draft:
    """A draft with a result, of the kind the route works on (None: either kind)."""
    d = workflow.load(draft_id)
    if d.result is None:
        abort(409, "This draft has no result to work on; open it to try again.")
    if kind is not None and d.kind != kind:
        name = workflow.KIND_NAMES[d.kind].lower()
        abort(409, f"This draft is a {name}; this action does not apply to it.")
    return d


def back(draft_id: str, section: str) -> BaseResponse:
    """Back to the draft, scrolled to the confirmation beside the button just pressed."""
    return redirect(url_for("web.draft", draft_id=draft_id, _anchor="done-" + section), 303)


@bp.post("/drafts/<draft_id>/denial")
def correct_denial(draft_id: str) -> BaseResponse | tuple[str, int]:
    """Apply corrections to what was understood and draft the letter again."""
    d = loaded(draft_id)
    try:
        denial, changed = correct(d.appeal.denial, request.form, workflow.chart_of(d))
        if changed:
            workflow.redraft(d, denial, changed)
    except OverturnError as err:
        return pages.draft_page(d, request.form, err, "read"), err.status
    if changed:
        flash(f"Corrected: {', '.join(labels(changed))}. The letter was drafted again.", "read")
    else:
        flash("Nothing was changed.", "read")
    return back(draft_id, "read")


@bp.post("/drafts/<draft_id>/letter")
def save_letter(draft_id: str) -> BaseResponse | tuple[str, int]:
    """Save edits to the letter's wording and check it again."""
    from service.pipelines.revise import revise

    d = loaded(draft_id)
    edits = {k: v for k, v in request.form.items() if _LETTER_FIELD.match(k)}
    chart = workflow.chart_of(d)
    try:
        result = revise(d.appeal, edits, settings=current().settings, chart=chart)
    except OverturnError as err:
        return pages.draft_page(d, request.form, err, "letter"), err.status
    result = workflow.save(draft_id, result, chart)
    current().store().audit(draft_id, "letter_edited", {"ok": result.report.ok})
    flash(
        "Saved. The check passes: the letter is ready to release."
        if result.report.ok
        else "Saved. The check found problems; they are listed under Checks.",
        "letter",
    )
    return back(draft_id, "letter")


@bp.post("/drafts/<draft_id>/notes")
def add_notes(draft_id: str) -> BaseResponse | tuple[str, int]:
    """Append chart notes and draft again, as a new draft that replaces this one."""
    d = loaded(draft_id)
    try:
        new_id = workflow.add_notes(d, request.form.get("notes", ""))
    except OverturnError as err:
        return pages.draft_page(d, request.form, err, "notes"), err.status
    flash("Chart note added; the evidence and the letter were drafted again.", "notes")
    return back(new_id, "notes")


@bp.post("/drafts/<draft_id>/release")
def release(draft_id: str) -> BaseResponse | tuple[str, int]:
    """Release an appeal, only when its check passes (the button is disabled otherwise)."""
    return release_draft(loaded(draft_id))


def release_draft(d: workflow.Draft) -> BaseResponse | tuple[str, int]:
    """Release a draft whose kind the route checked; the confirmation beside the downloads."""
    try:
        workflow.release(d)
    except OverturnError as err:
        return pages.draft_page(d, None, err, "checks"), 409
    flash("Released. Download the letter below.", "checks")
    return back(d.id, "checks")


@bp.get("/drafts/<draft_id>/letter.<fmt>")
def download(draft_id: str, fmt: str) -> Response:
    """The released letter as a file; held letters are not handed out."""
    d = loaded(draft_id, kind=None)
    assert d.result is not None
    if d.result.status.value != "released":
        abort(409, "Release the letter before downloading it.")
    stem = "appeal" if d.kind == "appeal" else "letter-of-medical-necessity"
    name = f"{stem}-{draft_id[:8]}.{fmt}"
    if fmt == "txt":
        body, mimetype = d.result.text.encode("utf-8"), "text/plain; charset=utf-8"
    elif fmt in pages.EXPORT_FORMATS and d.result.letter is not None:
        from service.render.files import MIMETYPES, to_docx, to_pdf

        writer = to_docx if fmt == "docx" else to_pdf
        body, mimetype = writer(d.result.letter, current().settings), MIMETYPES[fmt]
    else:
        abort(404)
    current().store().audit(draft_id, "downloaded", {"format": fmt})
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(body, mimetype=mimetype, headers=headers)


@bp.errorhandler(OverturnError)
def _overturn_error(err: OverturnError) -> tuple[str, int]:
    return render_template("error.html", title=err.title, detail=err.detail), err.status


@bp.errorhandler(HTTPException)
def _http_error(err: HTTPException) -> tuple[str, int]:
    status = err.code or 500
    return render_template("error.html", title=err.name, detail=err.description), status
