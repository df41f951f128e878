"""The policy index's bookkeeping in the store: its version, and which practice loaded what.

Every worker keeps the index's passages and BM25 in memory; the version, bumped by each change
to the index, tells them when to rebuild. A document with an owner is that practice's own; the
shared corpus has none.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.engine import Engine

from service.store.db import index_state, policy_owners


def _now() -> datetime:
    return datetime.now(UTC)


class PolicyRegistry:
    """The index version and document owners, over the store's engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def version(self) -> int:
        """The policy index's version: bumped by every change to the index."""
        with self.engine.connect() as conn:
            row = conn.execute(select(index_state.c.version).where(index_state.c.id == 1)).first()
        return int(row.version) if row else 0

    def bump(self) -> int:
        """Record that the policy index changed; returns the new version."""
        with self.engine.begin() as conn:
            done = conn.execute(
                index_state.update()
                .where(index_state.c.id == 1)
                .values(version=index_state.c.version + 1)
            )
            if done.rowcount == 0:
                conn.execute(index_state.insert().values(id=1, version=1))
            row = conn.execute(select(index_state.c.version).where(index_state.c.id == 1)).one()
        return int(row.version)

    def owners(self) -> dict[str, str]:
        """Policy document id -> the practice that loaded it (the shared corpus has none)."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(policy_owners.c.document_id, policy_owners.c.practice_id))
            return {r.document_id: r.practice_id for r in rows}

    def own(self, document_ids: Sequence[str], practice_id: str, added_by: str) -> None:
        """Record that a practice loaded these policy documents."""
        owned = self.owners()
        with self.engine.begin() as conn:
            for doc in document_ids:
                if doc not in owned:
                    conn.execute(
                        policy_owners.insert().values(
                            document_id=doc,
                            practice_id=practice_id,
                            added_by=added_by,
                            added_at=_now(),
                        )
                    )
