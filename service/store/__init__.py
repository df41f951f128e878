"""Drafts and their audit trail, in SQLite by default or any SQLAlchemy database URL.

The submitted input is saved (encrypted) before drafting starts, so nothing a user sends is lost
when drafting fails; a draft whose process dies mid-way is marked `interrupted`. Every read and
write is scoped to the acting practice (service/auth/acting.py): another practice's draft is not
found. Deleting or purging a draft erases its input and result and keeps its audit trail, which
carries no PHI.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select

from service.errors import Conflict, NotFound, OverturnError
from service.store import liveness
from service.store.db import (
    ERROR_MAX,
    audit_log,
    drafts,
    make_engine,
    metadata,
    migrate,
)
from service.store.keyfile import keys_for_url
from service.store.policy_registry import PolicyRegistry
from service.store.sealing import Sealer, seal_plain_rows

__all__ = ["Store", "metadata", "STATUSES", "KINDS"]

STATUSES = ("drafting", "held", "released", "failed", "interrupted", "deleted")
DISMISSIBLE = ("failed", "interrupted")  # attempts that produced no letter
KINDS = ("appeal", "necessity")
EXTENSION_KEY = "overturn_store"
_SUMMARY = [c for c in drafts.c if c.name not in ("input_json", "result_json", "owner")]
# What the drafts list shows of a draft: patient, service, reference (sealed), and `ready`.
Summary = dict[str, Any]


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(value: datetime | date | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)  # SQLite drops the zone; we only ever write UTC
    return value.isoformat()


def _actor() -> Any:
    from service.auth import acting  # acting -> auth -> store: imported when used

    return acting.current()


class Store:
    """Drafts and audit events behind one SQLAlchemy engine (built here, never at import)."""

    def __init__(self, url: str, keys: Sequence[bytes] | None = None) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.sealer = Sealer(list(keys) if keys else keys_for_url(url))
        migrate(self.engine)
        self.policies = PolicyRegistry(self.engine)  # the index's version and owners
        seal_plain_rows(self.engine, self.sealer)  # rows an earlier version left plain

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
        summary: Summary | None = None,
    ) -> None:
        """Attach the drafting result, its release status and what the drafts list shows."""
        columns = {"payer": payer, "deadline": deadline, **self._summary_columns(summary)}
        self._write_result(draft_id, status, result_json, columns, event="drafted")

    def update_result(
        self,
        draft_id: str,
        result_json: str,
        status: str | None = None,
        payer: str | None = None,
        deadline: date | None = None,
        summary: Summary | None = None,
    ) -> None:
        """Replace the result after an edit; fields not given keep their stored values."""
        current = self.get(draft_id)
        columns = {
            "payer": payer if payer is not None else current["payer"],
            "deadline": deadline if deadline is not None else _to_date(current["deadline"]),
            **self._summary_columns(summary),
        }
        self._write_result(draft_id, status or current["status"], result_json, columns, "edited")

    def set_summary(self, draft_id: str, summary: Summary) -> None:
        """Fill the list's summary of a draft stored before summaries existed (no audit event:
        nothing about the draft changes)."""
        with self.engine.begin() as conn:
            self._require(conn, draft_id)
            self._update(conn, draft_id, **self._summary_columns(summary))

    def _summary_columns(self, summary: Summary | None) -> dict[str, Any]:
        if summary is None:
            return {}
        shown = {k: v for k, v in summary.items() if k != "ready"}
        sealed = self.sealer.seal(json.dumps(shown, ensure_ascii=False, default=str))
        return {"summary_json": sealed, "ready": summary.get("ready")}

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
        out = _summary(row, self.sealer)
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

    def list_recent(
        self,
        limit: int = 50,
        *,
        statuses: Collection[str] | None = None,
        ready: bool | None = None,
        payer: str | None = None,
    ) -> list[dict[str, Any]]:
        """Draft summaries, most urgent first: soonest deadline, no deadline last, then newest.

        Filters: only these statuses, only drafts whose check passes (or not), one payer. The
        summary (patient, service, reference) is opened for the acting practice's rows only."""
        self.reap_interrupted()
        query = select(*_SUMMARY).where(drafts.c.status != "deleted")
        if statuses is not None:
            query = query.where(drafts.c.status.in_(list(statuses)))
        if ready is not None:
            passes = drafts.c.ready.is_(True)
            query = query.where(passes if ready else or_(~passes, drafts.c.ready.is_(None)))
        if payer is not None:
            query = query.where(drafts.c.payer == payer)
        query = self._scoped(
            query.order_by(
                drafts.c.deadline.is_(None),
                drafts.c.deadline.asc(),
                drafts.c.created_at.desc(),
            ).limit(limit)
        )
        with self.engine.connect() as conn:
            return [_summary(r, self.sealer) for r in conn.execute(query).mappings()]

    def payers(self) -> list[str]:
        """The payers the acting practice's drafts name, for the list's filter."""
        query = self._scoped(
            select(drafts.c.payer)
            .where(drafts.c.payer.is_not(None), drafts.c.status != "deleted")
            .distinct()
        )
        with self.engine.connect() as conn:
            return sorted(r.payer for r in conn.execute(query))

    def dismiss(self, draft_id: str) -> None:
        """Take a failed attempt off the list, erasing its input; audited as `dismissed`."""
        if self._fetch(draft_id)["status"] not in DISMISSIBLE:
            raise Conflict(
                "Only a draft whose drafting failed or was interrupted can be dismissed.",
                draft_id=draft_id,
            )
        self.delete(draft_id, event="dismissed")

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
                summary_json=None,
                ready=None,
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
        self, draft_id: str, status: str, result_json: str, columns: dict[str, Any], event: str
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
                error=None,
                owner=None,
                **columns,
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


def _summary(row: Any, sealer: Sealer) -> dict[str, Any]:
    sealed = row["summary_json"]
    return {
        "summary": json.loads(sealer.open(sealed)) if sealed else None,
        "ready": row["ready"],
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
