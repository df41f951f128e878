"""Drafts and their audit trail, in SQLite by default or any SQLAlchemy database URL.

The submitted input is saved (encrypted) before drafting starts, so nothing a user sends is lost
when drafting fails; a draft whose process dies mid-way is marked `interrupted`. Every read and
write is scoped to the acting practice (service/acting.py): another practice's draft is not
found. Deleting or purging a draft erases its input and result and keeps its audit trail, which
carries no PHI.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select

from service import liveness
from service.db import (
    ERROR_MAX,
    audit_log,
    drafts,
    make_engine,
    metadata,
    migrate,
)
from service.errors import NotFound, OverturnError
from service.policy_registry import PolicyRegistry
from service.sealing import SEALED_PREFIX, Sealer, is_sealed

__all__ = ["Store", "metadata", "STATUSES", "KINDS"]

STATUSES = ("drafting", "held", "released", "failed", "interrupted", "deleted")
KINDS = ("appeal", "necessity")
EXTENSION_KEY = "overturn_store"
_SUMMARY = [c for c in drafts.c if c.name not in ("input_json", "result_json", "owner")]


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(value: datetime | date | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)  # SQLite drops the zone; we only ever write UTC
    return value.isoformat()


def _actor() -> Any:
    from service import acting  # acting -> auth -> store: imported when used

    return acting.current()


def _default_keys(url: str) -> list[bytes]:
    """The data key beside a SQLite file (or a throwaway one for an in-memory database)."""
    from pathlib import Path

    from sqlalchemy.engine import make_url

    from service.keyfile import data_key

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        return [data_key(Path(parsed.database).expanduser().parent)]
    if parsed.get_backend_name() == "sqlite":
        from cryptography.fernet import Fernet

        return [Fernet.generate_key()]
    raise ValueError("a database other than SQLite needs OVERTURN_ENCRYPTION_KEY")


class Store:
    """Drafts and audit events behind one SQLAlchemy engine (built here, never at import)."""

    def __init__(self, url: str, keys: Sequence[bytes] | None = None) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.sealer = Sealer(list(keys) if keys else _default_keys(url))
        migrate(self.engine)
        self.policies = PolicyRegistry(self.engine)  # the index's version and owners
        self._seal_legacy()

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
        actor = _actor()
        draft_id = uuid.uuid4().hex
        now = _now()
        with self.engine.begin() as conn:
            conn.execute(
                drafts.insert().values(
                    id=draft_id,
                    created_at=now,
                    updated_at=now,
                    status="drafting",  # until a result is saved; interrupted if its process dies
                    kind=kind,
                    input_json=self.sealer.seal(json.dumps(input, ensure_ascii=False, default=str)),
                    practice_id=actor.practice_id or "default",
                    created_by=actor.id,
                    owner=liveness.identity(),
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
        self._mark(draft_id, "failed", error)

    def mark_interrupted(self, draft_id: str, reason: str = "process ended") -> None:
        """Record that the process drafting it died (a crash, a kill, a timeout)."""
        self._mark(draft_id, "interrupted", reason)

    def _mark(self, draft_id: str, status: str, error: str) -> None:
        short = " ".join(error.split())[:ERROR_MAX]
        with self.engine.begin() as conn:
            self._update(conn, draft_id, status=status, error=short, owner=None)
            self._add_event(conn, draft_id, status, {"error": short})

    def get(self, draft_id: str) -> dict[str, Any]:
        """One draft of the acting practice with its input and result, or errors.NotFound."""
        row = self._fetch(draft_id)
        if row["status"] == "drafting" and liveness.is_alive(row["owner"]) is False:
            self.mark_interrupted(draft_id)
            row = self._fetch(draft_id)
        out = _summary(row)
        out["input_json"] = self.sealer.open(row["input_json"])
        out["input"] = json.loads(out["input_json"])
        out["result_json"] = self.sealer.open(row["result_json"]) if row["result_json"] else None
        out["result"] = json.loads(out["result_json"]) if out["result_json"] else None
        return out

    def _fetch(self, draft_id: str) -> Any:
        query = self._scoped(select(drafts).where(drafts.c.id == draft_id))
        with self.engine.connect() as conn:
            row = conn.execute(query).mappings().first()
        if row is None or row["status"] == "deleted":
            raise NotFound("No draft has this id.", draft_id=draft_id)
        return row

    def list_recent(self, limit: int = 50) -> list[dict[str, Any]]:
        """Draft summaries, most urgent first: soonest deadline, no deadline last, then newest."""
        self.reap_interrupted()
        query = self._scoped(
            select(*_SUMMARY)
            .where(drafts.c.status != "deleted")
            .order_by(
                drafts.c.deadline.is_(None),
                drafts.c.deadline.asc(),
                drafts.c.created_at.desc(),
            )
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [_summary(r) for r in conn.execute(query).mappings()]

    def reap_interrupted(self) -> int:
        """Mark drafts whose drafting process has died as interrupted; returns how many."""
        query = select(drafts.c.id, drafts.c.owner).where(drafts.c.status == "drafting")
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        dead = [r.id for r in rows if liveness.is_alive(r.owner) is False]
        for draft_id in dead:
            self.mark_interrupted(draft_id)
        return len(dead)

    def mark_own_interrupted(self) -> int:
        """Mark the drafts this process is drafting as interrupted (it is being stopped)."""
        me = liveness.identity()
        query = select(drafts.c.id).where(drafts.c.status == "drafting", drafts.c.owner == me)
        with self.engine.connect() as conn:
            ids = [r.id for r in conn.execute(query)]
        for draft_id in ids:
            self.mark_interrupted(draft_id, "worker stopped")
        return len(ids)

    def delete(self, draft_id: str, event: str = "deleted") -> None:
        """Erase a draft's input and result; its audit trail stays, with who deleted it."""
        self._fetch(draft_id)  # NotFound unless the acting practice sees it
        with self.engine.begin() as conn:
            self._update(
                conn,
                draft_id,
                status="deleted",
                input_json="",
                result_json=None,
                payer=None,
                deadline=None,
                error=None,
                owner=None,
            )
            self._add_event(conn, draft_id, event, {})

    def purge(self, older_than_days: int, now: datetime | None = None) -> int:
        """Delete every draft created more than `older_than_days` ago; returns how many."""
        if older_than_days <= 0:
            return 0
        cutoff = (now or _now()) - timedelta(days=older_than_days)
        query = self._scoped(
            select(drafts.c.id).where(drafts.c.created_at < cutoff, drafts.c.status != "deleted")
        )
        with self.engine.connect() as conn:
            ids = [r.id for r in conn.execute(query)]
        for draft_id in ids:
            self.delete(draft_id, event="purged")
        return len(ids)

    def audit(self, draft_id: str, event: str, detail: dict[str, Any] | None = None) -> None:
        """Append an event to a draft's trail. `detail` must carry no PHI."""
        with self.engine.begin() as conn:
            self._require(conn, draft_id)
            self._add_event(conn, draft_id, event, detail or {})

    def audit_trail(self, draft_id: str) -> list[dict[str, Any]]:
        """A draft's events, oldest first, with who did each."""
        query = (
            select(audit_log)
            .where(audit_log.c.draft_id == draft_id)
            .order_by(audit_log.c.at, audit_log.c.id)
        )
        with self.engine.connect() as conn:
            self._require(conn, draft_id, allow_deleted=True)
            rows = conn.execute(query).mappings().all()
        return [
            {
                "id": r["id"],
                "at": _iso(r["at"]),
                "event": r["event"],
                "by": r["actor"],
                "detail": json.loads(r["detail"]),
            }
            for r in rows
        ]

    def count(self, status: str | None = None) -> int:
        """How many drafts the acting practice has (of one status when given)."""
        query = select(func.count()).select_from(drafts)
        if status:
            query = query.where(drafts.c.status == status)
        with self.engine.connect() as conn:
            return int(conn.execute(self._scoped(query)).scalar_one())

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
            self._require(conn, draft_id)
            self._update(
                conn,
                draft_id,
                status=status,
                result_json=self.sealer.seal(result_json),
                payer=payer,
                deadline=deadline,
                error=None,
                owner=None,
            )
            self._add_event(conn, draft_id, event, {"status": status})

    def _scoped(self, query: Any) -> Any:
        practice = _actor().practice_id
        return query if practice is None else query.where(drafts.c.practice_id == practice)

    def _update(self, conn: Any, draft_id: str, **values: Any) -> None:
        done = conn.execute(
            drafts.update().where(drafts.c.id == draft_id).values(updated_at=_now(), **values)
        )
        if done.rowcount == 0:
            raise NotFound("No draft has this id.", draft_id=draft_id)

    def _require(self, conn: Any, draft_id: str, allow_deleted: bool = False) -> None:
        query = self._scoped(select(drafts.c.status).where(drafts.c.id == draft_id))
        row = conn.execute(query).first()
        if row is None or (row.status == "deleted" and not allow_deleted):
            raise NotFound("No draft has this id.", draft_id=draft_id)

    def _add_event(self, conn: Any, draft_id: str, event: str, detail: dict[str, Any]) -> None:
        actor = _actor()
        conn.execute(
            audit_log.insert().values(
                draft_id=draft_id,
                at=_now(),
                event=event,
                detail=json.dumps(detail, default=str),
                actor=f"{actor.name} ({actor.role})" if actor.role else actor.name,
            )
        )

    def _seal_legacy(self) -> None:
        """Encrypt inputs and results stored in plain text by an earlier version."""
        plain = or_(
            and_(drafts.c.input_json != "", ~drafts.c.input_json.startswith(SEALED_PREFIX)),
            and_(
                drafts.c.result_json.is_not(None), ~drafts.c.result_json.startswith(SEALED_PREFIX)
            ),
        )
        query = select(drafts.c.id, drafts.c.input_json, drafts.c.result_json).where(plain)
        with self.engine.begin() as conn:
            for row in conn.execute(query).all():
                values = {
                    name: self.sealer.seal(value)
                    for name, value in (
                        ("input_json", row.input_json),
                        ("result_json", row.result_json),
                    )
                    if value and not is_sealed(value)
                }
                if values:
                    conn.execute(drafts.update().where(drafts.c.id == row.id).values(**values))


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
        "practice": row["practice_id"],
    }


def _to_date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None
