"""DOCX and PDF exports of released letters: open each produced file and read its text back."""

from __future__ import annotations

import io

import pytest
from docx import Document
from pypdf import PdfReader
from test_necessity import CASES, draft, settings
from test_necessity_api import body, lmn_client  # noqa: F401  (fixture)

from service.render.files import to_docx, to_pdf


def docx_text(data: bytes) -> str:
    return "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _flat(text: str) -> str:
    return " ".join(text.replace("\u2019", "'").split())


@pytest.mark.parametrize("kind", ["procedure", "dme"])
def test_docx_and_pdf_carry_letterhead_letter_and_enclosures(kind):
    result = draft(CASES[kind])
    s = settings()
    for text in (docx_text(to_docx(result.letter, s)), pdf_text(to_pdf(result.letter, s))):
        flat = _flat(text)
        code = CASES[kind]["request"]["service"]["code"]
        for must in (
            "Riverside Clinic",
            "12 Elm Street",
            "Fax 555-010-3001",
            code,
            result.letter.identifiers["Patient"],
            "I attest",
            "NPI 1234567893",
            "Enclosures",
        ):
            assert must in flat, must
        for e in result.letter.enclosures:
            assert _flat(e.description) in flat
        # the body is the template's text: each point's heading is there
        assert _flat(result.letter.points[0].heading) in flat


def test_appeal_letter_exports_too():
    from test_letter import _draft

    letter, report, _ = _draft()
    assert report.ok
    flat = _flat(pdf_text(to_pdf(letter, settings())))
    assert "CLM-2026-0091" in flat and "Riverside Clinic" in flat


def test_api_serves_released_letters_and_refuses_held_ones(lmn_client):  # noqa: F811
    released = lmn_client.post("/v1/necessity-letters", json=body()).get_json()["draft_id"]
    held = lmn_client.post("/v1/necessity-letters", json=body(complete=False)).get_json()
    assert held["status"] == "held"
    docx = lmn_client.get(f"/v1/drafts/{released}/letter.docx")
    assert docx.status_code == 200 and "Ana Reyes" in docx_text(docx.data)
    pdf = lmn_client.get(f"/v1/drafts/{released}/letter.pdf")
    assert pdf.mimetype == "application/pdf" and "70336" in pdf_text(pdf.data)
    txt = lmn_client.get(f"/v1/drafts/{released}/letter.txt")
    assert "I am writing" in txt.get_data(as_text=True)
    refused = lmn_client.get(f"/v1/drafts/{held['draft_id']}/letter.pdf")
    assert refused.status_code == 409
    assert refused.mimetype == "application/problem+json"
    assert lmn_client.get(f"/v1/drafts/{released}/letter.rtf").status_code == 404
