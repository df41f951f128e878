"""gunicorn's gthread worker, answering its own errors as problem+json.

gunicorn writes an HTML page when it refuses a request before the app sees it (a bad request
line, headers over the limit, a broken chunked body) or when the app raises past its handlers.
Every error answer of the service is application/problem+json, so the writer gunicorn calls
for those pages is replaced, in each worker, by one that writes the same status as a problem.
"""

from __future__ import annotations

import json
from typing import Any

from gunicorn import util
from gunicorn.workers.gthread import ThreadWorker

PROBLEM_BASE = "https://overturn.dev/problems/"


def write_problem(sock: Any, status_int: int, reason: str, mesg: str) -> None:
    """gunicorn's error page as problem+json; the message (it may echo the request) is dropped."""
    slug = reason.lower().replace(" ", "-") or "error"
    detail = (
        "The request could not be read."
        if status_int < 500
        else "Something went wrong on our side. Your input was kept; try again."
    )
    body = json.dumps(
        {"type": PROBLEM_BASE + slug, "title": reason, "status": status_int, "detail": detail}
    ).encode()
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\n"
        f"Content-Type: application/problem+json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    util.write_nonblock(sock, head.encode("latin-1") + body)


class ProblemThreadWorker(ThreadWorker):
    """ThreadWorker whose gunicorn-level error answers are problem+json."""

    def init_process(self) -> None:
        util.write_error = write_problem  # gunicorn's workers look it up on the module
        super().init_process()
