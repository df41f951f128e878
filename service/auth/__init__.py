"""Accounts, roles, practices and tokens, kept in the store's database.

A practice (tenant) owns its drafts, their audit trail and the policies it loaded. A user
belongs to one practice and has one role; a role is a set of permissions. Passwords are hashed
with argon2id at the library's recommended cost; API tokens and one-time sign-in links carry a
256-bit random secret, hashed with argon2id at a low cost (a secret that long cannot be guessed,
the hash only protects a stolen database) and looked up by a public id part: `ovt_<id>.<secret>`.
No secret is ever stored or logged in clear.
"""

from __future__ import annotations

import datetime as dt
import functools
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Table,
    func,
    select,
)

from service.auth.roles import DEFAULT_PRACTICE, PERMISSIONS, ROLES
from service.errors import BadInput, NotFound, TooManyAttempts
from service.store import Store, metadata

SIGNIN_TTL = dt.timedelta(hours=24)
# Password guessing: after this many wrong passwords for one name within the window, that name
# cannot sign in by password until the window has passed since the first of them. A short lock
# on the name (not the address: a practice often shares one) stops guessing and costs a person
# who mistyped a quarter of an hour at most; a sign-in link from an admin still works.
MAX_FAILED_SIGNINS = 5
FAILED_SIGNIN_WINDOW = dt.timedelta(minutes=15)
TOKEN_PREFIX = "ovt_"
MIN_PASSWORD = 12
_PASSWORDS = PasswordHasher()  # argon2id, RFC 9106 low-memory profile
_SECRETS = PasswordHasher(time_cost=1, memory_cost=2048, parallelism=1)

practices = Table(
    "practices",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
users = Table(
    "users",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(120), nullable=False, unique=True),
    Column("role", String(16), nullable=False),
    Column("practice_id", String(64), ForeignKey("practices.id"), nullable=False),
    Column("password_hash", String(200)),
    Column("active", Boolean, nullable=False, default=True),
    Column("epoch", Integer, nullable=False, default=0),  # bumped to end every session
    Column("created_at", DateTime(timezone=True), nullable=False),
)
failed_signins = Table(
    "failed_signins",
    metadata,
    Column("name", String(120), primary_key=True),  # as typed, normalised; any name, known or not
    Column("failures", Integer, nullable=False),
    Column("since", DateTime(timezone=True), nullable=False),
)
tokens = Table(
    "tokens",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("user_id", String(32), ForeignKey("users.id"), nullable=False, index=True),
    Column("kind", String(16), nullable=False),  # "api" or "signin" (one-time)
    Column("secret_hash", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True)),
    Column("used_at", DateTime(timezone=True)),
)


@dataclass(frozen=True)
class Principal:
    """Who is acting: a user of a practice with a role. `practice_id` None is the local owner
    (the command line, which owns the data folder) and sees every practice."""

    id: str
    name: str
    role: str
    practice_id: str | None
    epoch: int = 0

    def can(self, permission: str) -> bool:
        """Whether this role grants the permission (the local owner may do anything)."""
        if self.practice_id is None:
            return True
        return self.role in PERMISSIONS.get(permission, frozenset())


LOCAL = Principal(id="local", name="command line", role="admin", practice_id=None)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    return value.replace(tzinfo=dt.UTC) if value and value.tzinfo is None else value


