"""The web workspace: a worklist of drafts; appeals from a pasted denial and letters of medical
necessity from a request form, each read, checked, corrected and released by a person."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the `web` and sign-in blueprints at "/" and the request guard."""
    from service.web import (
        guard,
        login,
        necessity_views,  # noqa: F401  (adds its routes to views.bp)
        views,
    )

    guard.init_app(app)
    app.register_blueprint(views.bp)
    app.register_blueprint(login.bp)
