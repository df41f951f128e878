"""Text of a scanned PDF by OCR: pages rendered with pdfium, read by the `tesseract` program.

The one adapter to tesseract. It is optional: without it a scan is refused with advice.
"""

from __future__ import annotations

import io
import logging
import os
import shutil
import subprocess
import time
from typing import Any

from service.errors import NotText

log = logging.getLogger(__name__)

TESSERACT = "tesseract"
MAX_OCR_PAGES = 50  # a long scan is refused, not read for minutes while the request waits
DPI = 300  # tesseract's accuracy drops sharply under ~200 dpi
MAX_SIDE_PX = 5000  # a poster-sized page is scaled down so one image stays a few megapixels
PAGE_TIMEOUT_S = 60
TOTAL_TIMEOUT_S = 300
NO_OCR = (
    "no text layer; install tesseract (apt-get install tesseract-ocr) for OCR or upload a text PDF."
)


def ocr_available() -> bool:
    """True when the tesseract program is on PATH."""
    return shutil.which(TESSERACT) is not None


def ocr_pdf(data: bytes, *, field: str, max_pages: int = MAX_OCR_PAGES) -> str:
    """The OCR text of every page of a PDF, pages joined by blank lines; NotText on failure."""
    if not ocr_available():
        raise NotText(f"The PDF has {NO_OCR}", field=field)
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as err:
        raise NotText(
            "The PDF could not be rendered for OCR; it may be damaged.", field=field
        ) from err
    try:
        count = len(pdf)
        if count > max_pages:
            raise NotText(
                f"The PDF is a scan of {count} pages; OCR reads at most {max_pages}: split it "
                "or upload a text PDF.",
                field=field,
            )
        deadline = time.monotonic() + TOTAL_TIMEOUT_S
        pages = [_page_text(pdf, i, field=field, deadline=deadline) for i in range(count)]
    finally:
        pdf.close()
    log.info("OCR read %d scanned page(s) for %s", count, field)
    return "\n\n".join(pages)


def _page_text(pdf: Any, index: int, *, field: str, deadline: float) -> str:
    """One page rendered in grey at ~300 dpi and read by tesseract."""
    import pypdfium2 as pdfium

    try:
        page = pdf[index]
        width, height = page.get_size()  # in points, 72 to the inch
        scale = min(DPI / 72, MAX_SIDE_PX / max(width, height, 1))
        image = page.render(scale=scale, grayscale=True).to_pil()
        page.close()
    except pdfium.PdfiumError as err:
        raise NotText(
            f"Page {index + 1} of the PDF could not be rendered for OCR.", field=field
        ) from err
    png = io.BytesIO()
    image.save(png, format="PNG")
    return _tesseract(png.getvalue(), index, field=field, deadline=deadline)


def _tesseract(png: bytes, index: int, *, field: str, deadline: float) -> str:
    """Run tesseract on one image (stdin) and return its text (stdout)."""
    timeout = min(PAGE_TIMEOUT_S, deadline - time.monotonic())
    if timeout <= 0:
        raise NotText(_too_slow(index), field=field)
    # one thread: tesseract's OpenMP threads made a page 4x slower (11 s vs 2.7 s) on 2 cores
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    try:
        done = subprocess.run(
            [TESSERACT, "stdin", "stdout", "-l", "eng", "--psm", "3"],
            input=png,
            capture_output=True,
            timeout=timeout,
            check=False,
            env=env,
        )
    except subprocess.TimeoutExpired as err:
        raise NotText(_too_slow(index), field=field) from err
    except OSError as err:
        raise NotText(f"The PDF has {NO_OCR}", field=field) from err
    if done.returncode != 0:
        # stderr is not shown or logged: it is tesseract's, and not needed to act on the error
        raise NotText(f"OCR failed on page {index + 1} of the PDF.", field=field)
    return done.stdout.decode("utf-8", "replace")


def _too_slow(index: int) -> str:
    return (
        f"OCR of the scanned PDF took too long (stopped at page {index + 1}): upload a text "
        "PDF or paste the text."
    )
