"""Hybrid policy retrieval: dense (Chroma) and BM25 scores, normalised and blended.

Filters that must hold (payer, the version in force on the date of service) are applied before
ranking; the service codes then lift the passages of policies that name them.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from service.config import shipped
from service.errors import BadInput, IndexUnavailable
from service.models import PolicyPassage
from service.policies.corpus import content_hash, corpus_hash, load_corpus, storage_key
from service.policies.lexical import LexicalIndex
from service.policies.manifest import read_manifest, write_manifest

if TYPE_CHECKING:
    from service.config import Settings
    from service.policies.chroma_index import PolicyIndex
    from service.progress import Progress

MODES = ("dense", "bm25", "hybrid")
# Weight of the dense side in the blend; BM25 gets the rest. Tuned on evals/retrieval (0.4 beat
# reciprocal rank fusion and every other weight tried; see the README's retrieval figures).
DENSE_WEIGHT = 0.4
# Larger than any blended score (at most 1), so a code match always ranks first.
CODE_BOOST = 2.0
POOL = 100  # candidates taken from each list before fusion
MAX_DENSE = 1000
ELIGIBLE_CACHE = 512  # (payer, date of service) filters kept; cleared when full
SHIPPED_CORPUS = shipped("policy_corpus")
DENSE_RETRY_SECONDS = 10.0  # after the dense index fails, BM25 alone answers this long


@dataclass
class Retriever:
    """Searches one policy index; holds the passages in memory for filtering and BM25."""

    index: PolicyIndex
    passages: dict[str, PolicyPassage]
    lexical: LexicalIndex
    corpus_version: str
    _eligible_cache: dict[tuple, tuple[set[str], Any]] = field(default_factory=dict, repr=False)
    dense_failed_at: float | None = field(default=None, repr=False)

    @classmethod
    def from_index(cls, index: PolicyIndex) -> Retriever:
        """Build the in-memory side (passages, BM25, corpus version) from what Chroma stores."""
        stored = index.all_passages()
        return cls(
            index=index,
            passages={p.id: p for p in stored},
            lexical=LexicalIndex(stored),
            corpus_version=corpus_hash(content_hash(p) for p in stored),
        )

    def search(
        self,
        query: str,
        *,
        payer: str | None = None,
        codes: Sequence[str] = (),
        date_of_service: dt.date | None = None,
        k: int = 8,
        mode: str = "hybrid",
        hidden: frozenset[str] = frozenset(),
    ) -> list[PolicyPassage]:
        """The k best passages for `query` among those of `payer` in force on the date.

        `hidden` documents (other practices' uploads) take no part, not even in choosing which
        version of a policy is in force. When the dense index fails, BM25 alone answers and
        the retriever reports itself degraded until the index answers again."""
        if mode not in MODES:
            raise BadInput(f"Unknown retrieval mode; use one of {', '.join(MODES)}.", field="mode")
        allowed, mask = self._eligible(payer, date_of_service, hidden)
        text = query.strip() or " ".join(codes)
        if not allowed or not text:
            return []
        dense: dict[str, float] = {}
        lexical: dict[str, float] = {}
        if mode in ("dense", "hybrid") and self._dense_usable():
            try:
                dense = self._dense(text, payer, allowed)
                self.dense_failed_at = None
            except IndexUnavailable:
                self.dense_failed_at = time.monotonic()
                mode = "bm25"
        if mode == "dense" and not dense and self.dense_failed_at is not None:
            mode = "bm25"
        if mode in ("bm25", "hybrid"):
            # the policies' codes are indexed with each passage, so naming them finds the policy
            lexical = dict(self.lexical.scored_rows(" ".join([text, *codes]), mask, POOL))
        weight = {"dense": 1.0, "bm25": 0.0}.get(mode, DENSE_WEIGHT)
        scores = blend(dense, lexical, weight)
        for pid in scores:
            if codes_match(self.passages[pid].codes, codes):
                scores[pid] += CODE_BOOST
        best = sorted(scores, key=lambda pid: (-scores[pid], pid))[:k]
        return [self.passages[pid].model_copy(update={"score": scores[pid]}) for pid in best]

    @property
    def degraded(self) -> bool:
        """True while the dense index is failing and BM25 answers alone."""
        return self.dense_failed_at is not None

    def _dense_usable(self) -> bool:
        # after a failure, skip the dense side for a while rather than wait on it every query
        failed = self.dense_failed_at
        return failed is None or time.monotonic() - failed > DENSE_RETRY_SECONDS

    def _eligible(
        self, payer: str | None, day: dt.date | None, hidden: frozenset[str] = frozenset()
    ) -> tuple[set[str], Any]:
        """eligible() and its BM25 row mask, computed once per payer, date and hidden set.

        Scanning every passage per query cost ~29 ms at 10k passages; a retriever's passages
        never change (an upload builds a new retriever), so the answer can be kept.
        """
        key = (payer, day, day is None and dt.date.today(), hidden)  # no date: today's newest
        if key not in self._eligible_cache:
            if len(self._eligible_cache) >= ELIGIBLE_CACHE:
                self._eligible_cache.clear()
            pool = self._by_payer.get(payer, []) if payer else self.passages.values()
            if hidden:
                pool = [p for p in pool if document_id(p.id) not in hidden]
            allowed = eligible(pool, None, day)
            self._eligible_cache[key] = (allowed, self.lexical.mask(allowed))
        return self._eligible_cache[key]

    @cached_property
    def _by_payer(self) -> dict[str, list[PolicyPassage]]:
        groups: dict[str, list[PolicyPassage]] = {}
        for p in self.passages.values():
            groups.setdefault(p.payer, []).append(p)
        return groups

    def policy_passages(
        self, policy_id: str, version: int | str | None = None
    ) -> list[PolicyPassage]:
        """Every passage of one policy (one version when given), in document order; the policy
        by its number as printed ("SUR 7.01.112") or as stored ("SUR-7.01.112")."""
        key = storage_key(policy_id)
        tag = f"{key}@v{storage_key(str(version))}#" if version is not None else f"{key}@v"
        return [p for pid, p in self.passages.items() if pid.startswith(tag)]

    def count(self) -> int:
        """How many passages the index holds."""
        return len(self.passages)

    def get_passages(self, ids: Iterable[str]) -> list[PolicyPassage]:
        """The passages with these ids, in order; unknown ids are skipped."""
        return [self.passages[pid] for pid in ids if pid in self.passages]

    def _dense(self, text: str, payer: str | None, allowed: set[str]) -> dict[str, float]:
        """Passage id -> cosine similarity of the nearest eligible passages."""
        where = {"payer": payer} if payer else None
        # the date filter is applied here, after Chroma: ask for POOL eligible hits, scaled up
        # by the share of the payer's passages the filter removes
        pool = len(self._by_payer.get(payer, ())) if payer else len(self.passages)
        n = min(math.ceil(POOL * pool / max(len(allowed), 1)), MAX_DENSE)
        hits = self.index.query(text, n, where)
        return {pid: 1.0 - distance for pid, distance in hits if pid in allowed}


def build_retriever(settings: Settings, progress: Progress | None = None) -> Retriever:
    """Open the index, bring it up to date with the policy corpus, and wrap it for search.

    `progress` makes bars for the passages embedded (the CLI's; the service passes none).
    """
    from service.policies.chroma_index import open_index  # chromadb is slow to import

    index = open_index(settings.data_path, settings.chroma_url, settings=settings)
    index.progress = progress
    folder = Path(settings.corpus_dir) if settings.corpus_dir else SHIPPED_CORPUS
    # an unchanged corpus (its files as the manifest recorded them) needs no re-read and re-hash
    synced = read_manifest(settings) is not None and index.count() > 0
    if folder.is_dir() and not synced:
        ingest(index, load_corpus(folder))
    elif index.count() == 0:
        raise IndexUnavailable("The policy index is empty and no policy corpus folder exists.")
    retriever = Retriever.from_index(index)
    record(settings, retriever)
    return retriever


def record(settings: Settings, retriever: Retriever) -> None:
    """Write the read-only copy, then the manifest that points drafts at it."""
    from service.policies.snapshot import write_snapshot

    passages = list(retriever.passages.values())
    write_snapshot(settings, retriever.index, passages, retriever.corpus_version)
    write_manifest(settings, passages, retriever.corpus_version)


def open_snapshot(settings: Settings) -> Retriever | None:
    """A retriever over the index's read-only copy (no chromadb), or None when there is none."""
    from service.policies.snapshot import read_snapshot

    manifest = read_manifest(settings)
    snapshot = read_snapshot(settings, manifest.corpus_version) if manifest else None
    if manifest is None or snapshot is None:
        return None
    retriever = Retriever.from_index(snapshot)  # type: ignore[arg-type]  # the read side only
    return retriever if retriever.corpus_version == manifest.corpus_version else None


class UnavailableIndex:
    """Stands in for a policy index that cannot be reached: every use says so."""

    unavailable = True

    def query(self, *_args: Any, **_kw: Any) -> list[tuple[str, float]]:
        raise IndexUnavailable("The policy index is unreachable; lexical retrieval answers.")

    def __getattr__(self, name: str) -> Any:
        raise IndexUnavailable("The policy index is unreachable; policies cannot be added now.")


def lexical_retriever(settings: Settings) -> Retriever:
    """BM25 over the policy corpus read from disk, for when the index cannot be opened.

    Uploaded policies live only in the index, so they are missing until it returns; a letter
    drafted meanwhile says so in its provenance."""
    folder = Path(settings.corpus_dir) if settings.corpus_dir else SHIPPED_CORPUS
    passages = load_corpus(folder) if folder.is_dir() else []
    return Retriever(
        index=UnavailableIndex(),  # type: ignore[arg-type]
        passages={p.id: p for p in passages},
        lexical=LexicalIndex(passages),
        corpus_version=corpus_hash(content_hash(p) for p in passages),
        dense_failed_at=float("inf"),  # never tries the dense side: there is none
    )


def ingest(index: PolicyIndex, passages: Sequence[PolicyPassage]) -> tuple[int, int]:
    """Store new or changed passages and drop stale ones of the same documents.

    Returns (written, removed); re-ingesting unchanged documents writes and removes nothing.
    """
    stored = index.hashes()
    changed = [p for p in passages if stored.get(p.id) != content_hash(p)]
    documents = {document_id(p.id) for p in passages}
    wanted = {p.id for p in passages}
    stale = [pid for pid in stored if document_id(pid) in documents and pid not in wanted]
    index.upsert(changed)
    index.delete(stale)
    return len(changed), len(stale)


def eligible(
    passages: Iterable[PolicyPassage], payer: str | None, date_of_service: dt.date | None
) -> set[str]:
    """Ids of passages of `payer` in the one version of each policy that applies on the date.

    Two versions can both look in force on a date (an upload of version 2 does not stamp a
    superseded_date on version 1, and the shipped corpus is re-synced at every start); the one
    that took effect last, on or before the date, wins. Without a date, each policy's newest
    version already in effect today (else its newest announced one) is used.
    """
    pool = [p for p in passages if payer is None or p.payer == payer]
    if date_of_service is not None:
        pool = [p for p in pool if in_force(p, date_of_service)]
    day = date_of_service or dt.date.today()
    chosen: dict[tuple[str, str], tuple] = {}
    for p in pool:
        effective = p.effective_date or dt.date.min
        doc = document_id(p.id)
        # a version already in effect beats one announced for later
        key = (effective <= day, effective, version_key(doc), doc)
        group = (p.payer, p.policy_id)
        chosen[group] = max(chosen.get(group, key), key)
    newest = {key[-1] for key in chosen.values()}
    return {p.id for p in pool if document_id(p.id) in newest}


def in_force(passage: PolicyPassage, day: dt.date) -> bool:
    """True when the passage's policy version applies on `day`."""
    started = passage.effective_date is None or passage.effective_date <= day
    ended = passage.superseded_date is not None and passage.superseded_date <= day
    return started and not ended


def blend(dense: dict[str, float], lexical: dict[str, float], weight: float) -> dict[str, float]:
    """weight * dense + (1 - weight) * BM25, each scaled to 0..1 over its own candidates.

    Scores rather than ranks: when BM25 has one clear winner (a rare word or a code), the
    margin survives the blend, which reciprocal rank fusion throws away.
    """
    scores: dict[str, float] = {}
    for part, share in ((_minmax(dense), weight), (_scaled(lexical), 1.0 - weight)):
        for pid, value in part.items():
            scores[pid] = scores.get(pid, 0.0) + share * value
    return scores


def _minmax(values: dict[str, float]) -> dict[str, float]:
    # cosine similarities bunch together; stretching them over the pool makes them comparable
    if not values:
        return {}
    low, high = min(values.values()), max(values.values())
    return {pid: (v - low) / (high - low) if high > low else 1.0 for pid, v in values.items()}


def _scaled(values: dict[str, float]) -> dict[str, float]:
    # BM25 is 0 for a passage sharing no word with the query, so scaling by the maximum keeps 0
    top = max(values.values(), default=0.0)
    return {pid: v / top for pid, v in values.items()} if top > 0 else {}


def codes_match(policy_codes: Sequence[str], codes: Sequence[str]) -> bool:
    """True when a code names one of the policy's codes (an ICD-10 category covers its leaves)."""
    wanted = {_normal(c) for c in codes if c and c.strip()}
    for policy_code in map(_normal, policy_codes):
        for code in wanted:
            if code == policy_code or (
                _is_letter_led(policy_code) and code.startswith(policy_code)
            ):
                return True
    return False


def document_id(passage_id: str) -> str:
    """ "NW-IMG-104@v1#coverage-criteria-2" -> "NW-IMG-104@v1"."""
    return passage_id.split("#", 1)[0]


def _normal(code: str) -> str:
    # "99214-25" -> "99214"; "m54.16" -> "M5416"
    return code.strip().upper().split("-", 1)[0].replace(".", "")


def _is_letter_led(code: str) -> bool:
    # an ICD-10 category (M54.1) covers its leaves; a letter-led HCPCS code is matched the same
    # way, which also tolerates a modifier glued on without a hyphen (E0601NU)
    return len(code) >= 3 and code[0].isalpha() and code[1:3].isdigit()


def version_key(doc_id: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key of a document's version: "X@v10" after "X@v9" (numbers compare as numbers)."""
    version = doc_id.rsplit("@v", 1)[-1]
    parts = re.split(r"(\d+)", version)
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in parts if part)


def policy_versions(passages: Iterable[PolicyPassage]) -> list[dict]:
    """One JSON-ready row per policy document, with the date a later version replaces it."""
    docs: dict[str, dict] = {}
    for p in {p.id: p for p in passages}.values():
        doc = document_id(p.id)
        row = docs.setdefault(doc, _version_row(doc, p))
        row["passages"] += 1
    groups: dict[tuple[str, str], list[dict]] = {}
    for row in docs.values():
        groups.setdefault((row["payer"], row["policy_id"]), []).append(row)
    for rows in groups.values():
        rows.sort(key=lambda r: (r["effective_date"] or dt.date.min, version_key(r["document_id"])))
        for older, newer in zip(rows, rows[1:], strict=False):
            start = newer["effective_date"]
            if start and (older["effective_date"] is None or start > older["effective_date"]):
                older["superseded_by"] = newer["document_id"]
                ended = older["superseded_date"]
                older["superseded_date"] = min(ended, start) if ended else start
    ordered = sorted(docs.values(), key=lambda r: (r["payer"], r["policy_id"]))
    for row in ordered:
        for key in ("effective_date", "superseded_date"):
            row[key] = row[key].isoformat() if row[key] else None
    return ordered


def _version_row(doc: str, passage: PolicyPassage) -> dict:
    return {
        "document_id": doc,
        "policy_id": passage.policy_id,
        "version": doc.rsplit("@v", 1)[-1],
        "payer": passage.payer,
        "title": passage.title,
        "effective_date": passage.effective_date,
        "superseded_date": passage.superseded_date,
        "superseded_by": None,
        "passages": 0,
    }
