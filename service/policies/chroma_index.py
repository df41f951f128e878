"""The Chroma adapter: the only module that imports chromadb.

Passages go in and come out as PolicyPassage; Chroma's errors come out as IndexUnavailable.
Vectors are computed here by the configured embedding function (our offline MiniLM unless the
`embedding` setting names another), so Chroma never fetches its default model.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlparse

import chromadb
import httpx
from chromadb.api.types import Documents, Embeddable, EmbeddingFunction, Embeddings, Space
from chromadb.config import Settings as ChromaSettings
from chromadb.errors import ChromaError
from chromadb.utils.embedding_functions import (
    OllamaEmbeddingFunction,
    OpenAIEmbeddingFunction,
    SentenceTransformerEmbeddingFunction,
    register_embedding_function,
)

from service.errors import BadInput, IndexUnavailable
from service.models import CriterionScope, PolicyPassage
from service.policies.corpus import content_hash
from service.policies.embedding import Embedder, get_embedder

if TYPE_CHECKING:
    from service.config import Settings
    from service.progress import Progress

DEFAULT = "minilm-int8"
SETTING = "OVERTURN_EMBEDDING"
OLLAMA_URL = "http://localhost:11434"

# Embedding functions, chosen by the `embedding` setting. The default is our offline int8
# MiniLM; other values name one of Chroma's own provider functions, whose SDKs load only when
# chosen. Each choice has an identity that names its collection, so vectors of different
# models (and dimensions) never share one.


@register_embedding_function
class MiniLMFunction(EmbeddingFunction[Documents]):
    """Chroma's embedding-function protocol over our offline MiniLM embedder."""

    def __init__(self, embedder: Embedder | None = None) -> None:
        self._embedder = embedder

    def __call__(self, input: Documents) -> Embeddings:
        import numpy as np

        embedder = self._embedder or get_embedder()
        return [np.asarray(v, dtype=np.float32) for v in embedder.embed(list(input))]

    @staticmethod
    def name() -> str:
        return "overturn-minilm-int8"

    def get_config(self) -> dict[str, Any]:
        return {}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> MiniLMFunction:
        return MiniLMFunction()

    def default_space(self) -> Space:
        return "cosine"

    def supported_spaces(self) -> list[Space]:
        return ["cosine"]


def _ollama(model: str, url: str) -> EmbeddingFunction[Documents]:
    return OllamaEmbeddingFunction(url=url or OLLAMA_URL, model_name=model)


def _openai(model: str, url: str) -> EmbeddingFunction[Documents]:
    # the key stays in the environment: Chroma persists the variable's name, never the key
    return OpenAIEmbeddingFunction(
        model_name=model, api_base=url or None, api_key_env_var="OPENAI_API_KEY"
    )


def _sentence_transformers(model: str, url: str) -> EmbeddingFunction[Documents]:
    return SentenceTransformerEmbeddingFunction(model_name=model, normalize_embeddings=True)


PROVIDERS: dict[str, Callable[[str, str], EmbeddingFunction[Documents]]] = {
    "ollama": _ollama,
    "openai": _openai,
    "sentence-transformers": _sentence_transformers,
}


def parse_embedding(value: str) -> tuple[str, str]:
    """("ollama", "nomic-embed-text") from "ollama:nomic-embed-text"; (DEFAULT, "") by default."""
    value = value.strip()
    if value in ("", DEFAULT):
        return DEFAULT, ""
    provider, _, model = value.partition(":")
    if provider not in PROVIDERS or not model.strip():
        choices = ", ".join(f"{p}:<model>" for p in PROVIDERS)
        raise BadInput(f"{SETTING} must be {DEFAULT} or one of {choices}.", field="embedding")
    return provider, model.strip()


def embedding_identity(value: str) -> str:
    """What the vectors are filed under: "minilm-int8", "ollama-nomic-embed-text", ..."""
    provider, model = parse_embedding(value)
    if provider == DEFAULT:
        return DEFAULT
    # Chroma allows [A-Za-z0-9_-] (and single dots) in collection names
    return f"{provider}-{re.sub(r'[^A-Za-z0-9_-]+', '-', model).strip('-_')}"


def collection_name(base: str, value: str) -> str:
    """`base` for the default embedder (existing indexes stay valid), else base__identity."""
    identity = embedding_identity(value)
    return base if identity == DEFAULT else f"{base}__{identity}"


def embedding_function(settings: Settings) -> EmbeddingFunction[Documents]:
    """The Chroma embedding function `settings.embedding` names (offline MiniLM by default)."""
    provider, model = parse_embedding(settings.embedding)
    if provider == DEFAULT:
        return MiniLMFunction()
    try:
        return PROVIDERS[provider](model, settings.embedding_url)
    except ValueError as exc:  # Chroma's word for a missing SDK package or API key
        raise IndexUnavailable(
            f"The {provider} embedding function could not be set up (see reason).",
            setting=SETTING,
            reason=str(exc),
        ) from exc


