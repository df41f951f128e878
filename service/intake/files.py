"""A denial, chart or request named on the command line, read as the API reads an upload.

A PDF (by its magic bytes or its name) is read through its text layer, or by OCR when it is a
scan (service.intake.pdf_text); a file that parses as a JSON object is that object, whatever
its first character; anything else is text, handed on as bytes for the text readers to decode.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from service.errors import BadInput, InputTooLarge
from service.intake.pdf_text import is_pdf, pdf_to_text

STDIN = "-"
# A scanned PDF is far larger than its text; the text read from it is then held to
# max_input_bytes like any pasted text. Larger files are refused before they are read.
MAX_FILE_BYTES = 50_000_000


def read_input_file(path: str, *, field: str) -> str | bytes | dict[str, Any]:
    """The file's content: PDF text, a JSON object, or its bytes as text to be decoded."""
    raw = _read_bytes(path, field)
    if is_pdf(raw, "" if path == STDIN else path):
        return pdf_to_text(raw, field=field)
    parsed = json_object(raw)
    return parsed if parsed is not None else raw


def json_object(raw: bytes) -> dict[str, Any] | None:
    """The JSON object the bytes hold, or None when they are not one (then they are text)."""
    try:
        value = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    return value if isinstance(value, dict) else None


def _read_bytes(path: str, field: str) -> bytes:
    if path == STDIN:
        return sys.stdin.buffer.read()
    file = Path(path)
    # Each failure is one plain sentence naming the file, for the person who typed its name.
    if not file.exists():
        raise BadInput(f"The {field} file {path} does not exist.", field=field)
    if file.is_dir():
        raise BadInput(f"{path} is a folder; give the {field} file itself.", field=field)
    try:
        if file.stat().st_size > MAX_FILE_BYTES:
            raise InputTooLarge(
                f"The {field} file {path} is larger than {MAX_FILE_BYTES // 1_000_000} MB.",
                field=field,
            )
        return file.read_bytes()
    except OSError as err:
        reason = (err.strerror or "unreadable").lower()
        raise BadInput(f"The {field} file {path} cannot be read: {reason}.", field=field) from err