class Accounts:
    """Accounts over a store's engine."""

    def __init__(self, store: Store) -> None:
        self.engine = store.engine

    def ensure_practice(self, practice_id: str, name: str = "") -> str:
        """Create the practice when it does not exist yet; returns its id."""
        practice_id = practice_id.strip()
        if not practice_id or len(practice_id) > 64:
            raise BadInput("A practice id is 1 to 64 characters.", field="practice")
        with self.engine.begin() as conn:
            found = conn.execute(select(practices.c.id).where(practices.c.id == practice_id))
            if found.first() is None:
                conn.execute(
                    practices.insert().values(
                        id=practice_id, name=name or practice_id, created_at=_now()
                    )
                )
        return practice_id

    def add_user(
        self, name: str, role: str, practice_id: str = DEFAULT_PRACTICE, password: str = ""
    ) -> Principal:
        """A new account; its name must be unused. No password means sign-in links only."""
        name = " ".join(name.split())
        if not name or len(name) > 120:
            raise BadInput("A user name is 1 to 120 characters.", field="name")
        if role not in ROLES:
            raise BadInput(f"role must be one of {', '.join(ROLES)}.", field="role")
        self.ensure_practice(practice_id)
        if self._row(users.c.name == name) is not None:
            raise BadInput("A user with this name already exists.", field="name")
        user_id = uuid.uuid4().hex
        with self.engine.begin() as conn:
            conn.execute(
                users.insert().values(
                    id=user_id,
                    name=name,
                    role=role,
                    practice_id=practice_id,
                    password_hash=_hash_password(password) if password else None,
                    active=True,
                    epoch=0,
                    created_at=_now(),
                )
            )
        return Principal(user_id, name, role, practice_id)

    def count(self) -> int:
        """How many accounts exist."""
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(users)).scalar_one())

    def list(self, practice_id: str | None = None) -> list[dict[str, Any]]:
        """Accounts (of one practice when given): name, role, practice, has a password."""
        query = select(users).order_by(users.c.practice_id, users.c.name)
        if practice_id is not None:
            query = query.where(users.c.practice_id == practice_id)
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [
            {
                "name": r["name"],
                "role": r["role"],
                "practice": r["practice_id"],
                "password": bool(r["password_hash"]),
                "active": bool(r["active"]),
            }
            for r in rows
        ]

    def by_name(self, name: str) -> Principal:
        """The account with this name, or NotFound."""
        row = self._row(users.c.name == " ".join(name.split()))
        if row is None:
            raise NotFound("No user has this name.", field="name")
        return _principal(row)

    def by_id(self, user_id: str) -> Principal | None:
        """The active account with this id, or None."""
        row = self._row(users.c.id == user_id)
        return _principal(row) if row is not None and row["active"] else None

    def issue_token(self, user_id: str, kind: str = "api", ttl: dt.timedelta | None = None) -> str:
        """A new secret for the user: an API token, or a one-time sign-in secret (kind signin)."""
        token_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
        expires = _now() + ttl if ttl else None
        with self.engine.begin() as conn:
            conn.execute(
                tokens.insert().values(
                    id=token_id,
                    user_id=user_id,
                    kind=kind,
                    secret_hash=_SECRETS.hash(secret),
                    created_at=_now(),
                    expires_at=expires,
                )
            )
        return f"{TOKEN_PREFIX}{token_id}.{secret}"

    def signin_link_token(self, user_id: str) -> str:
        """A one-time sign-in secret valid for SIGNIN_TTL."""
        return self.issue_token(user_id, kind="signin", ttl=SIGNIN_TTL)

    def authenticate(self, token: str, kind: str = "api") -> Principal | None:
        """The account a token belongs to; None for an unknown, wrong, used or expired token.

        A sign-in token is spent by its first successful use."""
        token_id, secret = _split(token)
        if not token_id:
            return None
        with self.engine.begin() as conn:
            row = (
                conn.execute(select(tokens).where(tokens.c.id == token_id, tokens.c.kind == kind))
                .mappings()
                .first()
            )
            if row is None or row["used_at"] is not None or not _verify(row["secret_hash"], secret):
                return None
            expires = _aware(row["expires_at"])
            if expires is not None and expires <= _now():
                return None
            if kind == "signin":
                spent = conn.execute(
                    tokens.update()
                    .where(tokens.c.id == token_id, tokens.c.used_at.is_(None))
                    .values(used_at=_now())
                )
                if spent.rowcount != 1:  # used by a concurrent request a moment ago
                    return None
        return self.by_id(row["user_id"])

    def check_password(self, name: str, password: str) -> Principal | None:
        """The account when the name and password match; None otherwise (same time either way).

        Raises TooManyAttempts while the name is locked after repeated failures, whether or not
        an account has that name (the answer must not tell which names exist).
        """
        name = " ".join(name.split())
        self._refuse_if_locked(name)
        row = self._row(users.c.name == name)
        stored = row["password_hash"] if row is not None and row["active"] else None
        if not _verify(stored or _dummy_hash(), password, _PASSWORDS) or stored is None:
            self._count_failure(name)
            return None
        assert row is not None
        with self.engine.begin() as conn:
            conn.execute(failed_signins.delete().where(failed_signins.c.name == name))
        return _principal(row)

    def _refuse_if_locked(self, name: str) -> None:
        with self.engine.connect() as conn:
            row = (
                conn.execute(select(failed_signins).where(failed_signins.c.name == name))
                .mappings()
                .first()
            )
        if row is None or row["failures"] < MAX_FAILED_SIGNINS:
            return
        left = (_window_end(row) - _now()).total_seconds()
        if left > 0:
            raise TooManyAttempts(
                "Too many wrong passwords for this name. Wait a quarter of an hour, or ask an "
                "administrator for a sign-in link.",
                retry_after=int(left) + 1,
            )

    def _count_failure(self, name: str) -> None:
        now = _now()
        with self.engine.begin() as conn:
            row = (
                conn.execute(select(failed_signins).where(failed_signins.c.name == name))
                .mappings()
                .first()
            )
            if row is None:
                conn.execute(failed_signins.insert().values(name=name, failures=1, since=now))
            elif _window_end(row) <= now:
                conn.execute(
                    failed_signins.update()
                    .where(failed_signins.c.name == name)
                    .values(failures=1, since=now)
                )
            else:
                conn.execute(
                    failed_signins.update()
                    .where(failed_signins.c.name == name)
                    .values(failures=failed_signins.c.failures + 1)
                )

    def set_password(self, user_id: str, password: str) -> None:
        """Set a password and end every other session of the account."""
        with self.engine.begin() as conn:
            conn.execute(
                users.update()
                .where(users.c.id == user_id)
                .values(password_hash=_hash_password(password), epoch=users.c.epoch + 1)
            )

    def has_password(self) -> bool:
        """Whether any account has a password (else the first start's link is still needed)."""
        with self.engine.connect() as conn:
            query = select(users.c.id).where(users.c.password_hash.is_not(None)).limit(1)
            return conn.execute(query).first() is not None

    def _row(self, condition: Any) -> Any:
        with self.engine.connect() as conn:
            return conn.execute(select(users).where(condition)).mappings().first()


def _window_end(row: Any) -> dt.datetime:
    since = _aware(row["since"])
    assert since is not None  # the column is not nullable
    return since + FAILED_SIGNIN_WINDOW


def _principal(row: Any) -> Principal:
    return Principal(row["id"], row["name"], row["role"], row["practice_id"], row["epoch"])


def _hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise BadInput(f"A password has at least {MIN_PASSWORD} characters.", field="password")
    return _PASSWORDS.hash(password)


def _split(token: str) -> tuple[str, str]:
    token = token.strip()
    if not token.startswith(TOKEN_PREFIX) or "." not in token:
        return "", ""
    token_id, _, secret = token[len(TOKEN_PREFIX) :].partition(".")
    return (token_id, secret) if token_id and secret else ("", "")


def _verify(stored: str, secret: str, hasher: PasswordHasher = _SECRETS) -> bool:
    try:
        return hasher.verify(stored, secret)
    except (VerificationError, InvalidHashError):
        return False


@functools.cache
def _dummy_hash() -> str:
    # checked when the user does not exist, so a wrong name costs as long as a wrong password
    return _PASSWORDS.hash(secrets.token_urlsafe(16))
