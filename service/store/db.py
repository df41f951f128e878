"""The store's database: its tables, the engine (SQLite pragmas, private file modes) and the
in-place migrations that bring a database written by an earlier version up to date.

SQLite files (the database, its WAL and shared-memory files) are created mode 0600 in a 0700
folder: they hold patients' data, encrypted or not. `secure_delete` overwrites what a purge
removes instead of leaving it in free pages.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    inspect,
    text,
)
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.pool import StaticPool

from service.store.keyfile import FILE_MODE, private_dir, private_file

ERROR_MAX = 200
metadata = MetaData()

drafts = Table(
    "drafts",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("status", String(16), nullable=False, index=True),
    Column("kind", String(16), nullable=False),
    Column("payer", String(200)),
    Column("deadline", Date, index=True),
    Column("input_json", Text, nullable=False),  # encrypted (see sealing.py); "" once deleted
    Column("result_json", Text),  # encrypted
    Column("error", String(ERROR_MAX)),
    Column("practice_id", String(64), index=True),
    Column("created_by", String(32)),
    Column("owner", String(120)),  # the process drafting it, while status is "drafting"
    # what the drafts list shows without opening the result: patient, service and reference
    # (encrypted like the input, they are PHI), and whether the letter's check passes
    Column("summary_json", Text),
    Column("ready", Boolean),
)

audit_log = Table(
    "audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("draft_id", String(32), ForeignKey("drafts.id"), nullable=False, index=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("event", String(64), nullable=False),
    Column("detail", Text, nullable=False),
    Column("actor", String(160)),
)

# Which practice loaded a policy document; documents with no row are the shared corpus.
policy_owners = Table(
    "policy_owners",
    metadata,
    Column("document_id", String(200), primary_key=True),
    Column("practice_id", String(64), nullable=False, index=True),
    Column("added_by", String(32)),
    Column("added_at", DateTime(timezone=True), nullable=False),
)

# One row: bumped whenever the policy index changes, so every worker's caches follow it.
index_state = Table(
    "index_state",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("version", Integer, nullable=False),
)

# Columns added after the first release: (table, column, SQL type) for ALTER TABLE.
_ADDED = [
    ("drafts", "practice_id", "VARCHAR(64)"),
    ("drafts", "created_by", "VARCHAR(32)"),
    ("drafts", "owner", "VARCHAR(120)"),
    ("audit", "actor", "VARCHAR(160)"),
    ("drafts", "summary_json", "TEXT"),
    ("drafts", "ready", "BOOLEAN"),
]


def _sqlite_engine(url: URL) -> Engine:
    memory = url.database in (None, "", ":memory:")
    if not memory:
        path = Path(url.database or "").expanduser()
        private_dir(path.parent)
        if not path.exists():
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE))
        private_file(path)
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False},
        # one shared connection, or every thread would see its own empty in-memory database
        poolclass=StaticPool if memory else None,
    )

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        if not memory:
            cur.execute("PRAGMA journal_mode=WAL")  # readers do not block the writer
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=5000")
        cur.execute("PRAGMA secure_delete=ON")
        cur.close()
        if not memory:
            for suffix in ("", "-wal", "-shm"):
                private_file(Path(f"{path}{suffix}"))

    return engine


def make_engine(url: str) -> Engine:
    """An engine for the URL: SQLite with its pragmas and private files, else pooled."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed)
    return create_engine(parsed, pool_pre_ping=True)


def migrate(engine: Engine) -> None:
    """Create missing tables and add the columns later versions introduced."""
    from service import auth  # noqa: F401  (registers the account tables on `metadata`)

    metadata.create_all(engine)
    existing = {
        table: {c["name"] for c in inspect(engine).get_columns(table)}
        for table in {t for t, _, _ in _ADDED}
    }
    with engine.begin() as conn:
        for table, column, sql_type in _ADDED:
            if column not in existing[table]:
                conn.execute(text(f"ALTER TABLE {table} ADD COLUMN {column} {sql_type}"))
        # drafts written before practices existed belong to the default one
        conn.execute(
            drafts.update().where(drafts.c.practice_id.is_(None)).values(practice_id="default")
        )
