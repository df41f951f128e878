"""The app's handles on outside things: the drafts store, the policy retriever and the model.

Each is built on first use, once, and shared by every face (API, workspace, CLI, eval runner).
Nothing here imports Flask, chromadb or litellm at import time; tests hand in fakes by passing
them to the constructor (`Resources(settings, retriever=fake)`).
"""

from __future__ import annotations

import datetime as dt
import threading
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
    ) -> None:
        self.settings = settings
        self.progress = progress  # bars for building the index (the CLI's), else silent
        self._store = store
        # a retriever object, or a factory called with the settings on first use (tests)
        self._retriever: Any = None if callable(retriever) else retriever
        self._retriever_factory = retriever if callable(retriever) else None
        self._model = model
        self._model_built = model is not None
        self._snapshot: Any = None  # a retriever over the index's read-only copy, for drafts
        self._lock = threading.RLock()
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

                self.settings.data_path.mkdir(parents=True, exist_ok=True)
                self._store = Store(self.settings.sqlalchemy_url)
            return self._store

    def retriever(self) -> Any:
        """The hybrid policy retriever; the index is built from the corpus on first use."""
        with self._lock:
            if self._retriever is None:
                if self._retriever_factory is not None:
                    self._retriever = self._retriever_factory(self.settings)
                else:
                    from service.policies.retrieve import build_retriever

                    self._retriever = build_retriever(self.settings, self.progress)
            return self._retriever

    def draft_retriever(self) -> Any:
        """The retriever for one draft: the index opens only if the draft's payer has policies.

        While the index is not open and its manifest is current, a stand-in answers searches
        for payers without policies (most drafts) with nothing, as the index would, sparing the
        seconds that chromadb, the embedder and reading every passage back cost.
        """
        with self._lock:
            if self._retriever is None and self._retriever_factory is None:
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
        if index is None:
            raise IndexUnavailable("This service's policy index does not accept new documents.")
        return index

    def refresh_retriever(self) -> Any:
        """Rebuild the cached retriever from what the index now stores (after an add)."""
        with self._lock:
            self._snapshot = None
            index = getattr(self._retriever, "index", None)
            if index is not None:
                from service.policies.retrieve import Retriever, record

                retriever = Retriever.from_index(index)
                # the next process reads the payers with policies, and the copy, from disk
                record(self.settings, retriever)
                self._retriever = retriever
            else:
                self._retriever = None  # built afresh on next use
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
    )


def today_for(settings: Settings) -> dt.date:
    """The letter date: fixed by config for reproducible evals, else today."""
    return dt.date.fromisoformat(settings.today) if settings.today else dt.date.today()


def init_app(app: Flask, resources: Resources | None = None) -> Resources:
    """Register the resources on a Flask app."""
    res = resources or Resources(app.config["OVERTURN"])
    app.extensions[EXTENSION] = res
    return res


def current() -> Resources:
    """The resources of the Flask app handling this request."""
    from flask import current_app

    return current_app.extensions[EXTENSION]
