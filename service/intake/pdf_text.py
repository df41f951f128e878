"""Text from an uploaded PDF denial or chart: its text layer, or OCR for a scan."""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from typing import Any, Literal

from service.errors import NotText
from service.intake import ocr

PDF_MAGIC = b"%PDF"
MIN_CHARS = 40  # fewer characters than this from a whole PDF means a scan, not a text PDF


@dataclass(frozen=True)
class PdfText:
    """A PDF's text and whether it was read by OCR (callers may record that)."""

    text: str
    ocr: bool = False
    title: str = ""  # the PDF's own title metadata, "" when it has none


def is_pdf(data: bytes, filename: str = "") -> bool:
    """True for a PDF by its magic bytes or its name."""
    return data.lstrip()[:4] == PDF_MAGIC or filename.lower().endswith(".pdf")


def pdf_to_text(data: bytes, *, field: str, max_pages: int = 50) -> str:
    """The PDF's text (or OCR text); a precise NotText for encrypted, damaged or blank files."""
    return read_pdf(data, field=field, max_pages=max_pages).text


def read_pdf(data: bytes, *, field: str, max_pages: int = 50, layout: bool = False) -> PdfText:
    """The PDF's text layer, or its OCR text when it is a scan and tesseract is installed.

    `layout` keeps the page's indentation and blank lines (a policy's sub-items need them).
    """
    text, title = _text_layer(data, field=field, max_pages=max_pages, layout=layout)
    if len(text.strip()) >= MIN_CHARS:
        return PdfText(text, title=title)
    if not ocr.ocr_available():
        raise NotText(f"The PDF has {ocr.NO_OCR}", field=field)
    scanned = ocr.ocr_pdf(data, field=field, max_pages=min(max_pages, ocr.MAX_OCR_PAGES))
    if len(scanned.strip()) < MIN_CHARS:
        raise NotText(
            "The PDF has no text layer and OCR found no text in it (a blank or faint scan?): "
            "paste the text or upload a clearer scan.",
            field=field,
        )
    return PdfText(scanned, ocr=True, title=title)


def _text_layer(data: bytes, *, field: str, max_pages: int, layout: bool) -> tuple[str, str]:
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # its warnings may quote document text
    mode: Literal["plain", "layout"] = "layout" if layout else "plain"
    try:
        reader = PdfReader(io.BytesIO(data))
        # a PDF locked only against editing opens with the empty password: read it
        if reader.is_encrypted and not _opens_without_password(reader, DependencyError):
            raise NotText(
                "The PDF is password-protected: remove the password and upload it again, or "
                "paste the text.",
                field=field,
            )
        text = "\n\n".join(
            page.extract_text(extraction_mode=mode) or "" for page in reader.pages[:max_pages]
        )
        info = reader.metadata
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, ZeroDivisionError) as err:
        raise NotText(
            "The PDF could not be read; it may be damaged. Paste the text instead.", field=field
        ) from err
    title = str(info.title).strip() if info and info.title else ""
    return text, title


def _opens_without_password(reader: Any, dependency_error: type[Exception]) -> bool:
    try:
        return bool(reader.decrypt(""))
    except (dependency_error, NotImplementedError):  # an encryption pypdf cannot undo
        return False
