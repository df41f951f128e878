"""A released letter as a Word file a biller can edit and fax (python-docx, pure Python).

Printed from the letter's layout (layout.py), never from its text: the practice's letterhead in
the Title style, the subject as Heading 1, sections as Heading 2, the points and the enclosures
as numbered lists (List Number, each list counting from 1), a header with the patient, the
member ID and "Page N of M" on every page, room to sign above the signer's name, and the
practice as the file's author. The PDF is pdf.py's; both share layout.py.
"""

from __future__ import annotations

import io
import re
from typing import Any

from service.config import Settings
from service.models import LetterDraft
from service.render.layout import PAGE_FIELD, TOTAL_FIELD, Layout, layout, page_label
from service.render.pdf import to_pdf  # the web and API import both writers from here

__all__ = ["MIMETYPES", "to_docx", "to_pdf"]

MIMETYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "txt": "text/plain; charset=utf-8",
}
SIGNING_SPACE_PT = 42  # room for a signature between the valediction and the name


def to_docx(letter: LetterDraft, settings: Settings) -> bytes:
    """The letter as a .docx file with real styles, a running header and the practice as author."""
    from docx import Document  # imported on use: only exports need it
    from docx.shared import Pt

    doc = Document()
    doc.styles["Normal"].font.name = "Calibri"
    doc.styles["Normal"].font.size = Pt(11)
    lay = layout(letter, settings)
    doc.core_properties.author = lay.author
    doc.core_properties.last_modified_by = lay.author
    doc.core_properties.title = lay.title
    _running_header(doc, lay)
    _top(doc, lay)
    _body(doc, lay)
    _signature_and_enclosures(doc, lay)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _top(doc: Any, lay: Layout) -> None:
    """Letterhead, date, recipient, subject and the identifier lines."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    if lay.letterhead:
        name, *rest = lay.letterhead
        title = doc.add_paragraph(name, style="Title")
        title.alignment = WD_ALIGN_PARAGRAPH.CENTER
        for run in title.runs:
            run.font.size = Pt(18)
        if rest:
            contact = doc.add_paragraph(_lines(rest))
            contact.alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph(lay.date)
    doc.add_paragraph(_lines(lay.recipient))
    doc.add_heading(lay.subject, level=1)
    for label, value in lay.header_fields:
        para = doc.add_paragraph()
        para.paragraph_format.space_after = Pt(0)
        para.add_run(f"{label}: ").bold = True
        para.add_run(value)


def _body(doc: Any, lay: Layout) -> None:
    """Opening, sections, the numbered points with bold headings, closing."""
    doc.add_paragraph(lay.opening).paragraph_format.space_before = _pt(10)
    for section in lay.before_points:
        _section(doc, section.heading, section.text)
    if lay.points_heading:
        doc.add_heading(lay.points_heading, level=2)
    paras = []
    for point in lay.points:
        para = doc.add_paragraph(style="List Number")
        para.add_run(f"{point.heading}.").bold = True
        para.add_run(f" {point.text}")
        paras.append(para)
    if paras:
        _restart_numbering(doc, paras[0])
    for section in lay.after_points:
        _section(doc, section.heading, section.text)
    doc.add_paragraph(lay.closing)
    for section in lay.after_closing:
        _section(doc, section.heading, section.text)


def _signature_and_enclosures(doc: Any, lay: Layout) -> None:
    sign = doc.add_paragraph(lay.valediction)
    sign.paragraph_format.keep_with_next = True
    name = doc.add_paragraph(_lines(lay.signer))
    name.paragraph_format.space_before = _pt(SIGNING_SPACE_PT)
    if lay.enclosures:
        doc.add_heading(lay.enclosures_heading, level=2)
        paras = [doc.add_paragraph(e, style="List Number") for e in lay.enclosures]
        _restart_numbering(doc, paras[0])


def _section(doc: Any, heading: str, text: str) -> None:
    doc.add_heading(heading, level=2)
    doc.add_paragraph(text)


def _lines(lines: list[str]) -> str:
    # a line break inside one paragraph (Word keeps an address block together this way)
    return "\n".join(lines)


def _pt(value: float) -> Any:
    from docx.shared import Pt

    return Pt(value)


def _running_header(doc: Any, lay: Layout) -> None:
    """Patient, member ID and 'Page N of M' (Word's PAGE and NUMPAGES fields) on every page."""
    header = doc.sections[0].header
    para = header.paragraphs[0]
    para.text = ""
    para.add_run(lay.running_header + "    ")
    label = page_label(PAGE_FIELD, TOTAL_FIELD)
    for piece in _split_fields(label):
        if piece == PAGE_FIELD:
            _field(para, "PAGE")
        elif piece == TOTAL_FIELD:
            _field(para, "NUMPAGES")
        elif piece:
            para.add_run(piece)


def _split_fields(text: str) -> list[str]:
    """'Page \x00page\x00 of \x00total\x00' -> ['Page ', PAGE_FIELD, ' of ', TOTAL_FIELD, '']."""
    fields = "|".join(re.escape(f) for f in (PAGE_FIELD, TOTAL_FIELD))
    return re.split(f"({fields})", text)


def _field(para: Any, code: str) -> None:
    """A Word field (PAGE, NUMPAGES) that Word fills in on each page."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    run = para.add_run()
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {code} "
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    shown = OxmlElement("w:t")
    shown.text = "1"  # what a reader that does not compute fields shows
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    for element in (begin, instr, separate, shown, end):
        run._r.append(element)


def _restart_numbering(doc: Any, para: Any) -> None:
    """Make the list that starts at `para` count from 1 (List Number otherwise runs on).

    Word numbers every List Number paragraph in one sequence; a list of its own needs a new
    numbering instance over the same definition, told to start again at 1.
    """
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    numbering = doc.part.numbering_part.element
    style_num = doc.styles["List Number"].element.pPr.numPr.numId.val
    abstract = next(n.abstractNumId.val for n in numbering.num_lst if n.numId == style_num)
    num = numbering.add_num(abstract)
    override = OxmlElement("w:lvlOverride")
    override.set(qn("w:ilvl"), "0")
    start = OxmlElement("w:startOverride")
    start.set(qn("w:val"), "1")
    override.append(start)
    num.append(override)
    # every paragraph of this list (the run of List Number paragraphs from `para`) uses it
    element = para._p
    while element is not None and _is_list_number(element, doc):
        numpr = element.get_or_add_pPr().get_or_add_numPr()
        numpr.get_or_add_ilvl().val = 0
        numpr.get_or_add_numId().val = num.numId
        element = element.getnext()


def _is_list_number(element: Any, doc: Any) -> bool:
    from docx.oxml.ns import qn

    if element.tag != qn("w:p") or element.pPr is None or element.pPr.pStyle is None:
        return False
    return element.pPr.pStyle.val == doc.styles["List Number"].style_id
