"""The biller's web workspace: paste a denial, review what was understood, edit and release."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the `web` blueprint at "/" and its request guard."""
    from service.web import guard, views

    guard.init_app(app)
    app.register_blueprint(views.bp)
