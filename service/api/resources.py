"""The app's handles on outside resources (policy index, store), opened lazily, once."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app

from service.config import Settings
from service.errors import IndexUnavailable


@dataclass
class Resources:
    settings: Settings
    retriever_factory: Any = None  # tests inject a fake; None means the real index
    _retriever: Any = None
    _store: Any = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    # adds of policy documents run one at a time: each reads the index, writes, then refreshes
    policy_writes: threading.Lock = field(default_factory=threading.Lock)

    def retriever(self) -> Any:
        """The hybrid retriever; builds the index from the corpus on first use."""
        with self._lock:
            if self._retriever is None:
                if self.retriever_factory is not None:
                    self._retriever = self.retriever_factory(self.settings)
                else:
                    from service.policies.retrieve import build_retriever

                    self._retriever = build_retriever(self.settings)
            return self._retriever

    def policy_index(self) -> Any:
        """The policy index behind the retriever, for adding documents."""
        index = getattr(self.retriever(), "index", None)
        if index is None:
            raise IndexUnavailable("This service's policy index does not accept new documents.")
        return index

    def refresh_retriever(self) -> Any:
        """Rebuild the cached retriever from what the index now stores (after an add)."""
        with self._lock:
            index = getattr(self._retriever, "index", None)
            if index is not None:
                from service.policies.retrieve import Retriever

                self._retriever = Retriever.from_index(index)
            else:
                self._retriever = None  # built afresh on next use
            return self._retriever

    def store(self) -> Any:
        """The drafts store (SQLite by default)."""
        with self._lock:
            if self._store is None:
                from service.store import Store

                self.settings.data_path.mkdir(parents=True, exist_ok=True)
                self._store = Store(self.settings.sqlalchemy_url)
            return self._store


def init_app(app: Flask) -> None:
    """Register the resources handle on the app."""
    app.extensions["overturn"] = Resources(settings=app.config["OVERTURN"])


def resources() -> Resources:
    """The current app's resources."""
    return current_app.extensions["overturn"]
