"""Every request is authenticated and authorised here, before any route runs.

A request carries either `Authorization: Bearer <token>` (the API) or the workspace's signed
session cookie. Each endpoint names the permission it needs in RULES; an endpoint missing from
RULES and PUBLIC is refused (fail closed), and a test checks that every route is listed. The
acting account is set for the store (service/auth/acting.py), which scopes every read and write to
the account's practice. A cookie-authenticated request that changes state must also carry this
site's form token (service/web/guard.py): a bearer token is never sent by a browser on its own,
so bearer requests need none.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, g, redirect, request, session, url_for
from werkzeug.wrappers import Response as BaseResponse

from service.auth import Accounts, Principal, acting
from service.errors import Forbidden, Unauthorized
from service.resources import current
from service.web import guard

PUBLIC = {
    "health.healthz",
    "health.openapi",
    "login.login_page",
    "login.login",
    "login.signin",
    "web.static",
}
SIGNED_IN = {"login.logout", "login.account_page", "login.set_password"}
RULES = {
    "appeals.create_appeal": "appeals.write",
    "denials.parse_denial": "denials.parse",
    "drafts.get_draft": "drafts.read",
    "drafts.list_drafts": "drafts.read",
    "drafts.delete_draft": "drafts.delete",
    "exports.export_letter": "drafts.read",
    "necessity.readiness": "necessity.write",
    "necessity.create_letter": "necessity.write",
    "policies.search": "policies.read",
    "policies.list_policies": "policies.read",
    "policies.add_policies": "policies.write",
    "web.paste": "drafts.read",
    "web.submit": "appeals.write",
    "web.drafts": "drafts.read",
    "web.draft": "drafts.read",
    "web.correct_denial": "appeals.write",
    "web.save_letter": "appeals.write",
    "web.add_notes": "appeals.write",
    "web.release": "appeals.write",
    "web.download": "drafts.read",
    "web.dismiss": "drafts.dismiss",
    "web.necessity_form": "necessity.write",
    "web.submit_necessity": "necessity.write",
    "web.correct_request": "necessity.write",
    "web.release_necessity": "necessity.write",
}
SESSION_USER, SESSION_EPOCH = "uid", "epoch"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def accounts() -> Accounts:
    """The accounts of this app's store."""
    return Accounts(current().store())


def _bearer() -> Principal | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Send Authorization: Bearer <token> (see `overturn users add`).")
    principal = accounts().authenticate(token.strip())
    if principal is None:
        raise Unauthorized("The token is not valid.")
    return principal


def _session_user() -> Principal | None:
    user_id = session.get(SESSION_USER)
    if not user_id:
        return None
    principal = accounts().by_id(str(user_id))
    if principal is None or principal.epoch != session.get(SESSION_EPOCH):
        session.clear()  # the account was disabled or its password changed: sign in again
        return None
    return principal


def sign_in(principal: Principal) -> None:
    """Start a fresh cookie session for the account (a new form token too)."""
    session.clear()
    session.permanent = True
    session[SESSION_USER] = principal.id
    session[SESSION_EPOCH] = principal.epoch


def _authenticate() -> BaseResponse | None:
    endpoint = request.endpoint
    if endpoint is None or endpoint in PUBLIC:
        return None  # a 404 or a public page: nothing of a practice's is reachable
    if "Authorization" in request.headers:
        principal = _bearer()
    else:
        principal = _session_user()
        if principal is None:
            if request.blueprint == "web" and request.method in SAFE_METHODS:
                return redirect(url_for("login.login_page", next=_local(request.full_path)))
            raise Unauthorized("Sign in, or send Authorization: Bearer <token>.")
        if request.method not in SAFE_METHODS:
            guard.check_same_site()
    assert principal is not None
    g.principal = principal
    g.actor_token = acting.set_actor(principal)
    _authorize(principal, endpoint)
    return None


def _authorize(principal: Principal, endpoint: str) -> None:
    if endpoint in SIGNED_IN:
        return
    permission = RULES.get(endpoint)
    if permission is None or not principal.can(permission):
        raise Forbidden(
            f"The {principal.role or 'anonymous'} role may not do this.", role=principal.role
        )


def _local(path: str) -> str:
    """A path on this site only (never another host), for redirects after sign-in."""
    parts = urlsplit(path)
    if parts.scheme or parts.netloc or not path.startswith("/") or path.startswith("//"):
        return "/"
    return path.rstrip("?") or "/"


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a local path, else the workspace."""
    return _local(target or "/")


def _reset(_exc: BaseException | None) -> None:
    token = g.pop("actor_token", None)
    if token is not None:
        acting.reset(token)


def principal() -> Principal | None:
    """The account acting on this request, if it is signed in."""
    return g.get("principal")


def init_app(app: Flask) -> None:
    """Authenticate and authorise every request; expose the account to templates."""
    app.before_request(_authenticate)
    app.teardown_request(_reset)
    app.jinja_env.globals["signed_in"] = principal
