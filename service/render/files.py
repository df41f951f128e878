"""Export a released letter (appeal or necessity) as DOCX or PDF on the practice letterhead.

Both files are laid out from the same LetterDraft and the same text template as the plain-text
letter: the template renders the body, this module only sets the letterhead and typography.
python-docx and fpdf2 are pure Python, so no system library is needed to produce either file.
"""

from __future__ import annotations

import dataclasses
import io
import re

from service.config import Settings
from service.models import LetterDraft
from service.render.text import letterhead, render_text

# fpdf2's built-in fonts cover Windows-1252; map the few characters letters use beyond it.
_PDF_SUBSTITUTES = str.maketrans({"\u2192": "->", "\u2264": "<=", "\u2265": ">=", "\u2212": "-"})
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


MIMETYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "txt": "text/plain; charset=utf-8",
}


def body_text(letter: LetterDraft, settings: Settings) -> str:
    """The letter rendered by its template without the letterhead (the file sets that apart)."""
    bare = dataclasses.replace(
        settings, practice_name="", practice_address="", practice_phone="", practice_fax=""
    )
    return render_text(letter, bare)


def paragraphs(letter: LetterDraft, settings: Settings) -> list[list[str]]:
    """The body as paragraphs, each a list of its lines."""
    text = body_text(letter, settings).strip()
    return [block.splitlines() for block in _PARAGRAPH_BREAK.split(text) if block.strip()]


def to_docx(letter: LetterDraft, settings: Settings) -> bytes:
    """The letter as a .docx file."""
    from docx import Document  # imported on use: only exports need it
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    doc = Document()
    doc.styles["Normal"].font.name = "Calibri"
    doc.styles["Normal"].font.size = Pt(11)
    head = letterhead(settings)
    if head:
        first, *rest = head.splitlines()
        para = doc.add_paragraph()
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = para.add_run(first)
        run.bold, run.font.size = True, Pt(14)
        for line in rest:
            para.add_run().add_break()
            para.add_run(line).font.size = Pt(9)
    for block in paragraphs(letter, settings):
        para = doc.add_paragraph()
        for i, line in enumerate(block):
            if i:
                para.add_run().add_break()
            para.add_run(line)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _pdf_text(text: str) -> str:
    return text.translate(_PDF_SUBSTITUTES).encode("cp1252", "replace").decode("cp1252")


def to_pdf(letter: LetterDraft, settings: Settings) -> bytes:
    """The letter as a PDF file (US Letter, one-inch margins)."""
    from fpdf import FPDF  # imported on use: only exports need it

    pdf = FPDF(format="letter", unit="pt")
    pdf.core_fonts_encoding = "windows-1252"  # curly quotes and dashes, as the letter writes them
    pdf.set_margins(72, 72, 72)
    pdf.set_auto_page_break(True, margin=72)
    pdf.set_title(_pdf_text(letter.subject))
    pdf.add_page()
    head = letterhead(settings)
    if head:
        first, *rest = head.splitlines()
        pdf.set_font("Helvetica", "B", 14)
        pdf.multi_cell(0, 18, _pdf_text(first), align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 9)
        for line in rest:
            pdf.multi_cell(0, 12, _pdf_text(line), align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(14)
    pdf.set_font("Helvetica", "", 11)
    for block in paragraphs(letter, settings):
        pdf.multi_cell(0, 14, _pdf_text("\n".join(block)), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(8)
    return bytes(pdf.output())