@contextmanager
def provider_errors(function: EmbeddingFunction[Documents]) -> Iterator[None]:
    """Turn an embedding provider's failure (down, refusing, bad answer) into IndexUnavailable."""
    try:
        yield
    except _failures() as exc:
        raise IndexUnavailable(
            f"The embedding provider '{function.name()}' could not be reached or failed; "
            f"check that it runs and that {SETTING} names a model it serves.",
            setting=SETTING,
            cause=type(exc).__name__,
        ) from exc


def _failures() -> tuple[type[BaseException], ...]:
    # transport errors, Chroma's check of the vectors (ValueError), and each SDK's own error
    # class; an SDK is in sys.modules only once its provider was chosen, so none is imported here
    found: list[type[BaseException]] = [OSError, ValueError, httpx.HTTPError]
    for module, name in (("openai", "APIError"), ("ollama", "ResponseError")):
        if module in sys.modules:
            found.append(getattr(sys.modules[module], name))
    return tuple(found)


DEFAULT_COLLECTION = "policies"
PAGE = 1000
# Passages embedded and stored per call: small enough for a progress bar to move every few
# seconds on two cores (about 40 passages/s), large enough that Chroma's per-call cost is noise.
BATCH = 64
# What a failing Chroma call raises: its own errors, bad-argument errors from its validators,
# and transport errors from the HTTP client.
_CHROMA_ERRORS = (ChromaError, ValueError, TypeError, RuntimeError, OSError, httpx.HTTPError)


@contextmanager
def _translated(action: str) -> Iterator[None]:
    try:
        yield
    except _CHROMA_ERRORS as exc:
        raise IndexUnavailable(
            f"The policy index failed to {action}.", cause=type(exc).__name__
        ) from exc


def open_index(
    data_dir: Path,
    chroma_url: str = "",
    name: str = DEFAULT_COLLECTION,
    *,
    settings: Settings | None = None,
) -> PolicyIndex:
    """Open (creating if needed) the collection for `name` and the embedder `settings` choose.

    Embedded on disk, or on a Chroma server when `chroma_url` is set. Without settings the
    offline MiniLM embeds; another embedder gets its own collection, `name`__identity.
    """
    function = embedding_function(settings) if settings else MiniLMFunction()
    full_name = collection_name(name, settings.embedding if settings else DEFAULT)
    with _translated("open"):
        collection = _client(data_dir, chroma_url).get_or_create_collection(
            full_name,
            # Chroma types the parameter for text-or-image functions; ours take text only
            embedding_function=cast("EmbeddingFunction[Embeddable]", function),
            configuration={"hnsw": {"space": "cosine"}},
        )
    return PolicyIndex(collection, function)


def _client(data_dir: Path, chroma_url: str) -> Any:
    settings = ChromaSettings(anonymized_telemetry=False)
    if chroma_url:
        url = urlparse(chroma_url)
        return chromadb.HttpClient(
            host=url.hostname or "localhost",
            port=url.port or (443 if url.scheme == "https" else 8000),
            ssl=url.scheme == "https",
            settings=settings,
        )
    path = Path(data_dir) / "chroma"
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=settings)


