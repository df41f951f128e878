"""The time one request may spend on model calls, shared by every call it makes.

A request opens a window (the API and workspace per HTTP request, the pipelines per letter);
each model call, retry and back-off draws on what is left, and a call is not started once the
window is spent. Windows nest: an inner one never extends an outer one.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_deadline: ContextVar[float | None] = ContextVar("overturn_llm_deadline", default=None)


@contextmanager
def window(seconds: float) -> Iterator[None]:
    """Model calls inside the block share `seconds` (or what an outer window has left)."""
    end = time.monotonic() + max(seconds, 0.0)
    outer = _deadline.get()
    token = _deadline.set(end if outer is None else min(outer, end))
    try:
        yield
    finally:
        _deadline.reset(token)


def open_window(seconds: float) -> object:
    """Start a window for a request; close it with close_window (Flask hooks)."""
    end = time.monotonic() + max(seconds, 0.0)
    outer = _deadline.get()
    return _deadline.set(end if outer is None else min(outer, end))


def close_window(token: object) -> None:
    """End a window opened with open_window."""
    _deadline.reset(token)  # type: ignore[arg-type]


def remaining(default: float) -> float:
    """Seconds left in the current window; `default` when no window is open."""
    end = _deadline.get()
    return default if end is None else end - time.monotonic()
