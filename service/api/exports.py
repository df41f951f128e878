"""GET /v1/drafts/<id>/letter.(docx|pdf|txt): a released letter as a file to send or print."""

from __future__ import annotations

from flask import Blueprint, Response

from service.errors import NotFound, NotReleased
from service.models import LetterDraft
from service.render.files import MIMETYPES, to_docx, to_pdf
from service.resources import current

bp = Blueprint("exports", __name__)


def released_letter(draft_id: str) -> LetterDraft:
    """The letter of a released draft (appeal or necessity); NotReleased for any other."""
    record = current().store().get(draft_id)
    if record["status"] != "released":
        raise NotReleased(
            "Only a released letter can be exported; this draft is "
            f"{record['status']}. Fix what its report names and draft again.",
            draft_id=draft_id,
            status_of_draft=record["status"],
        )
    letter = (record.get("result") or {}).get("letter")
    if not letter:
        raise NotFound("This draft has no letter.", draft_id=draft_id)
    return LetterDraft.model_validate(letter)


@bp.get("/v1/drafts/<draft_id>/letter.<fmt>")
def export_letter(draft_id: str, fmt: str):
    """The released letter as DOCX, PDF or text; 409 problem+json while it is held."""
    if fmt not in MIMETYPES:
        raise NotFound("Letters export as .docx, .pdf or .txt.", draft_id=draft_id)
    letter = released_letter(draft_id)
    settings = current().settings
    if fmt == "txt":
        body: bytes = letter.text.encode("utf-8")
    else:
        body = to_docx(letter, settings) if fmt == "docx" else to_pdf(letter, settings)
    response = Response(body, mimetype=MIMETYPES[fmt].split(";")[0], content_type=MIMETYPES[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="letter-{draft_id}.{fmt}"'
    return response
