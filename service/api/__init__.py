"""HTTP API: blueprints and the single problem+json mapper."""

from __future__ import annotations

from flask import Flask

from service.api import appeals, denials, drafts, exports, health, necessity, policies, problems


def init_app(app: Flask) -> None:
    """Register the API blueprints and the error handlers."""
    for module in (appeals, denials, drafts, exports, health, necessity, policies):
        app.register_blueprint(module.bp)
    problems.register(app)
