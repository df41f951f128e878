"""A letter a practice faxes as it is: open the produced DOCX and PDF and check what a biller
and the plan's mailroom look for (letterhead, recipient, identity, page headers, signature,
enclosures, styles), and the fax cover sheet."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from docx import Document
from docx.oxml.ns import qn
from pypdf import PdfReader
from support import lumbar_denial
from test_letter import FULL_FACTS, _draft

from service.config import Settings
from service.models import AppealInstructions, Chart, Person, Provider
from service.render import CoverSheet, fax_cover_pdf, to_docx, to_pdf

ADDRESS = "Appeals Unit, PO Box 4410, Fairhaven, ST 00000"
PLAN_FAX = "555-019-4400"
PRACTICE = Settings(
    today="2026-11-22",
    practice_name="Riverside Spine Clinic",
    practice_address="12 Elm Street, Springfield, ST 00000",
    practice_phone="555-010-2000",
    practice_fax="555-010-2001",
)


def _chart(practice: bool = True) -> Chart:
    provider = Provider(name="Maria Lopez", credentials="MD", npi="1234567893")
    if practice:
        provider = provider.model_copy(
            update={
                "practice": "Lakeside Orthopedics",
                "address": "40 Lake Road, Fairview, ST 00000",
                "phone": "555-020-3000",
                "fax": "555-020-3001",
            }
        )
    return Chart(
        patient=Person(name="Dana Whitfield", date_of_birth=dt.date(1971, 4, 9)),
        provider=provider,
        facts=list(FULL_FACTS),
        source_text="\n".join(f.text for f in FULL_FACTS) + "\nDOB 04/09/1971",
    )


@pytest.fixture(scope="module")
def letter():
    denial = lumbar_denial(appeal_instructions=AppealInstructions(address=ADDRESS, fax=PLAN_FAX))
    letter, report, _ = _draft(denial=denial, chart=_chart())
    assert report.ok, report.problems
    return letter


@pytest.fixture(scope="module")
def long_letter(letter):
    """The same letter with its points repeated, so that it runs to more than one page."""
    points = [p.model_copy(update={"number": i + 1}) for i, p in enumerate([*letter.points] * 4)]
    return letter.model_copy(update={"points": points})


def _pages(data: bytes) -> list[str]:
    return [" ".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(data)).pages]


# --- PDF -----------------------------------------------------------------------------------


def test_pdf_has_header_and_page_n_of_m_on_every_page(long_letter):
    pages = _pages(to_pdf(long_letter, PRACTICE))
    assert len(pages) >= 2
    for n, text in enumerate(pages, start=1):
        assert "Patient: Dana Whitfield" in text and "Member ID: NWH448812" in text
        assert f"Page {n} of {len(pages)}" in text


def test_pdf_carries_identity_recipient_letterhead_and_order(letter):
    text = " ".join(_pages(to_pdf(letter, PRACTICE)))
    for value in (
        "Riverside Spine Clinic",  # the practice settings' letterhead
        "12 Elm Street",
        "Fax 555-010-2001",
        "Dana Whitfield",
        "April 9, 1971",  # date of birth
        "NWH448812",
        "CLM-2026-0091",
        "September 20, 2026",  # date of service
        ADDRESS,
        f"Fax {PLAN_FAX}",
    ):
        assert value in text, value
    # the signature (valediction, then the name) comes before the enclosures
    listed = text.index(f"Enclosures 1. {letter.enclosures[0].description}")
    assert text.index("Sincerely,") < text.index("Maria Lopez, MD") < listed
    assert listed < text.index(letter.enclosures[-1].description)


def test_pdf_letterhead_falls_back_to_the_charts_practice(letter):
    text = " ".join(_pages(to_pdf(letter, Settings(today="2026-11-22"))))
    first = text.split("November 22, 2026")[0]
    assert "Lakeside Orthopedics" in first and "40 Lake Road" in first


def test_pdf_metadata_names_the_letter_and_the_practice(letter):
    meta = PdfReader(io.BytesIO(to_pdf(letter, PRACTICE))).metadata
    assert meta.title == letter.subject.replace("\u2014", "\u2014")
    assert meta.author == "Riverside Spine Clinic"


def test_fax_cover_comes_first_without_clinical_detail(letter):
    plain = _pages(to_pdf(letter, PRACTICE))
    pages = _pages(to_pdf(letter, PRACTICE, cover=CoverSheet(fax=PLAN_FAX)))
    assert len(pages) == len(plain) + 1
    cover = pages[0]
    assert PLAN_FAX in cover and "Riverside Spine Clinic" in cover and "555-010-2001" in cover
    assert f"{len(pages)} (including this cover sheet)" in cover
    assert "November 22, 2026" in cover and "Confidential" in cover
    for clinical in ("Dana Whitfield", "NWH448812", "72148", "MRI", "M54.16", "Page 1 of"):
        assert clinical not in cover, clinical
    # the letter's own pages are numbered as the letter, the cover not counted
    assert f"Page 1 of {len(plain)}" in pages[1]
    alone = _pages(fax_cover_pdf(letter, PRACTICE, CoverSheet(fax=PLAN_FAX)))
    assert len(alone) == 1 and alone[0] == cover


# --- DOCX ----------------------------------------------------------------------------------


def _docx(letter, settings=PRACTICE):
    return Document(io.BytesIO(to_docx(letter, settings)))


def test_docx_uses_real_styles_and_names_the_practice(letter):
    doc = _docx(letter)
    styles = [p.style.name for p in doc.paragraphs]
    assert styles[0] == "Title" and doc.paragraphs[0].text == "Riverside Spine Clinic"
    assert "Heading 1" in styles and "Heading 2" in styles
    assert styles.count("List Number") == len(letter.points) + len(letter.enclosures)
    assert doc.core_properties.author == "Riverside Spine Clinic"
    assert doc.core_properties.title == letter.subject


def test_docx_point_headings_are_bold_and_lists_restart(letter):
    doc = _docx(letter)
    listed = [p for p in doc.paragraphs if p.style.name == "List Number"]
    points, enclosures = listed[: len(letter.points)], listed[len(letter.points) :]
    for para, point in zip(points, letter.points, strict=True):
        assert para.runs[0].bold and para.runs[0].text == f"{point.heading}."
        assert point.text in para.text
    num_ids = {_num_id(p) for p in points}, {_num_id(p) for p in enclosures}
    assert len(num_ids[0]) == 1 and len(num_ids[1]) == 1 and num_ids[0] != num_ids[1]
    assert [p.text for p in enclosures] == [e.description for e in letter.enclosures]


def test_docx_signature_with_room_to_sign_before_enclosures(letter):
    doc = _docx(letter)
    texts = [p.text for p in doc.paragraphs]
    sign = texts.index("Sincerely,")
    name = next(i for i, t in enumerate(texts) if t.startswith("Maria Lopez, MD"))
    enclosures = texts.index("Enclosures")
    assert sign < name < enclosures
    assert doc.paragraphs[name].paragraph_format.space_before.pt >= 36
    assert "Date of birth: April 9, 1971" in texts
    recipient = next(t for t in texts if ADDRESS in t)
    assert f"Fax {PLAN_FAX}" in recipient.splitlines()


def test_docx_header_has_patient_member_and_page_fields(letter):
    header = _docx(letter).sections[0].header
    xml = header._element.xml
    assert "Patient: Dana Whitfield" in header.paragraphs[0].text
    assert "Member ID: NWH448812" in header.paragraphs[0].text
    codes = [t.text.strip() for t in header._element.iter(qn("w:instrText"))]
    assert codes == ["PAGE", "NUMPAGES"] and re.search(r"Page .* of ", header.paragraphs[0].text)
    assert "fldChar" in xml


def _num_id(paragraph) -> int:
    return paragraph._p.pPr.numPr.numId.val
