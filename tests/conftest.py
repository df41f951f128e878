"""Fixtures everything builds on: settings in a temp dir, a scripted fake retriever, the app."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from support import LUMBAR_POLICY, SHARED_DATA, TODAY, FakeRetriever, api_client, shared

from service import create_app
from service.config import Settings


def pytest_sessionstart(session: pytest.Session) -> None:
    """CI sets OVERTURN_REQUIRE_SHARED_DATA: there the outside-data tests must run, not skip."""
    if os.environ.get("OVERTURN_REQUIRE_SHARED_DATA") and not SHARED_DATA.is_dir():
        raise pytest.UsageError(f"OVERTURN_REQUIRE_SHARED_DATA is set but {SHARED_DATA} is absent")


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


@pytest.fixture
def shared_data() -> Path:
    """The outside data folder (../shared/data); tests that need it skip when it is absent."""
    return shared()
