"""Drafts and their audit trail, in SQLite by default or any SQLAlchemy database URL.

The submitted input is saved before drafting starts, so nothing a user sends is lost when
drafting fails or the process dies; the result is attached later.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
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
    select,
)
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.pool import StaticPool

from service.errors import NotFound, OverturnError

STATUSES = ("held", "released", "failed")
KINDS = ("appeal", "necessity")
EXTENSION_KEY = "overturn_store"
_ERROR_MAX = 200

metadata = MetaData()

drafts = Table(
    "drafts",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("status", String(16), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("payer", String(200)),
    Column("deadline", Date, index=True),
    Column("input_json", Text, nullable=False),
    Column("result_json", Text),
    Column("error", String(_ERROR_MAX)),
)

audit_log = Table(
    "audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("draft_id", String(32), ForeignKey("drafts.id"), nullable=False, index=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("event", String(64), nullable=False),
    Column("detail", Text, nullable=False),
)

_SUMMARY = [c for c in drafts.c if c.name not in ("input_json", "result_json")]


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(value: datetime | date | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)  # SQLite drops the zone; we only ever write UTC
    return value.isoformat()


def _sqlite_engine(url: URL) -> Engine:
    memory = url.database in (None, "", ":memory:")
    if not memory:
        Path(url.database or "").expanduser().parent.mkdir(parents=True, exist_ok=True)
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
        cur.close()

    return engine


def _make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed)
    return create_engine(parsed, pool_pre_ping=True)


class Store:
    """Drafts and audit events behind one SQLAlchemy engine (built here, never at import)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = _make_engine(url)
        metadata.create_all(self.engine)

    def init_app(self, app: Any) -> Store:
        """Register this store on a Flask app as app.extensions['overturn_store']."""
        app.extensions[EXTENSION_KEY] = self
        return self

    def close(self) -> None:
        """Release pooled connections."""
        self.engine.dispose()

    @contextmanager
    def keeping(self, kind: str, payload: dict[str, Any]) -> Iterator[str]:
        """Save the input first and yield its draft id; a failure marks the draft failed, kept."""
        draft_id = self.save_input(kind, payload)
        try:
            yield draft_id
        except OverturnError as err:
            self.mark_failed(draft_id, err.slug)
            err.fields.setdefault("draft_id", draft_id)
            raise
        except Exception:
            self.mark_failed(draft_id, "internal")
            raise

    def save_input(self, kind: str, input: dict[str, Any]) -> str:
        """Keep the submitted input before drafting; returns the new draft id."""
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}")
        draft_id = uuid.uuid4().hex
        now = _now()
        with self.engine.begin() as conn:
            conn.execute(
                drafts.insert().values(
                    id=draft_id,
                    created_at=now,
                    updated_at=now,
                    status="held",  # nothing is released until a passing result is saved
                    kind=kind,
                    input_json=json.dumps(input, ensure_ascii=False, default=str),
                )
            )
            self._add_event(conn, draft_id, "submitted", {"kind": kind})
        return draft_id

    def save_result(
        self,
        draft_id: str,
        status: str,
        result_json: str,
        payer: str | None = None,
        deadline: date | None = None,
    ) -> None:
        """Attach the drafting result and its release status."""
        self._write_result(draft_id, status, result_json, payer, deadline, event="drafted")

    def update_result(
        self,
        draft_id: str,
        result_json: str,
        status: str | None = None,
        payer: str | None = None,
        deadline: date | None = None,
    ) -> None:
        """Replace the result after an edit; unchanged fields keep their stored values."""
        current = self.get(draft_id)
        self._write_result(
            draft_id,
            status or current["status"],
            result_json,
            payer if payer is not None else current["payer"],
            deadline if deadline is not None else _to_date(current["deadline"]),
            event="edited",
        )

    def mark_failed(self, draft_id: str, error: str) -> None:
        """Record that drafting failed; the input stays. `error` must carry no PHI."""
        short = " ".join(error.split())[:_ERROR_MAX]
        with self.engine.begin() as conn:
            self._update(conn, draft_id, status="failed", error=short)
            self._add_event(conn, draft_id, "failed", {"error": short})

    def get(self, draft_id: str) -> dict[str, Any]:
        """One draft with its input and result, or errors.NotFound."""
        with self.engine.connect() as conn:
            row = conn.execute(select(drafts).where(drafts.c.id == draft_id)).mappings().first()
        if row is None:
            raise NotFound("No draft has this id.", draft_id=draft_id)
        out = _summary(row)
        out["input_json"] = row["input_json"]
        out["input"] = json.loads(row["input_json"])
        out["result_json"] = row["result_json"]
        out["result"] = json.loads(row["result_json"]) if row["result_json"] else None
        return out

    def list_recent(self, limit: int = 50) -> list[dict[str, Any]]:
        """Draft summaries, most urgent first: soonest deadline, no deadline last, then newest."""
        query = (
            select(*_SUMMARY)
            .order_by(
                drafts.c.deadline.is_(None),
                drafts.c.deadline.asc(),
                drafts.c.created_at.desc(),
            )
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [_summary(r) for r in conn.execute(query).mappings()]

    def audit(self, draft_id: str, event: str, detail: dict[str, Any] | None = None) -> None:
        """Append an event to a draft's trail. `detail` must carry no PHI."""
        with self.engine.begin() as conn:
            self._require(conn, draft_id)
            self._add_event(conn, draft_id, event, detail or {})

    def audit_trail(self, draft_id: str) -> list[dict[str, Any]]:
        """A draft's events, oldest first."""
        query = (
            select(audit_log)
            .where(audit_log.c.draft_id == draft_id)
            .order_by(audit_log.c.at, audit_log.c.id)
        )
        with self.engine.connect() as conn:
            self._require(conn, draft_id)
            rows = conn.execute(query).mappings().all()
        return [
            {
                "id": r["id"],
                "at": _iso(r["at"]),
                "event": r["event"],
                "detail": json.loads(r["detail"]),
            }
            for r in rows
        ]

    def _write_result(
        self,
        draft_id: str,
        status: str,
        result_json: str,
        payer: str | None,
        deadline: date | None,
        event: str,
    ) -> None:
        if status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}")
        with self.engine.begin() as conn:
            self._update(
                conn,
                draft_id,
                status=status,
                result_json=result_json,
                payer=payer,
                deadline=deadline,
                error=None,
            )
            self._add_event(conn, draft_id, event, {"status": status})

    def _update(self, conn: Any, draft_id: str, **values: Any) -> None:
        done = conn.execute(
            drafts.update().where(drafts.c.id == draft_id).values(updated_at=_now(), **values)
        )
        if done.rowcount == 0:
            raise NotFound("No draft has this id.", draft_id=draft_id)

    def _require(self, conn: Any, draft_id: str) -> None:
        if conn.execute(select(drafts.c.id).where(drafts.c.id == draft_id)).first() is None:
            raise NotFound("No draft has this id.", draft_id=draft_id)

    def _add_event(self, conn: Any, draft_id: str, event: str, detail: dict[str, Any]) -> None:
        conn.execute(
            audit_log.insert().values(
                draft_id=draft_id, at=_now(), event=event, detail=json.dumps(detail, default=str)
            )
        )


def _summary(row: Any) -> dict[str, Any]:
    return {
        "id": row["id"],
        "created_at": _iso(row["created_at"]),
        "updated_at": _iso(row["updated_at"]),
        "status": row["status"],
        "kind": row["kind"],
        "payer": row["payer"],
        "deadline": _iso(row["deadline"]),
        "error": row["error"],
    }


def _to_date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None
