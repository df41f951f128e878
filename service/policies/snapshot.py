"""A read-only copy of the embedded policy index for short-lived processes (`overturn draft`).

Importing chromadb and opening its on-disk client cost over a second before the first search;
a draft reads the index and never writes it. When the index is built or refreshed, its
passages and their vectors are saved beside it in one file; a draft for a payer with policies
then searches that copy: BM25 as always, and the dense side as an exact cosine search in numpy
over the same MiniLM vectors (at a few hundred passages, exact search is what Chroma's HNSW
approximates). Only the default embedder is copied; another model, a Chroma server, or a copy
that does not match the manifest's corpus version means the index itself is opened.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from service.models import PolicyPassage

if TYPE_CHECKING:
    from service.config import Settings
    from service.policies.chroma_index import PolicyIndex

FILE = "policy-snapshot.npz"
EMBEDDING = "minilm-int8"  # the shipped embedder: a copy needs no provider to embed queries


def snapshot_wanted(settings: Settings) -> bool:
    """Only the embedded index with the shipped embedder is copied."""
    return not settings.chroma_url and settings.embedding.strip() in ("", EMBEDDING)


def write_snapshot(
    settings: Settings, index: PolicyIndex, passages: Sequence[PolicyPassage], version: str
) -> None:
    """Save the passages and their stored vectors in one file (replaced atomically)."""
    import numpy as np

    if not snapshot_wanted(settings):
        return
    stored = index.vectors([p.id for p in passages])
    kept = [p for p in passages if p.id in stored]
    body = json.dumps(
        {"corpus_version": version, "passages": [p.model_dump(mode="json") for p in kept]}
    )
    path = settings.data_path / FILE
    tmp = path.with_name(f"{FILE}.{os.getpid()}.tmp.npz")
    vectors = np.asarray([stored[p.id] for p in kept], dtype=np.float32).reshape(len(kept), -1)
    np.savez(tmp, passages=np.frombuffer(body.encode("utf-8"), dtype=np.uint8), vectors=vectors)
    os.replace(tmp, path)


def read_snapshot(settings: Settings, corpus_version: str) -> SnapshotIndex | None:
    """The copy, when it is of the index the manifest describes; else None."""
    import numpy as np

    path = settings.data_path / FILE
    if not snapshot_wanted(settings) or not path.is_file():
        return None
    try:
        with np.load(path) as data:
            body = json.loads(data["passages"].tobytes().decode("utf-8"))
            vectors = data["vectors"]
    except (OSError, ValueError, KeyError):
        return None
    if body.get("corpus_version") != corpus_version:
        return None
    passages = [PolicyPassage.model_validate(p) for p in body["passages"]]
    return SnapshotIndex(passages, vectors)


class SnapshotIndex:
    """The read side of PolicyIndex over the saved copy: count, all passages, query."""

    def __init__(self, passages: list[PolicyPassage], vectors: Any) -> None:
        import numpy as np

        self._passages = passages
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        self._unit = vectors / np.where(norms == 0, 1.0, norms)  # cosine = dot of unit vectors
        self._payers = np.asarray([p.payer for p in passages])

    def count(self) -> int:
        return len(self._passages)

    def all_passages(self) -> list[PolicyPassage]:
        return sorted(self._passages, key=lambda p: p.id)

    def query(
        self, text: str, k: int, where: Mapping[str, Any] | None = None
    ) -> list[tuple[str, float]]:
        """(passage id, cosine distance) of the k nearest passages matching `where`."""
        import numpy as np

        from service.policies.embedding import get_embedder

        if not self._passages or k <= 0:
            return []
        query = np.asarray(get_embedder().embed([text])[0], dtype=np.float32)
        query = query / (np.linalg.norm(query) or 1.0)
        distance = 1.0 - self._unit @ query
        rows = np.arange(len(self._passages))
        payer = (where or {}).get("payer")
        if payer is not None:
            rows = rows[self._payers == payer]
        best = rows[np.argsort(distance[rows], kind="stable")[:k]]
        return [(self._passages[i].id, float(distance[i])) for i in best]
