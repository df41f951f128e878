"""A per-session form token, so another site cannot post forms on a biller's behalf."""

from __future__ import annotations

import hmac
import secrets

from flask import Flask, abort, request, session

_KEY = "web_form_token"
FIELD = "form_token"


def form_token() -> str:
    """This session's token, made on first use."""
    if _KEY not in session:
        session[_KEY] = secrets.token_urlsafe(24)
    return str(session[_KEY])


def check_form() -> None:
    """Refuse a web form post whose token is missing or wrong (API routes are not forms)."""
    if request.method != "POST" or request.blueprint != "web":
        return
    sent = request.form.get(FIELD, "")
    if not hmac.compare_digest(sent.encode(), form_token().encode()):
        abort(400, "The form is out of date; reload the page and try again.")


def init_app(app: Flask) -> None:
    """Install the check and expose the token to templates."""
    app.before_request(check_form)
    app.jinja_env.globals["form_token"] = form_token
