"""The app's handles on outside things: the drafts store, the policy retriever and the model.

Each is built on first use, once, and shared by every face (API, workspace, CLI, eval runner).
Nothing here imports Flask, chromadb or litellm at import time; tests hand in fakes by passing
them to the constructor (`Resources(settings, retriever=fake)`).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from service.config import Settings
from service.errors import IndexUnavailable

if TYPE_CHECKING:
    from flask import Flask

    from service.llm.adapter import LLM
    from service.policies.retrieve import Retriever
    from service.progress import Progress
    from service.store import Store

EXTENSION = "overturn"
INDEX_RETRY = 10.0  # seconds between attempts to reopen an unreachable policy index
log = logging.getLogger("overturn.resources")


class Resources:
    """Lazily built store, retriever and model for one settings object."""

    def __init__(
        self,
        settings: Settings,
        *,
        store: Store | None = None,
        retriever: Retriever | Callable[[Settings], Any] | None = None,
        model: LLM | None = None,
        progress: Progress | None = None,
        local: bool = False,
    ) -> None:
        self.settings = settings
        self.local = local  # a single local process (the CLI): may read the index's copy
        self.progress = progress  # bars for building the index (the CLI's), else silent
        self._store = store
        # a retriever object, or a factory called with the settings on first use (tests)
        self._retriever: Any = None if callable(retriever) else retriever
        self._retriever_factory = retriever if callable(retriever) else None
        self._model = model
        self._model_built = model is not None
        self._snapshot: Any = None  # a retriever over the index's read-only copy, for drafts
        self._lock = threading.RLock()
        self._index_version = -1
        self._failed_at = 0.0
        self.degraded = False  # the index could not be opened: lexical retrieval answers
        # adds of policy documents run one at a time: each reads the index, writes, refreshes
        self.policy_writes = threading.Lock()

    def today(self) -> dt.date:
        """The letter date: fixed by config for reproducible evals, else today."""
        return today_for(self.settings)

    def store(self) -> Store:
        """The drafts store (SQLite in the data folder by default)."""
        with self._lock:
            if self._store is None:
                from service.store import Store
                from service.store.keyfile import data_key, private_dir
                from service.store.sealing import parse_keys

                private_dir(self.settings.data_path)
                keys = parse_keys(self.settings.encryption_key)
                self._store = Store(
                    self.settings.sqlalchemy_url, keys or [data_key(self.settings.data_path)]
                )
            return self._store

    def retriever(self) -> Any:
        """The policy retriever as the acting practice sees it (built on first use).

        It follows the index version kept in the store, so a policy another worker added is
        searched here on the next request. When the index cannot be opened, BM25 over the corpus
        on disk answers (degraded) and the index is tried again every INDEX_RETRY seconds."""
        with self._lock:
            if self._retriever_factory is not None:
                if self._retriever is None:
                    self._retriever = self._retriever_factory(self.settings)
            else:
                self._open_or_follow()
            return self._scoped(self._retriever)

    def _open_or_follow(self) -> None:
        from service.policies.retrieve import Retriever, build_retriever, lexical_retriever

        if self._retriever is not None and getattr(self._retriever, "index", None) is None:
            return  # a retriever handed in without an index (a fake): nothing to follow
        version = self.store().policies.version()
        if self._retriever is not None and not self.degraded:
            if version != self._index_version:
                self._retriever = Retriever.from_index(self._retriever.index)
                self._index_version = version
            return
        if self._retriever is not None and time.monotonic() - self._failed_at < INDEX_RETRY:
            return
        try:
            self._retriever = build_retriever(self.settings, self.progress)
            self._index_version, self.degraded = version, False
        except IndexUnavailable:
            log.warning("policy index unavailable; lexical retrieval over the corpus on disk")
            self._failed_at, self.degraded = time.monotonic(), True
            if self._retriever is None:
                self._retriever = lexical_retriever(self.settings)

    def _scoped(self, retriever: Any) -> Any:
        """The acting practice's view: other practices' uploads hidden."""
        from service.auth import acting
        from service.policies.scope import PracticeView

        practice = acting.current().practice_id
        if practice is None:
            return retriever  # the local owner sees everything
        owners = self.store().policies.owners()
        hidden = frozenset(doc for doc, owner in owners.items() if owner != practice)
        return PracticeView(retriever, hidden) if hidden else retriever

    def index_status(self) -> str:
        """ok, degraded (lexical retrieval only) or closed (not opened yet)."""
        with self._lock:
            current = self._retriever
        if current is None:
            return "closed"
        if self.degraded or getattr(current, "degraded", False):
            return "degraded"
        return "ok"

    def draft_retriever(self) -> Any:
        """The retriever for one draft: the index opens only if the draft's payer has policies.

        For a local process (the CLI, `local=True`), while the index is not open and its
        manifest is current, a stand-in answers searches for payers without policies (most
        drafts) with nothing, as the index would, sparing the seconds that chromadb, the
        embedder and reading every passage back cost. A server always searches the index
        itself, which follows the index version other workers bump and the acting practice's
        view; its start-up cost is paid once.
        """
        with self._lock:
            if self.local and self._retriever is None and self._retriever_factory is None:
                from service.policies.manifest import LazyRetriever, read_manifest

                manifest = read_manifest(self.settings)
                if manifest is not None:
                    return LazyRetriever(manifest, self._read_only_retriever)
            return self.retriever()

    def _read_only_retriever(self) -> Any:
        """The index's read-only copy when it matches (no chromadb to import), else the index."""
        with self._lock:
            if self._retriever is not None:
                return self._retriever
            if self._snapshot is None:
                from service.policies.retrieve import open_snapshot

                self._snapshot = open_snapshot(self.settings)
            return self._snapshot or self.retriever()

    def set_retriever_factory(self, factory: Callable[[Settings], Any]) -> None:
        """Serve retrievers from `factory` from now on (tests swap in a fake)."""
        with self._lock:
            self._retriever, self._retriever_factory, self._snapshot = None, factory, None

    def policy_index(self) -> Any:
        """The policy index behind the retriever, for adding documents."""
        index = getattr(self.retriever(), "index", None)
        if index is None or getattr(index, "unavailable", False):
            raise IndexUnavailable("This service's policy index does not accept new documents.")
        return index

    def refresh_retriever(self) -> Any:
        """Record that the index changed, so every worker rebuilds its retriever from it."""
        with self._lock:
            self._snapshot = None
            if self._retriever_factory is None:
                self.store().policies.bump()
                self._open_or_follow()
                index = getattr(self._retriever, "index", None)
                if index is not None and not self.degraded:
                    from service.policies.retrieve import record

                    # the next local process reads the payers with policies, and the copy
                    record(self.settings, self._retriever)
            elif getattr(self._retriever, "index", None) is not None:
                from service.policies.retrieve import Retriever

                self._retriever = Retriever.from_index(self._retriever.index)
            return self._retriever

    def model(self) -> LLM | None:
        """The configured model, built once; None offline (the composer drafts)."""
        with self._lock:
            if not self._model_built:
                self._model = model_for(self.settings)
                self._model_built = True
            return self._model


