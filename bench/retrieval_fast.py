"""A bench-only prototype of a faster Retriever.search, to measure fixes before proposing them.

Fixes 1 to 3 below have since landed in service/policies/retrieve.py and lexical.py (so with
`--prototype` they now time the same path); it is kept for the exact in-memory dense side
(vectors=True), the candidate for 100k passages, which the service does not have yet.

Same scoring as service/policies/retrieve.py; three changes:
1. eligibility: passages grouped by payer once, and each (payer, date) answer cached, instead of
   scanning every passage on every query;
2. dense: ask Chroma for about POOL eligible hits (POOL, oversampled by the share the date
   filter removes) instead of every eligible passage up to 1000;
3. BM25: top POOL among the eligible rows picked with numpy (mask + argpartition) instead of a
   Python sort over every passage with a positive score.
With vectors=True the dense side also skips Chroma's query: the stored vectors are read once into
a numpy matrix and the eligible rows are scored exactly (one matrix-vector product).
"""

from __future__ import annotations

import datetime as dt
import math
from functools import lru_cache

import numpy as np

from service.models import PolicyPassage
from service.policies import retrieve
from service.policies.lexical import tokenize
from service.policies.retrieve import eligible  # bound before the bench wraps it


class FastSearch:
    """Wraps a built Retriever; `search(q)` takes the bench's query dicts."""

    def __init__(
        self, retriever: retrieve.Retriever, small_dense: bool = True, vectors: bool = False
    ) -> None:
        self.r = retriever
        self.small_dense = small_dense  # False keeps the original n_results (for ablation)
        self.row = {pid: i for i, pid in enumerate(retriever.lexical.ids)}
        self.by_payer: dict[str | None, list[PolicyPassage]] = {
            None: list(retriever.passages.values())
        }
        for p in retriever.passages.values():
            self.by_payer.setdefault(p.payer, []).append(p)
        self.allowed = lru_cache(maxsize=256)(self._allowed)
        self.matrix = self._load_vectors() if vectors else None

    def _load_vectors(self) -> np.ndarray:
        # bench-only: reads the collection directly; a real fix would add PolicyIndex.vectors()
        collection = self.r.index._collection
        matrix = np.zeros((len(self.row), 384), dtype=np.float32)
        offset = 0
        while True:
            page = collection.get(limit=1000, offset=offset, include=["embeddings"])
            if not page["ids"]:
                return matrix
            matrix[[self.row[pid] for pid in page["ids"]]] = np.asarray(page["embeddings"])
            offset += len(page["ids"])

    def _allowed(self, payer: str | None, day: dt.date | None) -> tuple[set[str], np.ndarray]:
        # the original eligible(), over this payer's passages only; rows index the BM25 scores
        ids = eligible(self.by_payer.get(payer, []), None, day)
        mask = np.zeros(len(self.row), dtype=bool)
        mask[[self.row[pid] for pid in ids]] = True
        return ids, mask

    def search(self, q: dict, k: int = 8) -> list[PolicyPassage]:
        """Hybrid search as Retriever.search(mode="hybrid") does it."""
        payer, codes = q["payer"], q["codes"]
        allowed, mask = self.allowed(payer, q["date_of_service"])
        text = q["text"].strip() or " ".join(codes)
        if not allowed or not text:
            return []
        if self.matrix is None:
            dense = self._dense(text, payer, allowed)
        else:
            dense = self._dense_exact(text, mask)
        lexical = self._bm25(" ".join([text, *codes]), mask)
        scores = retrieve.blend(dense, lexical, retrieve.DENSE_WEIGHT)
        for pid in scores:
            if retrieve.codes_match(self.r.passages[pid].codes, codes):
                scores[pid] += retrieve.CODE_BOOST
        best = sorted(scores, key=lambda pid: (-scores[pid], pid))[:k]
        return [self.r.passages[pid].model_copy(update={"score": scores[pid]}) for pid in best]

    def _dense(self, text: str, payer: str | None, allowed: set[str]) -> dict[str, float]:
        pool = len(self.by_payer.get(payer, ()))
        # the date filter runs after Chroma: oversample by the share of the payer it removes
        n = min(math.ceil(retrieve.POOL * pool / max(len(allowed), 1)), retrieve.MAX_DENSE)
        if not self.small_dense:
            n = min(max(retrieve.POOL, len(allowed)), retrieve.MAX_DENSE)
        hits = self.r.index.query(text, n, {"payer": payer} if payer else None)
        return {pid: 1.0 - d for pid, d in hits if pid in allowed}

    def _dense_exact(self, text: str, mask: np.ndarray) -> dict[str, float]:
        from service.policies.embedding import get_embedder

        query = np.asarray(get_embedder().embed([text])[0], dtype=np.float32)
        rows = np.flatnonzero(mask)
        sims = self.matrix[rows] @ query  # unit vectors: the dot product is the cosine
        top = np.argpartition(-sims, min(retrieve.POOL, len(sims) - 1))[: retrieve.POOL]
        ids = self.r.lexical.ids
        return {ids[rows[i]]: float(sims[i]) for i in top}

    def _bm25(self, query: str, mask: np.ndarray) -> dict[str, float]:
        tokens = tokenize(query)
        if not tokens:
            return {}
        scores = np.where(mask, self.r.lexical._bm25.get_scores(tokens), 0.0)
        top = np.argpartition(-scores, min(retrieve.POOL, len(scores) - 1))[: retrieve.POOL]
        ids = self.r.lexical.ids
        return {ids[i]: float(scores[i]) for i in top if scores[i] > 0}
