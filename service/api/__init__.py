"""HTTP API: blueprints and the single problem+json mapper."""

from __future__ import annotations

from flask import Flask

from service.api import (
    appeals,
    denials,
    drafts,
    exports,
    health,
    necessity,
    policies,
    problems,
    resources,
)


def init_app(app: Flask) -> None:
    """Register resources, blueprints and error handlers."""
    resources.init_app(app)
    for module in (appeals, denials, drafts, exports, health, necessity, policies):
        app.register_blueprint(module.bp)
    problems.register(app)
    from service import web  # the biller's workspace pages

    web.init_app(app)
