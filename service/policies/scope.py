"""A practice's view of the policy index: the shared corpus and its own uploads, never another
practice's. Hidden documents take no part in search, version choice or listing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from service.models import PolicyPassage
from service.policies.retrieve import document_id


@dataclass
class PracticeView:
    """The retriever as one practice sees it."""

    inner: Any
    hidden: frozenset[str]

    @property
    def corpus_version(self) -> str:
        return str(self.inner.corpus_version)

    @property
    def index(self) -> Any:
        return getattr(self.inner, "index", None)

    @property
    def degraded(self) -> bool:
        return bool(getattr(self.inner, "degraded", False))

    @property
    def passages(self) -> dict[str, PolicyPassage]:
        return {
            pid: p for pid, p in self.inner.passages.items() if document_id(pid) not in self.hidden
        }

    def search(self, query: str, **kw: Any) -> list[PolicyPassage]:
        """The inner search with the other practices' documents hidden."""
        return list(self.inner.search(query, hidden=self.hidden, **kw))

    def policy_passages(
        self, policy_id: str, version: int | str | None = None
    ) -> list[PolicyPassage]:
        """One policy's passages, unless another practice loaded that version."""
        found = self.inner.policy_passages(policy_id, version)
        return [p for p in found if document_id(p.id) not in self.hidden]

    def count(self) -> int:
        return len(self.passages)

    def get_passages(self, ids: Any) -> list[PolicyPassage]:
        return [p for p in self.inner.get_passages(ids) if document_id(p.id) not in self.hidden]
