"""A denial uploaded as a PDF is read through its text layer; unreadable PDFs are refused."""

from __future__ import annotations

from io import BytesIO

import pytest
from fpdf import FPDF
from support import denial_letter
from test_api import assert_problem

from service.intake.pdf_text import pdf_to_text


def _pdf(text: str | None, password: str | None = None) -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=10)
    if text:
        safe = text.encode("latin-1", "replace").decode("latin-1")
        pdf.multi_cell(0, 5, safe)
    if password:
        pdf.set_encryption(owner_password=password, user_password=password)
    return bytes(pdf.output())


def test_a_real_denial_uploaded_as_pdf_is_drafted(client):
    text = denial_letter("jawjoint-mri")
    resp = client.post(
        "/v1/appeals",
        content_type="multipart/form-data",
        data={"denial_file": (BytesIO(_pdf(text)), "denial.pdf")},
    )
    assert resp.status_code == 201
    body = resp.get_json()
    assert "70336" in body["denial"]["service_codes"]
    assert len(body["denial"]["stated_criteria"]) == 3


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b"%PDF-1.4\n garbage that is not a pdf", "damaged"),
        (None, "no text layer"),
    ],
)
def test_unreadable_pdfs_are_refused_clearly(client, data, why):
    data = data if data is not None else _pdf(None)
    resp = client.post(
        "/v1/appeals",
        content_type="multipart/form-data",
        data={"denial_file": (BytesIO(data), "denial.pdf")},
    )
    body = assert_problem(resp, 400, "not-text")
    assert why in body["detail"]


def test_encrypted_pdf_is_refused():
    from service.errors import NotText

    with pytest.raises(NotText, match="password"):
        pdf_to_text(
            _pdf("Denied as not medically necessary. " * 5, password="s3cret"), field="denial_file"
        )
