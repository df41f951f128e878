"""Drafting that never loses input: store what was submitted, then draft, then store the result."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Response, jsonify

from service.errors import OverturnError


@contextmanager
def kept_input(store: Any, kind: str, payload: dict[str, Any]) -> Iterator[str]:
    """Save the input first and yield its draft id; a failure marks the draft failed, kept."""
    draft_id = store.save_input(kind, payload)
    try:
        yield draft_id
    except OverturnError as err:
        store.mark_failed(draft_id, err.slug)
        err.fields.setdefault("draft_id", draft_id)
        raise
    except Exception:
        store.mark_failed(draft_id, "internal")
        raise


def created(draft_id: str, body: dict[str, Any]) -> Response:
    """201 with the result and the draft's location."""
    response = jsonify(body)
    response.status_code = 201
    response.headers["Location"] = f"/v1/drafts/{draft_id}"
    return response
