"""Text from an uploaded PDF denial or chart: its text layer, or OCR for a scan."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
from dataclasses import dataclass
from typing import Any, Literal

from service.errors import BudgetExceeded, NotText
from service.intake import ocr

PDF_MAGIC = b"%PDF"
MIN_CHARS = 40  # fewer characters than this from a whole PDF means a scan, not a text PDF
# Budgets of one PDF's text layer: a page's decompressed drawing instructions, the text of the
# whole file, the time and the memory of the child process that reads it. A dense policy page
# is well under 1 MB of instructions and a 50-page policy under a million characters.
PAGE_CONTENT_BUDGET = 4_000_000
TEXT_BUDGET = 5_000_000
SECONDS_BUDGET = 20.0
MEMORY_BUDGET = 2 * 1024**3


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
    """The text layer, read in a child process that is stopped when it runs over its budget.

    A PDF is a program: a 95 KB file can expand to tens of megabytes of text, and pypdf can
    spend minutes on it in a thread nothing can stop. The child checks each page's content size
    and the text it has produced, and is killed at SECONDS_BUDGET."""
    options = json.dumps({"max_pages": max_pages, "layout": layout})
    command = [sys.executable, "-m", "service.intake.pdf_text", options]
    try:
        done = subprocess.run(
            command, input=data, capture_output=True, timeout=SECONDS_BUDGET, check=False
        )
    except subprocess.TimeoutExpired as err:
        raise BudgetExceeded(
            f"Reading the PDF took longer than {SECONDS_BUDGET:.0f} s; paste its text instead.",
            field=field,
        ) from err
    try:
        out = json.loads(done.stdout or b"{}")
    except ValueError:
        out = {}
    if "text" in out:
        return str(out["text"]), str(out.get("title", ""))
    error = out.get("error", "budget")  # killed by its memory limit: over budget as well
    if error == "encrypted":
        raise NotText(
            "The PDF is password-protected: remove the password and upload it again, or "
            "paste the text.",
            field=field,
        )
    if error == "damaged":
        raise NotText(
            "The PDF could not be read; it may be damaged. Paste the text instead.", field=field
        )
    raise BudgetExceeded(
        "The PDF holds more text or drawing work than this service reads "
        f"(over {PAGE_CONTENT_BUDGET // 1_000_000} MB on a page or {TEXT_BUDGET // 1_000_000} "
        "million characters); paste its text instead.",
        field=field,
    )


def extract(data: bytes, *, max_pages: int, layout: bool) -> dict[str, str]:
    """In the child: {"text", "title"} or {"error": "encrypted" | "damaged" | "budget"}."""
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, PdfReadError, PyPdfError

    logging.getLogger("pypdf").setLevel(logging.CRITICAL)  # its warnings may quote document text
    mode: Literal["plain", "layout"] = "layout" if layout else "plain"
    try:
        reader = PdfReader(io.BytesIO(data))
        # a PDF locked only against editing opens with the empty password: read it
        if reader.is_encrypted and not _opens_without_password(reader, DependencyError):
            return {"error": "encrypted"}
        parts: list[str] = []
        total = 0
        for page in reader.pages[:max_pages]:
            content = page.get_contents()
            if content is not None and len(content.get_data()) > PAGE_CONTENT_BUDGET:
                return {"error": "budget"}
            text = page.extract_text(extraction_mode=mode) or ""
            total += len(text)
            if total > TEXT_BUDGET:
                return {"error": "budget"}
            parts.append(text)
        info = reader.metadata
        title = str(info.title).strip() if info and info.title else ""
    except (PyPdfError, PdfReadError, ValueError, KeyError, TypeError, OSError, ZeroDivisionError):
        return {"error": "damaged"}
    except (MemoryError, RecursionError):
        return {"error": "budget"}
    return {"text": "\n\n".join(parts), "title": title}


def _child() -> None:
    import resource

    # a hard ceiling on what a hostile file can take, beside the parent's time limit
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BUDGET, MEMORY_BUDGET))
    resource.setrlimit(resource.RLIMIT_CPU, (int(SECONDS_BUDGET) + 1, int(SECONDS_BUDGET) + 1))
    options = json.loads(sys.argv[1])
    out = extract(sys.stdin.buffer.read(), max_pages=options["max_pages"], layout=options["layout"])
    sys.stdout.write(json.dumps(out))


def _opens_without_password(reader: Any, dependency_error: type[Exception]) -> bool:
    try:
        return bool(reader.decrypt(""))
    except (dependency_error, NotImplementedError):  # an encryption pypdf cannot undo
        return False


if __name__ == "__main__":
    _child()