class PolicyIndex:
    """A Chroma collection of policy passages and the function that embeds them."""

    def __init__(
        self, collection: Any, function: EmbeddingFunction[Documents] | None = None
    ) -> None:
        self._collection = collection
        # one function for passages and queries, so both live in the same vector space
        self._function = function or MiniLMFunction()
        self.progress: Progress | None = None  # bars for long writes (the CLI's), else silent

    def count(self) -> int:
        """Number of stored passages."""
        with _translated("count passages"):
            return int(self._collection.count())

    def upsert(self, passages: Sequence[PolicyPassage]) -> None:
        """Store passages (replacing any with the same id), embedding them here."""
        bar = self.progress(len(passages), "Embedding policy passages") if self.progress else None
        for start in range(0, len(passages), BATCH):
            batch = passages[start : start + BATCH]
            with provider_errors(self._function):
                vectors = self._function([embedding_text(p) for p in batch])
            with _translated("store passages"):
                self._collection.upsert(
                    ids=[p.id for p in batch],
                    embeddings=vectors,
                    documents=[p.text for p in batch],
                    metadatas=[to_metadata(p) for p in batch],
                )
            if bar is not None:
                bar.update(len(batch))
        if bar is not None:
            bar.close()

    def delete(self, ids: Sequence[str]) -> None:
        """Remove passages by id."""
        if ids:
            with _translated("delete passages"):
                self._collection.delete(ids=list(ids))

    def query(
        self, text: str, k: int, where: Mapping[str, Any] | None = None
    ) -> list[tuple[str, float]]:
        """(passage id, cosine distance) of the k nearest passages matching `where`."""
        size = self.count()
        if size == 0 or k <= 0:
            return []
        with provider_errors(self._function):
            vector = self._function.embed_query([text])
        with _translated("search"):
            result = self._collection.query(
                query_embeddings=vector,
                n_results=min(k, size),
                where=_where(where),
                include=["distances"],
            )
        return list(zip(result["ids"][0], map(float, result["distances"][0]), strict=True))

    def get(self, ids: Sequence[str]) -> list[PolicyPassage]:
        """The stored passages with these ids, in the order asked; unknown ids are skipped."""
        if not ids:
            return []
        with _translated("read passages"):
            result = self._collection.get(ids=list(ids), include=["documents", "metadatas"])
        found = {
            pid: from_metadata(pid, doc, meta)
            for pid, doc, meta in zip(
                result["ids"], result["documents"], result["metadatas"], strict=True
            )
        }
        return [found[pid] for pid in ids if pid in found]

    def all_passages(self) -> list[PolicyPassage]:
        """Every stored passage, ordered by id."""
        passages: list[PolicyPassage] = []
        for ids, docs, metas in self._pages(["documents", "metadatas"]):
            passages += [from_metadata(*row) for row in zip(ids, docs, metas, strict=True)]
        return sorted(passages, key=lambda p: p.id)

    def vectors(self, ids: Sequence[str]) -> dict[str, list[float]]:
        """Passage id -> its stored vector, for the read-only copy drafts search."""
        found: dict[str, list[float]] = {}
        for start in range(0, len(ids), PAGE):
            with _translated("read vectors"):
                page = self._collection.get(
                    ids=list(ids[start : start + PAGE]), include=["embeddings"]
                )
            found.update(
                {
                    pid: [float(x) for x in v]
                    for pid, v in zip(page["ids"], page["embeddings"], strict=True)
                }
            )
        return found

    def hashes(self) -> dict[str, str]:
        """Passage id -> content hash of every stored passage."""
        stored: dict[str, str] = {}
        for ids, _docs, metas in self._pages(["metadatas"]):
            stored.update({pid: str(m.get("hash", "")) for pid, m in zip(ids, metas, strict=True)})
        return stored

    def _pages(self, include: list[str]) -> Iterator[tuple[list, list, list]]:
        offset = 0
        while True:
            with _translated("read passages"):
                page = self._collection.get(limit=PAGE, offset=offset, include=include)
            ids = page["ids"]
            if not ids:
                return
            yield ids, page.get("documents") or [None] * len(ids), page["metadatas"]
            offset += len(ids)


def embedding_text(passage: PolicyPassage) -> str:
    """What gets embedded: the title and section give a bare criterion its topic."""
    heading = passage.section.split(" > ")[0]
    return f"{passage.title}. {heading}: {passage.text}"


def to_metadata(passage: PolicyPassage) -> dict[str, Any]:
    """Chroma metadata: no None values and no empty lists (Chroma rejects both)."""
    meta: dict[str, Any] = {
        "policy_id": passage.policy_id,
        "payer": passage.payer,
        "title": passage.title,
        "section": passage.section,
        "hash": content_hash(passage),
        "effective_date": _iso(passage.effective_date),
        "superseded_date": _iso(passage.superseded_date),
        "codes": passage.codes or None,
        "plan_types": passage.plan_types or None,
        "scope": passage.scope.model_dump_json() if passage.scope else None,
    }
    return {key: value for key, value in meta.items() if value is not None}


def from_metadata(pid: str, document: str | None, meta: Mapping[str, Any]) -> PolicyPassage:
    """Rebuild a PolicyPassage from what to_metadata stored."""
    return PolicyPassage(
        id=pid,
        policy_id=str(meta["policy_id"]),
        payer=str(meta["payer"]),
        title=str(meta["title"]),
        section=str(meta["section"]),
        text=document or "",
        effective_date=_date(meta.get("effective_date")),
        superseded_date=_date(meta.get("superseded_date")),
        codes=list(meta.get("codes") or []),
        plan_types=list(meta.get("plan_types") or []),
        scope=CriterionScope.model_validate_json(meta["scope"]) if meta.get("scope") else None,
    )


def _where(where: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Our simple {field: value or [values]} filter in Chroma's dialect."""
    if not where:
        return None
    clauses = [
        {key: {"$in": list(value)} if isinstance(value, list | tuple) else value}
        for key, value in where.items()
    ]
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def _date(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(value) if isinstance(value, str) and value else None
