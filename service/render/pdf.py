"""A released letter as a PDF a practice faxes as it is (fpdf2, pure Python), and its cover sheet.

Printed from the letter's layout (layout.py), never from its text: letterhead, date, the
recipient block with the plan's appeals address and fax, the subject and identifier lines, the
points with bold headings, the signature with room to sign, then the enclosures; on every page
a header with the patient, the member ID and "Page N of M". A fax cover sheet, when asked for,
comes first, carries no clinical detail and no running header, and is not counted in the
letter's own page numbers.
"""

from __future__ import annotations

from typing import Any

from service.config import Settings
from service.models import LetterDraft
from service.render.layout import CoverSheet, Layout, cover_fields, layout, page_label
from service.render.wording import phrase

# fpdf2's built-in fonts cover Windows-1252; map the few characters letters use beyond it.
_PDF_SUBSTITUTES = str.maketrans({"\u2192": "->", "\u2264": "<=", "\u2265": ">=", "\u2212": "-"})
MARGIN = 72  # one inch
LINE = 14  # body line height, points
SIGNING_SPACE = 40  # room for a signature between the valediction and the name


def _text(text: str) -> str:
    return text.translate(_PDF_SUBSTITUTES).encode("cp1252", "replace").decode("cp1252")


def to_pdf(letter: LetterDraft, settings: Settings, cover: CoverSheet | None = None) -> bytes:
    """The letter as a PDF (US Letter, one-inch margins), a fax cover sheet first if asked."""
    lay = layout(letter, settings)
    if cover is None:
        return bytes(_letter_pdf(lay).output())
    pages = _letter_pdf(lay).pages_count  # the cover states the total, so count first
    pdf = _letter_pdf(lay, cover_page=(letter, settings, cover, pages + 1), total=pages)
    return bytes(pdf.output())


def fax_cover_pdf(letter: LetterDraft, settings: Settings, cover: CoverSheet) -> bytes:
    """The fax cover sheet alone, counting the letter's pages (for a fax sent in two files)."""
    pages = _letter_pdf(layout(letter, settings)).pages_count
    pdf = _new_pdf(layout(letter, settings), skip_header=1)
    _cover(pdf, letter, settings, cover, pages + 1)
    return bytes(pdf.output())


def _new_pdf(lay: Layout, *, skip_header: int = 0, total: int | None = None) -> Any:
    from fpdf import FPDF  # imported on use: only exports need it

    class LetterPDF(FPDF):
        def header(self) -> None:
            if self.page_no() <= skip_header:
                return  # the cover sheet: no patient on it
            number = self.page_no() - skip_header
            self.set_font("Helvetica", "", 8)
            self.set_y(MARGIN / 2)
            width = self.w - 2 * MARGIN
            self.cell(width / 2, 10, _text(lay.running_header), align="L")
            label = page_label(number, total if total is not None else self.str_alias_nb_pages)
            self.cell(width / 2, 10, _text(label), align="R", new_x="LMARGIN", new_y="NEXT")
            self.line(MARGIN, self.get_y() + 2, self.w - MARGIN, self.get_y() + 2)
            self.set_y(MARGIN)

    pdf = LetterPDF(format="letter", unit="pt")
    pdf.core_fonts_encoding = "windows-1252"  # curly quotes and dashes, as the letter writes them
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(True, margin=MARGIN)
    pdf.set_title(_text(lay.title))
    pdf.set_author(_text(lay.author))
    pdf.set_creator("Overturn")
    return pdf


def _letter_pdf(lay: Layout, cover_page: tuple | None = None, total: int | None = None) -> Any:
    pdf = _new_pdf(lay, skip_header=1 if cover_page else 0, total=total)
    if cover_page:
        _cover(pdf, *cover_page)
    pdf.add_page()
    _top(pdf, lay)
    _body(pdf, lay)
    _signature_and_enclosures(pdf, lay)
    return pdf


def _top(pdf: Any, lay: Layout) -> None:
    if lay.letterhead:
        name, *rest = lay.letterhead
        pdf.set_font("Helvetica", "B", 14)
        pdf.multi_cell(0, 18, _text(name), align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 9)
        for line in rest:
            pdf.multi_cell(0, 12, _text(line), align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(14)
    pdf.set_font("Helvetica", "", 11)
    _para(pdf, lay.date)
    _para(pdf, "\n".join(lay.recipient))
    pdf.set_font("Helvetica", "B", 11)
    _para(pdf, lay.subject, after=4)
    for label, value in lay.header_fields:
        _labelled(pdf, label, value)
    pdf.ln(8)


def _body(pdf: Any, lay: Layout) -> None:
    _para(pdf, lay.opening)
    for section in lay.before_points:
        _labelled(pdf, section.heading, section.text, after=8, sep=". ")
    if lay.points_heading:
        pdf.set_font("Helvetica", "B", 11)
        _para(pdf, lay.points_heading, after=4)
    for point in lay.points:
        _labelled(pdf, f"{point.number}. {point.heading}", point.text, after=8, sep=". ")
    for section in lay.after_points:
        _labelled(pdf, section.heading, section.text, after=8, sep=". ")
    _para(pdf, lay.closing)
    for section in lay.after_closing:
        _labelled(pdf, section.heading, section.text, after=8, sep=". ")


def _signature_and_enclosures(pdf: Any, lay: Layout) -> None:
    # the valediction, the room to sign and the name stay on one page
    needed = LINE * (1 + len(lay.signer)) + SIGNING_SPACE
    if pdf.get_y() + needed > pdf.h - MARGIN:
        pdf.add_page()
    pdf.set_font("Helvetica", "", 11)
    pdf.multi_cell(0, LINE, _text(lay.valediction), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(SIGNING_SPACE)
    pdf.multi_cell(0, LINE, _text("\n".join(lay.signer)), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(14)
    if lay.enclosures:
        pdf.set_font("Helvetica", "B", 11)
        _para(pdf, lay.enclosures_heading, after=2)
        pdf.set_font("Helvetica", "", 11)
        for n, description in enumerate(lay.enclosures, start=1):
            _para(pdf, f"{n}. {description}", after=0)


def _para(pdf: Any, text: str, after: float = 10) -> None:
    pdf.multi_cell(0, LINE, _text(text), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 11)
    pdf.ln(after)


def _labelled(pdf: Any, label: str, text: str, after: float = 0, sep: str = ": ") -> None:
    """A bold label (an identifier, a point's heading) followed by plain text, wrapped."""
    pdf.set_x(MARGIN)
    pdf.set_font("Helvetica", "B", 11)
    pdf.write(LINE, _text(label + sep.rstrip()) + " ")
    pdf.set_font("Helvetica", "", 11)
    pdf.write(LINE, _text(text))
    pdf.ln(LINE + after)


def _cover(
    pdf: Any, letter: LetterDraft, settings: Settings, cover: CoverSheet, pages: int
) -> None:
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 28)
    pdf.multi_cell(0, 40, _text(phrase("document", "cover_title")), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(20)
    for label, value in cover_fields(letter, settings, cover, pages):
        pdf.set_font("Helvetica", "B", 12)
        pdf.cell(110, 22, _text(label))
        pdf.set_font("Helvetica", "", 12)
        pdf.multi_cell(0, 22, _text(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(30)
    pdf.set_font("Helvetica", "I", 9)
    notice = _text(phrase("document", "cover_notice"))
    pdf.multi_cell(0, 12, notice, align="L", new_x="LMARGIN", new_y="NEXT")