def model_for(settings: Settings) -> LLM | None:
    """A model adapter built from the settings; None when no model is configured."""
    if not settings.model:
        return None
    from service.llm.adapter import build_llm

    return build_llm(
        settings.model,
        api_base=settings.llm_api_base,
        timeout=settings.llm_timeout,
        fallbacks=[m.strip() for m in settings.llm_fallbacks.split(",") if m.strip()],
        max_retries=settings.llm_max_retries,
        budget=settings.llm_budget,
    )


def today_for(settings: Settings) -> dt.date:
    """The letter date: fixed by config for reproducible evals, else today."""
    return dt.date.fromisoformat(settings.today) if settings.today else dt.date.today()


def init_app(app: Flask, resources: Resources | None = None) -> Resources:
    """Register the resources on a Flask app; each request gets its model time budget."""
    from flask import g

    from service.llm import budget

    res = resources or Resources(app.config["OVERTURN"])
    app.extensions[EXTENSION] = res

    def open_budget() -> None:
        g.llm_window = budget.open_window(res.settings.llm_budget)

    def close_budget(_exc: BaseException | None) -> None:
        token = g.pop("llm_window", None)
        if token is not None:
            budget.close_window(token)

    app.before_request(open_budget)
    app.teardown_request(close_budget)
    return res


def current() -> Resources:
    """The resources of the Flask app handling this request."""
    from flask import current_app

    return current_app.extensions[EXTENSION]
