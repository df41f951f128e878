"""Policies a practice loads are its own; every worker follows the index version in the store;
with the Chroma server unreachable the service starts, drafts lexically, says so, and recovers."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest
from support import api_client
from test_api import LUMBAR_CHART, LUMBAR_DENIAL, assert_problem

from service import create_app, resources
from service.config import Settings
from service.resources import Resources

DOCS = Path(__file__).parent / "fixtures" / "policy_docs"
CORPUS = DOCS / "corpus"
KNEE_HTML = DOCS / "knee-mri.html"
SLEEP_V1 = CORPUS / "hb-slp-200-v1.md"
SLEEP_V2 = DOCS / "sleep-v2.md"
DEAD_CHROMA = "http://127.0.0.1:9"  # the discard port: nothing listens there


@pytest.fixture
def small(tmp_path) -> Settings:
    return Settings(data_dir=str(tmp_path / "data"), corpus_dir=str(CORPUS), today="2026-11-22")


def _upload(client, path: Path):
    return client.post(
        "/v1/policies",
        content_type="multipart/form-data",
        data={"file": (BytesIO(path.read_bytes()), path.name)},
    )


def _documents(client) -> set[str]:
    return {row["document_id"] for row in client.get("/v1/policies").get_json()["policies"]}


def test_a_practice_upload_is_its_own(small) -> None:
    app = create_app({"settings": small})
    north, south = api_client(app, practice="north"), api_client(app, practice="south")
    assert _upload(north, SLEEP_V2).status_code == 201
    assert "HB-SLP-200@v2" in _documents(north)
    assert _documents(south) == {"HB-SLP-200@v1"}  # the shared corpus only
    hits = south.get("/v1/policies/search?q=sleep+study&payer=harbor").get_json()["results"]
    assert hits and all(h["id"].startswith("HB-SLP-200@v1") for h in hits)
    # nobody may overwrite the shared corpus or another practice's document
    assert_problem(_upload(south, SLEEP_V1), 403, "forbidden")
    assert_problem(_upload(south, SLEEP_V2), 403, "forbidden")
    assert _upload(north, SLEEP_V2).status_code == 200  # its own: an unchanged re-add


def test_a_policy_added_through_one_worker_is_searched_by_another(small) -> None:
    one, two = Resources(small), Resources(small)  # two workers' caches over one store and index
    assert two.retriever().count() == one.retriever().count()
    from service.policies.documents import add_documents

    with one.policy_writes:
        add_documents(one.policy_index(), [(KNEE_HTML.name, KNEE_HTML.read_bytes())])
        one.refresh_retriever()
    hits = two.retriever().search("knee MRI meniscal tear", payer="harbor", k=3)
    assert any(h.policy_id == "HB-IMG-310" for h in hits)


def test_unreachable_chroma_degrades_and_recovers(small, monkeypatch) -> None:
    settings = Settings(**{**small.__dict__, "chroma_url": DEAD_CHROMA})
    app = create_app({"settings": settings})
    client = api_client(app)
    resp = client.post("/v1/appeals", json={"denial": LUMBAR_DENIAL, "chart": LUMBAR_CHART})
    assert resp.status_code == 201, resp.get_data(as_text=True)[:300]
    notes = " ".join(resp.get_json()["provenance"]["notes"])
    assert "policy index unreachable" in notes
    health = app.test_client().get("/healthz")
    assert health.status_code == 200 and health.get_json()["status"] == "degraded"
    assert client.get("/v1/policies/search?q=sleep+study&payer=harbor").status_code == 200
    assert_problem(_upload(client, KNEE_HTML), 503, "index-unavailable")
    # the server comes back (here: the index becomes reachable) and the next request recovers
    monkeypatch.setattr(resources, "INDEX_RETRY", 0.0)
    app.extensions["overturn"].settings.chroma_url = ""
    client.get("/v1/policies")
    assert app.test_client().get("/healthz").get_json() == {"status": "ok", "index": "ok"}
