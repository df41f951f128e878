"""Server mode: with OVERTURN_CHROMA_URL, every worker process shares one `chroma run` server."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from support import REPO, api_client

from service import create_app
from service.config import Settings
from service.errors import IndexUnavailable
from service.policies.retrieve import build_retriever

FIXTURES = Path(__file__).parent / "fixtures" / "policies"
QUERY = "suspected cauda equina syndrome with saddle anesthesia"
START_TIMEOUT = 15.0

# Another process, as a second gunicorn worker would be: its own data dir and no corpus, so
# whatever it finds must come from the server.
OTHER_WORKER = """
import json, sys
from service.config import Settings
from service.policies.retrieve import build_retriever
url, data_dir, query = sys.argv[1:4]
r = build_retriever(Settings(chroma_url=url, data_dir=data_dir, corpus_dir=data_dir + "/none"))
hits = r.search(query, payer="northwind", k=3)
print(json.dumps({"count": r.count(), "ids": [p.id for p in hits]}))
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def chroma_cli() -> str | None:
    beside = Path(sys.executable).parent / "chroma"
    return str(beside) if beside.exists() else shutil.which("chroma")


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory):
    cli = chroma_cli()
    if cli is None:
        pytest.skip("the chroma CLI (installed with chromadb) is not on this machine")
    folder = tmp_path_factory.mktemp("chroma-server")
    port = free_port()
    log = open(folder / "server.log", "wb")  # noqa: SIM115 (closed in the finalizer)
    server = subprocess.Popen(
        [cli, "run", "--path", str(folder / "db"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_heartbeat(url, server)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def wait_for_heartbeat(url: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"chroma run exited with {server.returncode} before answering")
        try:
            if httpx.get(url + "/api/v2/heartbeat", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    pytest.fail(f"chroma run did not answer its heartbeat within {START_TIMEOUT} s")


def test_workers_share_the_passages_on_the_server(chroma_url, tmp_path):
    settings = Settings(
        chroma_url=chroma_url, data_dir=str(tmp_path / "a"), corpus_dir=str(FIXTURES)
    )
    first = build_retriever(settings)
    hits = first.search(QUERY, payer="northwind", k=3)
    assert hits and "saddle anesthesia" in hits[0].text
    assert not (tmp_path / "a" / "chroma").exists()  # nothing embedded on local disk

    # a second retriever in this process, with no corpus of its own
    second = build_retriever(
        Settings(chroma_url=chroma_url, data_dir=str(tmp_path / "b"), corpus_dir="/nonexistent")
    )
    assert second.count() == first.count() > 0
    assert second.corpus_version == first.corpus_version

    # and another process
    out = subprocess.run(
        [sys.executable, "-c", OTHER_WORKER, chroma_url, str(tmp_path / "c"), QUERY],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen == {"count": first.count(), "ids": [p.id for p in hits]}


def test_a_refused_server_degrades_to_lexical_search_and_refuses_uploads(tmp_path):
    settings = Settings(
        chroma_url=f"http://127.0.0.1:{free_port()}",
        data_dir=str(tmp_path),
        corpus_dir=str(FIXTURES),
    )
    with pytest.raises(IndexUnavailable):
        build_retriever(settings)
    app = create_app({"settings": settings})
    client = api_client(app)
    response = client.get("/v1/policies/search?q=mri")
    assert response.status_code == 200  # BM25 over the corpus on disk answers
    assert app.test_client().get("/healthz").get_json()["status"] == "degraded"
    upload = client.post("/v1/policies", data=b"# x", content_type="text/markdown")
    assert upload.status_code == 503
    assert upload.mimetype == "application/problem+json"
