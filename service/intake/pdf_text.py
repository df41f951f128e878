"""Text from an uploaded PDF denial or chart (text PDFs; a scan would need OCR, not offered)."""

from __future__ import annotations

import io
import logging

from service.errors import NotText

PDF_MAGIC = b"%PDF"
MIN_CHARS = 40  # fewer characters than this from a whole PDF means a scan, not a text PDF


def is_pdf(data: bytes, filename: str = "") -> bool:
    """True for a PDF by its magic bytes or its name."""
    return data.lstrip()[:4] == PDF_MAGIC or filename.lower().endswith(".pdf")


def pdf_to_text(data: bytes, *, field: str, max_pages: int = 50) -> str:
    """The PDF's text, page by page; a precise NotText for encrypted, corrupt or scanned files."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # its warnings may quote document text
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise NotText(
                "The PDF is password-protected: remove the password or paste the text.", field=field
            )
        pages = reader.pages[:max_pages]
        text = "\n".join(page.extract_text() or "" for page in pages)
    except (PdfReadError, ValueError, KeyError, TypeError) as err:
        raise NotText(
            "The PDF could not be read; it may be damaged. Paste the text instead.", field=field
        ) from err
    if len(text.strip()) < MIN_CHARS:
        raise NotText(
            "The PDF has no text layer (a scan?). OCR is not installed here: paste the "
            "text or upload a text PDF.",
            field=field,
        )
    return text
