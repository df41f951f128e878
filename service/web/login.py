"""Signing in and out of the workspace: a name and password, or a one-time sign-in link.

`overturn serve` prints a link on first start and `overturn users link NAME` makes another;
the link signs in once and leads to the account page, where a password can be set.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response as BaseResponse

from service.auth import access
from service.errors import BadInput, TooManyAttempts
from service.web import guard

bp = Blueprint("login", __name__, template_folder="templates")


@bp.get("/login")
def login_page() -> str:
    """The sign-in form."""
    return render_template("login.html", next=access.safe_next(request.args.get("next")))


@bp.post("/login")
def login() -> BaseResponse | tuple[str, int] | tuple[str, int, dict[str, str]]:
    """Check the name and password; start a session and go where the person was headed."""
    guard.check_same_site()
    target = access.safe_next(request.form.get("next"))
    try:
        principal = access.accounts().check_password(
            request.form.get("name", ""), request.form.get("password", "")
        )
    except TooManyAttempts as err:
        page = render_template("login.html", next=target, locked=err.detail)
        return page, 429, {"Retry-After": str(err.fields["retry_after"])}
    if principal is None:
        # the same answer for an unknown name and a wrong password
        return render_template("login.html", next=target, failed=True), 401
    access.sign_in(principal)
    return redirect(target, 303)


@bp.get("/signin/<token>")
def signin(token: str) -> BaseResponse | tuple[str, int]:
    """Spend a one-time sign-in link."""
    principal = access.accounts().authenticate(token, kind="signin")
    if principal is None:
        return render_template("login.html", next="/", expired=True), 401
    access.sign_in(principal)
    flash(f"Signed in as {principal.name}. Set a password to sign in again later.")
    return redirect(url_for("login.account_page"), 303)


@bp.post("/logout")
def logout() -> BaseResponse:
    """End the session; the sign-in page also clears text kept in this browser."""
    session.clear()
    return redirect(url_for("login.login_page", signed_out=1), 303)


@bp.get("/account")
def account_page() -> str:
    """Who is signed in, their role and practice, and a form to set a password."""
    return render_template("account.html")


@bp.post("/account")
def set_password() -> BaseResponse | tuple[str, int]:
    """Set the password (the current one is needed when one is set)."""
    who = access.principal()
    assert who is not None
    accounts = access.accounts()
    new = request.form.get("password", "")
    has_password = any(u["name"] == who.name and u["password"] for u in accounts.list())
    try:
        wrong = has_password and accounts.check_password(who.name, request.form.get("current", ""))
    except TooManyAttempts as err:
        return render_template("account.html", problem=err.detail), 429
    if wrong is None:
        return render_template("account.html", problem="The current password is wrong."), 400
    if new != request.form.get("confirm", ""):
        return render_template("account.html", problem="The two passwords differ."), 400
    try:
        accounts.set_password(who.id, new)
    except BadInput as err:
        return render_template("account.html", problem=err.detail), 400
    principal = accounts.by_id(who.id)
    assert principal is not None
    access.sign_in(principal)  # other sessions of the account end; this one goes on
    flash("Password set.")
    return redirect(url_for("web.paste"), 303)
