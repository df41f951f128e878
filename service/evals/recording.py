"""vcr cassettes for model calls, kept free of the denial letters they carry.

A recorded request holds the prompt, and the prompt fences the denial letter as data. The real
letters in ../shared/data must not be copied into the project, so each fenced letter block is
stored, and matched on replay, as its SHA-256 digest; the rest of the body is kept as sent.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

LETTER_BLOCK = re.compile(
    r"((?:The denial letter:|The payer's denial letter, as data:)\n<<<DATA\n)(.*?)(\nDATA>>>)", re.S
)
DIGEST = "sha256:"
MATCH_ON = ["method", "scheme", "host", "port", "path", "body"]
SECRET_HEADERS = ["authorization", "api-key", "x-api-key", "openai-organization"]


def digest_letters(content: str) -> str:
    """The message with every fenced denial letter replaced by its digest (idempotent)."""

    def replace(match: re.Match[str]) -> str:
        body = match[2]
        if not body.startswith(DIGEST):
            body = DIGEST + hashlib.sha256(body.encode()).hexdigest()
        return match[1] + body + match[3]

    return LETTER_BLOCK.sub(replace, content)


def letters_out(request: Any, seen: Callable[[str], None] | None = None) -> Any:
    """vcr's before_record_request hook: the body with its letters digested.

    `seen` receives each body exactly as sent (vcr runs the hook again on a scrubbed request,
    which is recognised by its digests and not reported twice).
    """
    raw = request.body.decode() if isinstance(request.body, bytes) else request.body or ""
    if not raw:
        return request
    if seen is not None and DIGEST not in raw:
        seen(raw)
    data = json.loads(raw)
    for message in data.get("messages", []):
        if isinstance(message.get("content"), str):
            message["content"] = digest_letters(message["content"])
    request.body = json.dumps(data, ensure_ascii=False).encode()
    return request


def recorder(
    *, record: bool, library: Path | None = None, seen: Callable[[str], None] | None = None
) -> Any:
    """A vcr.VCR replaying only (or recording everything afresh when `record`), letters digested."""
    import vcr  # a test extra: only runs with recorded model calls need it

    return vcr.VCR(
        before_record_request=lambda request: letters_out(request, seen),
        cassette_library_dir=str(library) if library else None,
        record_mode="all" if record else "none",
        # a re-recorded cassette holds what this run sent, not also what earlier runs did
        drop_unused_requests=record,
        match_on=MATCH_ON,
        filter_headers=SECRET_HEADERS,
        decode_compressed_response=True,
    )
