"""Scanned PDFs (no text layer): read by OCR where tesseract is installed, else refused clearly."""

from __future__ import annotations

import logging
import textwrap
from io import BytesIO
from pathlib import Path

import pytest
from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont
from pypdf import PdfReader
from support import denial_letter

from service.errors import NotText
from service.intake import ocr
from service.intake.pdf_text import pdf_to_text, read_pdf
from service.policies.documents import load_document, pdf_body

DPI = 200
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
POLICY_META = {
    "policy_id": "HB-DME-510",
    "payer_id": "harbor",
    "effective_date": "2025-03-01",
    "version": "1",
    "title": "Home oxygen therapy",
}
POLICY_LINES = [
    "Home oxygen therapy",
    "",
    "COVERAGE CRITERIA",
    "Home oxygen is covered when all of the following are met:",
    "1. Resting oxygen saturation at or below 88 percent on room air.",
    "2. The treating physician saw the patient within 30 days.",
    "",
    "EXCLUSIONS",
    "1. Oxygen for dyspnea without hypoxemia.",
]
needs_ocr = pytest.mark.skipif(not ocr.ocr_available(), reason="tesseract is not installed")


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    if DEJAVU.exists():
        return ImageFont.truetype(str(DEJAVU), size)
    return ImageFont.load_default(size=size)


def scanned_pdf(lines: list[str], pages: int = 1) -> bytes:
    """A PDF whose pages are only pictures of typed lines, like a scanner makes (no text)."""
    size = DPI * 11 // 72  # 11 pt type
    # a page just tall enough for the lines: OCR time grows with the page's area
    width, height = int(8.5 * DPI), DPI + (len(lines) + 1) * size * 3 // 2
    image = Image.new("L", (width, height), 255)
    draw, font = ImageDraw.Draw(image), _font(size)
    for row, line in enumerate(lines):
        draw.text((DPI, DPI // 2 + row * size * 3 // 2), line, font=font, fill=0)
    pdf = FPDF(unit="in", format=(width / DPI, height / DPI))
    for _ in range(pages):
        pdf.add_page()
        pdf.image(image, x=0, y=0, w=pdf.w, h=pdf.h)
    return bytes(pdf.output())


def denial_scan() -> bytes:
    text = denial_letter("jawjoint-mri")
    lines = [
        wrapped
        for para in text.splitlines()
        for wrapped in (textwrap.wrap(para.replace("\t", " "), 80) or [""])
    ]
    return scanned_pdf(lines)


def test_the_scans_here_have_no_text_layer():
    for scan in (scanned_pdf(POLICY_LINES), denial_scan()):
        assert not PdfReader(BytesIO(scan)).pages[0].extract_text().strip()


@needs_ocr
def test_scanned_policy_is_ingested_by_ocr():
    passages = {
        p.id: p for p in load_document(scanned_pdf(POLICY_LINES), "scan.pdf", defaults=POLICY_META)
    }
    first = passages["HB-DME-510@v1#coverage-criteria-1"]
    assert "oxygen saturation" in first.text and "88 percent" in first.text
    assert "physician" not in first.text  # criterion 2 is its own passage
    assert "treating physician" in passages["HB-DME-510@v1#coverage-criteria-2"].text
    assert "dyspnea" in passages["HB-DME-510@v1#exclusions-1"].text
    meta, _, _ = pdf_body(scanned_pdf(POLICY_LINES), "scan.pdf")
    assert meta.get("ocr") is True


@needs_ocr
def test_scanned_denial_is_read_by_ocr_without_logging_its_text(caplog):
    caplog.set_level(logging.DEBUG)
    result = read_pdf(denial_scan(), field="denial_file")
    assert result.ocr
    assert "70336" in result.text and "MRI" in result.text
    assert "not medically necessary" in result.text and "mouth guard" in result.text
    assert "70336" not in caplog.text and "mouth guard" not in caplog.text


@needs_ocr
def test_scanned_denial_upload_is_drafted(client):
    resp = client.post(
        "/v1/appeals",
        content_type="multipart/form-data",
        data={"denial_file": (BytesIO(denial_scan()), "denial.pdf")},
    )
    assert resp.status_code == 201
    assert "70336" in resp.get_json()["denial"]["service_codes"]


def test_text_pdf_is_not_ocred():
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=10)
    pdf.multi_cell(0, 5, "Denied as not medically necessary: CPT 70336. " * 3)
    result = read_pdf(bytes(pdf.output()), field="denial_file")
    assert not result.ocr and "70336" in result.text


def test_without_tesseract_scans_are_refused_with_advice(monkeypatch):
    monkeypatch.setattr(ocr, "ocr_available", lambda: False)
    with pytest.raises(NotText) as denial:
        pdf_to_text(denial_scan(), field="denial_file")
    with pytest.raises(NotText) as policy:
        load_document(scanned_pdf(POLICY_LINES), "scan.pdf", defaults=POLICY_META)
    for caught, field in ((denial, "denial_file"), (policy, "file")):
        assert "no text layer" in caught.value.detail
        assert "tesseract-ocr" in caught.value.detail
        assert caught.value.fields["field"] == field


@needs_ocr
def test_blank_scan_is_refused():
    with pytest.raises(NotText, match="OCR found no text"):
        pdf_to_text(scanned_pdf([]), field="chart_file")


@needs_ocr
def test_long_scan_is_refused_before_any_page_is_read(monkeypatch):
    monkeypatch.setattr(ocr, "_page_text", lambda *a, **k: pytest.fail("a page was read"))
    with pytest.raises(NotText, match="at most 2"):
        ocr.ocr_pdf(scanned_pdf(POLICY_LINES, pages=3), field="denial_file", max_pages=2)


def test_ocr_failure_is_refused_without_quoting_the_document(monkeypatch):
    monkeypatch.setattr(ocr, "TESSERACT", "false")  # a program on PATH that always fails
    with pytest.raises(NotText) as caught:
        pdf_to_text(denial_scan(), field="denial_file")
    assert "OCR failed on page 1" in caught.value.detail and "70336" not in caught.value.detail


@needs_ocr
def test_slow_ocr_is_stopped(monkeypatch):
    monkeypatch.setattr(ocr, "PAGE_TIMEOUT_S", 0.001)
    with pytest.raises(NotText, match="took too long"):
        ocr.ocr_pdf(denial_scan(), field="denial_file")


def test_damaged_pdf_is_refused_by_ocr():
    if not ocr.ocr_available():
        pytest.skip("tesseract is not installed")
    with pytest.raises(NotText, match="damaged"):
        ocr.ocr_pdf(b"%PDF-1.4 not really", field="denial_file")
