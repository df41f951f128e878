"""Render: a LetterDraft to text with its letter type's template, and to DOCX or PDF; and the
letter's wording, one partial macro at a time, for the composers (`phrase`, `words`).

The templates and, beside each, its required-elements spec live in `templates/`; the partials
and their wording tables in `templates/partials/`.
"""

from service.render.files import MIMETYPES, to_docx
from service.render.layout import CoverSheet
from service.render.pdf import fax_cover_pdf, to_pdf
from service.render.text import (
    environment,
    letterhead,
    load_spec,
    render_text,
    spec_requires,
    template_name,
    template_version,
)
from service.render.wording import TEMPLATES_DIR, long_date, phrase, words

__all__ = [
    "MIMETYPES",
    "CoverSheet",
    "TEMPLATES_DIR",
    "environment",
    "fax_cover_pdf",
    "letterhead",
    "load_spec",
    "long_date",
    "phrase",
    "render_text",
    "spec_requires",
    "template_name",
    "template_version",
    "to_docx",
    "to_pdf",
    "words",
]
