"""The biller's web workspace: paste a denial, review what was understood, edit and release."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the `web` and sign-in blueprints at "/" and the request guard."""
    from service.web import guard, login, views

    guard.init_app(app)
    app.register_blueprint(views.bp)
    app.register_blueprint(login.bp)
