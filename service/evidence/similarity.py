"""Meaning-level matching with the shipped embedding model (policies/embedding.py): the model
is loaded on first use and every text's vector is cached, so a chart read for several
criteria is embedded once."""

from __future__ import annotations

import threading
from collections.abc import Sequence

_lock = threading.Lock()
_cache: dict[str, list[float]] = {}
_MAX_CACHED = 20000


def _vectors(texts: Sequence[str]) -> list[list[float]]:
    from service.policies.embedding import get_embedder

    with _lock:
        missing = list(dict.fromkeys(t for t in texts if t not in _cache))
        if missing:
            if len(_cache) + len(missing) > _MAX_CACHED:
                _cache.clear()
            for text, vector in zip(missing, get_embedder().embed(missing), strict=True):
                _cache[text] = vector
        return [_cache[t] for t in texts]


def similarities(query: str, texts: Sequence[str]) -> list[float]:
    """Cosine similarity of the query to each text (vectors are unit length)."""
    if not texts:
        return []
    q, *rest = _vectors([query, *texts])
    return [sum(a * b for a, b in zip(q, v, strict=True)) for v in rest]
