"""The workspace's routes. Every page works without JavaScript; forms post and redirect.

A request that fails re-shows its form with what the person typed and the problem, with the
problem's HTTP status, so nothing typed is lost.
"""

from __future__ import annotations

import re

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
        "problem_anchor": present.problem_anchor,
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
    """Recent drafts, most urgent first."""
    return pages.drafts_page(show_all=request.args.get("all") == "1")


@bp.get("/drafts/<draft_id>")
def draft(draft_id: str) -> str:
    """One draft; a draft whose drafting failed reopens the paste form with its input."""
    d = workflow.load(draft_id)
    if d.result is None:
        return pages.paste_page(d.input, failed=d.record)
    return pages.draft_page(d)


def _loaded(draft_id: str) -> workflow.Draft:
    d = workflow.load(draft_id)
    if d.result is None:
        abort(409, "This draft has no result to work on; open it to try again.")
    return d


def _back(draft_id: str, section: str) -> BaseResponse:
    return redirect(url_for("web.draft", draft_id=draft_id, _anchor=section), 303)


@bp.post("/drafts/<draft_id>/denial")
def correct_denial(draft_id: str) -> BaseResponse | tuple[str, int]:
    """Apply corrections to what was understood and draft the letter again."""
    d = _loaded(draft_id)
    assert d.result is not None
    try:
        denial, changed = correct(d.result.denial, request.form)
        if changed:
            workflow.redraft(d, denial, changed)
    except OverturnError as err:
        return pages.draft_page(d, request.form, err, "understood"), err.status
    flash(
        f"Corrected: {', '.join(changed)}. The letter was drafted again."
        if changed
        else "Nothing was changed."
    )
    return _back(draft_id, "understood")


@bp.post("/drafts/<draft_id>/letter")
def save_letter(draft_id: str) -> BaseResponse | tuple[str, int]:
    """Save edits to the letter's wording and check it again."""
    from service.pipelines.revise import revise

    d = _loaded(draft_id)
    assert d.result is not None
    edits = {k: v for k, v in request.form.items() if _LETTER_FIELD.match(k)}
    try:
        result = revise(d.result, edits, settings=current().settings, chart=workflow.chart_of(d))
    except OverturnError as err:
        return pages.draft_page(d, request.form, err, "letter"), err.status
    result = workflow.save(draft_id, result)
    current().store().audit(draft_id, "letter_edited", {"ok": result.report.ok})
    flash(
        "Saved. The check passes: the letter can be released."
        if result.report.ok
        else "Saved. The check found problems; fix them before release."
    )
    return _back(draft_id, "letter")


@bp.post("/drafts/<draft_id>/notes")
def add_notes(draft_id: str) -> BaseResponse | tuple[str, int]:
    """Append chart notes and draft again, as a new draft that replaces this one."""
    d = _loaded(draft_id)
    try:
        new_id = workflow.add_notes(d, request.form.get("notes", ""))
    except OverturnError as err:
        return pages.draft_page(d, request.form, err, "notes"), err.status
    flash("Chart note added; the evidence and the letter were drafted again.")
    return _back(new_id, "evidence")


@bp.post("/drafts/<draft_id>/release")
def release(draft_id: str) -> BaseResponse | tuple[str, int]:
    """Release the letter, only when its check passes (the button is disabled otherwise)."""
    d = _loaded(draft_id)
    try:
        workflow.release(d)
    except OverturnError as err:
        return pages.draft_page(d, None, err, "letter"), 409
    flash("Released. Download the letter below.")
    return _back(draft_id, "letter")


@bp.get("/drafts/<draft_id>/letter.<fmt>")
def download(draft_id: str, fmt: str) -> Response:
    """The released letter as a file; held letters are not handed out."""
    d = _loaded(draft_id)
    assert d.result is not None
    if d.result.status.value != "released":
        abort(409, "Release the letter before downloading it.")
    name = f"appeal-{draft_id[:8]}.{fmt}"
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
