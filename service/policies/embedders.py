"""Embedding functions for the policy index, chosen by the `embedding` setting.

The default is our offline int8 MiniLM; other values name one of Chroma's own provider
functions, whose SDKs load only when chosen. Each choice has an identity that names its
collection, so vectors of different models (and dimensions) never share one.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import httpx
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings, Space
from chromadb.utils.embedding_functions import (
    OllamaEmbeddingFunction,
    OpenAIEmbeddingFunction,
    SentenceTransformerEmbeddingFunction,
    register_embedding_function,
)

from service.errors import BadInput, IndexUnavailable
from service.policies.embedding import Embedder, get_embedder

if TYPE_CHECKING:
    from service.config import Settings

DEFAULT = "minilm-int8"
SETTING = "OVERTURN_EMBEDDING"
OLLAMA_URL = "http://localhost:11434"


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
