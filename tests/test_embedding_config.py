"""The `embedding` setting: which function embeds the policy index, and where its vectors live.

Providers are faked by a loopback HTTP server speaking Ollama's /api/embed and OpenAI's
/v1/embeddings JSON; nothing leaves the machine.
"""

from __future__ import annotations

import json
import math
import socket
import subprocess
import sys
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from support import REPO, api_client

from service import create_app
from service.config import Settings
from service.errors import BadInput, IndexUnavailable
from service.policies.chroma_index import (
    collection_name,
    embedding_function,
    embedding_identity,
    open_index,
)
from service.policies.retrieve import build_retriever

FIXTURES = Path(__file__).parent / "fixtures" / "policies"
DIMENSIONS = 64
QUERY = "saddle anesthesia urinary retention"


def fake_vector(text: str) -> list[float]:
    """A bag-of-words vector: texts sharing words point the same way."""
    vector = [0.0] * DIMENSIONS
    for word in text.lower().split():
        vector[zlib.crc32(word.strip(".,:;()").encode()) % DIMENSIONS] += 1.0
    norm = math.sqrt(sum(v * v for v in vector)) or 1.0
    return [v / norm for v in vector]


class FakeProvider:
    """Ollama's POST /api/embed and OpenAI's POST /v1/embeddings on 127.0.0.1, logging requests."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict]] = []
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                provider.requests.append((self.path, body))
                texts = [body["input"]] if isinstance(body["input"], str) else body["input"]
                vectors = [fake_vector(t) for t in texts]
                if self.path == "/api/embed":
                    answer: dict = {"model": body["model"], "embeddings": vectors}
                else:
                    answer = {
                        "object": "list",
                        "model": body["model"],
                        "data": [
                            {"object": "embedding", "index": i, "embedding": v}
                            for i, v in enumerate(vectors)
                        ],
                        "usage": {"prompt_tokens": 1, "total_tokens": 1},
                    }
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def models(self, path: str) -> set[str]:
        return {body["model"] for p, body in self.requests if p == path}


@pytest.fixture
def provider():
    fake = FakeProvider()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


def refused_url() -> str:
    """A loopback URL nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


def settings_for(tmp_path: Path, **values: str) -> Settings:
    return Settings(data_dir=str(tmp_path / "data"), corpus_dir=str(FIXTURES), **values)


# --- naming and parsing ----------------------------------------------------------------------


def test_each_embedder_gets_its_own_collection_and_the_default_keeps_the_old_name():
    assert collection_name("policies", "minilm-int8") == "policies"
    assert collection_name("policies", "") == "policies"
    assert collection_name("policies", "ollama:nomic-embed-text") == (
        "policies__ollama-nomic-embed-text"
    )
    assert embedding_identity("openai:text-embedding-3-small") == "openai-text-embedding-3-small"
    assert embedding_identity("ollama:nomic-embed-text:v1.5") == "ollama-nomic-embed-text-v1-5"
    assert embedding_identity("ollama:a") != embedding_identity("openai:a")


@pytest.mark.parametrize("value", ["bogus", "ollama:", "ollama: ", "cohere:embed-v3", "minilm"])
def test_an_unknown_embedding_value_is_bad_input_naming_the_setting(tmp_path, value):
    with pytest.raises(BadInput) as caught:
        embedding_function(settings_for(tmp_path, embedding=value))
    assert caught.value.fields["field"] == "embedding"
    assert "OVERTURN_EMBEDDING" in caught.value.detail
    with pytest.raises(BadInput):
        build_retriever(settings_for(tmp_path, embedding=value))


def test_the_environment_reaches_the_embedding_settings():
    s = Settings.from_env(
        {"OVERTURN_EMBEDDING": "ollama:nomic-embed-text", "OVERTURN_EMBEDDING_URL": "http://x:1"}
    )
    assert (s.embedding, s.embedding_url) == ("ollama:nomic-embed-text", "http://x:1")
    assert Settings.from_env({}).embedding == "minilm-int8"


def test_importing_the_index_loads_no_provider_sdk():
    code = (
        "import sys, service.policies.chroma_index, service.policies.retrieve;"
        "sdks = ('ollama', 'openai', 'sentence_transformers');"
        "print(sorted(m for m in sdks if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


# --- providers through Chroma's own embedding functions --------------------------------------


def test_ollama_embeds_passages_and_queries_and_keeps_its_own_collection(tmp_path, provider):
    pytest.importorskip("ollama", reason="Chroma's Ollama function needs the ollama package")
    settings = settings_for(tmp_path, embedding="ollama:fake-embed", embedding_url=provider.url)
    retriever = build_retriever(settings)
    stored = [body for path, body in provider.requests if path == "/api/embed"]
    assert stored and provider.models("/api/embed") == {"fake-embed"}

    hits = retriever.search(QUERY, payer="northwind", mode="dense", k=3)
    assert "saddle anesthesia" in hits[0].text
    # the query went through the same function as the passages
    assert provider.requests[-1][1]["input"] == [QUERY]

    # the default embedder (384 dims) opens its own collection beside the 64-dim one
    default = open_index(settings.data_path)
    assert default.count() == 0
    assert open_index(settings.data_path, settings=settings).count() == retriever.count()


def test_openai_compatible_server_embeds_with_the_key_from_the_environment(
    tmp_path, provider, monkeypatch
):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-real")
    settings = settings_for(
        tmp_path, embedding="openai:text-embedding-3-small", embedding_url=provider.url + "/v1"
    )
    retriever = build_retriever(settings)
    hits = retriever.search(QUERY, payer="northwind", mode="dense", k=3)
    assert "saddle anesthesia" in hits[0].text
    assert provider.models("/v1/embeddings") == {"text-embedding-3-small"}


def test_openai_without_a_key_is_index_unavailable(tmp_path, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(IndexUnavailable) as caught:
        embedding_function(settings_for(tmp_path, embedding="openai:text-embedding-3-small"))
    assert "OPENAI_API_KEY" in caught.value.fields["reason"]


def test_a_missing_provider_package_is_index_unavailable_naming_it(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "ollama", None)  # as if not installed
    with pytest.raises(IndexUnavailable) as caught:
        embedding_function(settings_for(tmp_path, embedding="ollama:nomic-embed-text"))
    assert "ollama" in caught.value.fields["reason"]


def test_an_unreachable_ollama_is_index_unavailable(tmp_path):
    pytest.importorskip("ollama", reason="Chroma's Ollama function needs the ollama package")
    settings = settings_for(
        tmp_path, embedding="ollama:nomic-embed-text", embedding_url=refused_url()
    )
    with pytest.raises(IndexUnavailable) as caught:
        build_retriever(settings)
    assert caught.value.fields["setting"] == "OVERTURN_EMBEDDING"
    assert "reached" in caught.value.detail


def test_an_unreachable_provider_degrades_the_api_to_lexical_search(tmp_path):
    pytest.importorskip("ollama", reason="Chroma's Ollama function needs the ollama package")
    settings = settings_for(
        tmp_path, embedding="ollama:nomic-embed-text", embedding_url=refused_url()
    )
    app = create_app({"settings": settings})
    response = api_client(app).get("/v1/policies/search?q=mri")
    assert response.status_code == 200  # BM25 over the corpus on disk answers meanwhile
    assert app.test_client().get("/healthz").get_json()["status"] == "degraded"
