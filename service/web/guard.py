"""What keeps other sites out of a signed-in browser: a per-session form token on every
state-changing request made with the session cookie, an Origin check, and response headers
(CSP, frame, sniffing, referrer and cache rules).

The workspace's forms carry the token as a field; an API call made with the cookie sends it as
the `X-CSRF-Token` header (a multipart policy upload included). Bearer-token requests are not
cookie-authenticated and need neither (service/auth/access.py decides which a request is).
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

from flask import Flask, Response, request, session

from service.errors import CrossSiteRefused

_KEY = "web_form_token"
FIELD = "form_token"
HEADER = "X-CSRF-Token"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # sign-in links carry a secret in their path: never send it to another site as a Referer
    # ("no-referrer" would also make browsers send `Origin: null` on the site's own forms)
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def form_token() -> str:
    """This session's token, made on first use."""
    if _KEY not in session:
        session[_KEY] = secrets.token_urlsafe(24)
    return str(session[_KEY])


def _sent_token() -> str:
    sent = request.headers.get(HEADER, "")
    # only the workspace's own small forms are read for the field: reading an API upload's
    # form here would parse a large body before its route sets the size it allows
    if not sent and request.blueprint in ("web", "login"):
        sent = request.form.get(FIELD, "")
    return sent


def check_same_site() -> None:
    """Refuse a cookie-authenticated state change that another site could have caused."""
    if request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
        raise CrossSiteRefused("A request from another site was refused.", field=FIELD)
    origin = request.headers.get("Origin")
    # the host only, not the scheme: behind a TLS proxy the app itself sees http
    if origin and urlsplit(origin).netloc != request.host:
        raise CrossSiteRefused("A request from another origin was refused.", field=FIELD)
    expected = session.get(_KEY)
    sent = _sent_token()
    if not expected or not hmac.compare_digest(sent.encode(), str(expected).encode()):
        raise CrossSiteRefused(
            "The form is out of date or did not come from this site; reload the page and try "
            "again.",
            field=FIELD,
        )


def _headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if "Authorization" in request.headers or session.get("uid"):
        # pages and answers of a signed-in account carry PHI: never keep them in a cache
        response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    """Add the security headers to every response and expose the token to templates."""
    app.after_request(_headers)
    app.jinja_env.globals["form_token"] = form_token
