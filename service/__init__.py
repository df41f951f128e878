"""Overturn: grounded appeal letters and letters of medical necessity, offline by default."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """The Flask app factory: settings, resources, the API and the workspace.

    Nothing heavy happens here: the store, the index and the model open on first use.
    `test_config` may carry `settings` (a Settings) and `resources` (a Resources with fakes).
    """
    from flask import Flask

    from service import api, resources, web
    from service.api.limits import LimitedJSONProvider
    from service.auth import access
    from service.config import Settings
    from service.store import keyfile

    app = Flask(__name__)
    overrides = dict(test_config or {})
    given = overrides.pop("resources", None)
    settings = overrides.pop("settings", None) or (given.settings if given else None)
    settings = settings or Settings.from_env(**overrides)
    app.config["OVERTURN"] = settings
    # A request body over this is refused with 413 before it is read.
    app.config["MAX_CONTENT_LENGTH"] = settings.max_input_bytes * 2 + 65536
    # never a constant: generated on first start and kept 0600 in the data folder
    app.config["SECRET_KEY"] = settings.secret_key or keyfile.secret_key(settings.data_path)
    app.config["TRUSTED_HOSTS"] = [h.strip() for h in settings.trusted_hosts.split(",") if h]
    app.config.update(
        SESSION_COOKIE_NAME="overturn_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.cookie_secure.lower() == "on",
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=12),
    )
    app.json = LimitedJSONProvider(app)
    resources.init_app(app, given)
    access.init_app(app)
    api.init_app(app)
    web.init_app(app)
    return app
