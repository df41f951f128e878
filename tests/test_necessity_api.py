"""POST /v1/necessity-letters and /readiness through the Flask app, with the real TMJ policy."""

from __future__ import annotations

import pytest
from support import api_client
from test_necessity import SIGNER, TMJ, retriever, settings

from service import create_app


def register(app) -> None:
    """Register the necessity and export blueprints unless the app already has them."""
    from service.api import exports, necessity

    for module in (necessity, exports):
        if module.bp.name not in app.blueprints:
            app.register_blueprint(module.bp)


@pytest.fixture
def lmn_client(tmp_path):
    s = settings()
    s.data_dir = str(tmp_path / "data")
    app = create_app({"settings": s})
    app.extensions["overturn"].set_retriever_factory(lambda _s: retriever(TMJ))
    app.config["TESTING"] = True
    register(app)
    return api_client(app)


def body(complete: bool = True) -> dict:
    facts = [f for i, f in enumerate(TMJ["facts"]) if complete or i not in TMJ["drop"]]
    return {**TMJ["request"], "signer": SIGNER, "chart": {"facts": facts}}


def test_readiness_names_the_undocumented_criteria(lmn_client):
    resp = lmn_client.post("/v1/necessity-letters/readiness", json=body(complete=False))
    assert resp.status_code == 200
    data = resp.get_json()
    assert data["ready"] is False and data["undocumented"] == TMJ["gaps"]
    assert data["policy_id"] == "BSM-RAD-0212"


def test_letter_is_stored_and_released(lmn_client):
    resp = lmn_client.post("/v1/necessity-letters", json=body())
    assert resp.status_code == 201
    data = resp.get_json()
    assert data["status"] == "released" and data["draft_id"]
    stored = lmn_client.get(resp.headers["Location"]).get_json()
    assert stored["kind"] == "necessity" and stored["status"] == "released"


def test_schema_error_is_problem_json_without_the_input(lmn_client):
    store = lmn_client.application.extensions["overturn"].store()
    bad = {**body(), "signer": {"name": "Helen Park"}}  # no NPI
    resp = lmn_client.post("/v1/necessity-letters", json=bad)
    assert resp.status_code == 422
    assert resp.mimetype == "application/problem+json"
    problem = resp.get_json()
    assert "signer.npi" in problem["locations"]
    assert "Ana Reyes" not in resp.get_data(as_text=True)
    # refused before drafting: nothing was kept
    assert "draft_id" not in problem and store.count() == 0


def test_cli_letter_exits_2_on_bad_input(tmp_path, capsys, monkeypatch):
    from service import cli

    path = tmp_path / "request.json"
    path.write_text('{"payer": "bluestone"}', encoding="utf-8")
    monkeypatch.setenv("OVERTURN_DATA_DIR", str(tmp_path / "data"))
    assert cli.main(["letter", "--request", str(path)]) == cli.EXIT_BAD_INPUT
    assert "schema" in capsys.readouterr().err
