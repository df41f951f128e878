"""Who is acting on this request or command, for the store's practice scoping and audit trail.

The faces set it: the request guard for every HTTP request (nobody until authenticated), the
command line as the local owner. Outside a request nothing is set and the local owner acts,
since the command line owns the data folder. Inside a request the default is nobody, so a route
that forgot to authenticate sees no practice's data rather than every practice's.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token

from service.auth import LOCAL, Principal

NOBODY = Principal(id="anonymous", name="anonymous", role="", practice_id="")
_actor: ContextVar[Principal | None] = ContextVar("overturn_actor", default=None)


def current() -> Principal:
    """The acting principal: set by a face, else nobody in a request, else the local owner."""
    actor = _actor.get()
    if actor is not None:
        return actor
    try:
        from flask import has_request_context
    except ImportError:  # pragma: no cover - Flask is a dependency
        return LOCAL
    return NOBODY if has_request_context() else LOCAL


def set_actor(actor: Principal) -> Token[Principal | None]:
    """Act as `actor` until reset with the returned token."""
    return _actor.set(actor)


def reset(token: Token[Principal | None]) -> None:
    """Undo a set_actor."""
    _actor.reset(token)


@contextmanager
def acting_as(actor: Principal) -> Iterator[Principal]:
    """Act as `actor` inside the block (tests, the command line, background work)."""
    token = _actor.set(actor)
    try:
        yield actor
    finally:
        _actor.reset(token)
