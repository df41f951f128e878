"""Render: a LetterDraft to text with its letter type's template, and to DOCX or PDF.

The templates and, beside each, its required-elements spec live in `templates/`.
"""

from service.render.files import MIMETYPES, to_docx, to_pdf
from service.render.text import (
    TEMPLATES_DIR,
    environment,
    letterhead,
    load_spec,
    long_date,
    render_text,
    spec_requires,
    template_name,
    template_version,
)

__all__ = [
    "MIMETYPES",
    "TEMPLATES_DIR",
    "environment",
    "letterhead",
    "load_spec",
    "long_date",
    "render_text",
    "spec_requires",
    "template_name",
    "template_version",
    "to_docx",
    "to_pdf",
]
