"""Encryption at rest for what a user pastes and what is drafted from it.

Fernet (AES-128-CBC with HMAC-SHA256, from `cryptography`) with one or more keys: the first
seals, every one opens, so a key can be rotated by putting the new one first. A value written
before encryption existed (plain JSON) is still readable and is sealed by the next write.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

SEALED_PREFIX = "gAAAAA"  # every Fernet token starts with version byte 0x80 in base64


class Sealer:
    """Seal and open text with the configured keys."""

    def __init__(self, keys: Sequence[bytes]) -> None:
        if not keys:
            raise ValueError("at least one encryption key is needed")
        try:
            self._fernet = MultiFernet([Fernet(k) for k in keys])
        except ValueError as err:
            raise ValueError(
                "OVERTURN_ENCRYPTION_KEY must be Fernet keys (32 url-safe base64 bytes)"
            ) from err

    def seal(self, plain: str) -> str:
        """The encrypted text (ASCII)."""
        return self._fernet.encrypt(plain.encode("utf-8")).decode("ascii")

    def open(self, sealed: str) -> str:
        """The plain text; a value stored before encryption is returned as it is."""
        if not is_sealed(sealed):
            return sealed
        try:
            return self._fernet.decrypt(sealed.encode("ascii")).decode("utf-8")
        except InvalidToken as err:
            raise ValueError(
                "a stored draft cannot be decrypted with the configured key(s)"
            ) from err


def is_sealed(value: str) -> bool:
    """Whether a stored value is a Fernet token rather than legacy plain JSON."""
    return value.startswith(SEALED_PREFIX)


def parse_keys(setting: str) -> list[bytes]:
    """Keys from the comma-separated setting."""
    return [k.strip().encode("ascii") for k in setting.split(",") if k.strip()]


def seal_plain_rows(engine: Any, sealer: Sealer) -> None:
    """Encrypt drafts' inputs and results stored in plain text by an earlier version."""
    from sqlalchemy import and_, or_, select

    from service.store.db import drafts

    plain = or_(
        and_(drafts.c.input_json != "", ~drafts.c.input_json.startswith(SEALED_PREFIX)),
        and_(drafts.c.result_json.is_not(None), ~drafts.c.result_json.startswith(SEALED_PREFIX)),
    )
    query = select(drafts.c.id, drafts.c.input_json, drafts.c.result_json).where(plain)
    with engine.begin() as conn:
        for row in conn.execute(query).all():
            values = {
                name: sealer.seal(value)
                for name, value in (
                    ("input_json", row.input_json),
                    ("result_json", row.result_json),
                )
                if value and not is_sealed(value)
            }
            if values:
                conn.execute(drafts.update().where(drafts.c.id == row.id).values(**values))
