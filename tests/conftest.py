"""Fixtures everything builds on: settings in a temp dir, a scripted fake retriever, the app."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import LUMBAR_POLICY, TODAY, FakeRetriever, api_client

from service import create_app
from service.config import Settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=str(tmp_path / "data"),
        today=TODAY,
        practice_name="Riverside Spine Clinic",
        practice_phone="555-010-2000",
    )


@pytest.fixture
def fake_retriever() -> FakeRetriever:
    return FakeRetriever(list(LUMBAR_POLICY))


@pytest.fixture
def app(settings: Settings, fake_retriever: FakeRetriever):
    app = create_app({"settings": settings})
    app.extensions["overturn"].set_retriever_factory(lambda _s: fake_retriever)
    app.config["TESTING"] = True
    return app


@pytest.fixture
def client(app):
    """An API client signed in as an admin of the default practice (a bearer token)."""
    return api_client(app)
