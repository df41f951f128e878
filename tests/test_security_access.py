"""Accounts, roles and practices; the request guard (CSRF, origin, hosts, headers); keys.

Measured for the README: drafts readable without a role or across practices (0), a policy
uploaded cross-origin with a signed-in cookie (refused, nothing stored)."""

from __future__ import annotations

import datetime as dt
import io
import re
import stat

import pytest
from support import account, api_client, web_client
from test_api import LUMBAR_CHART, LUMBAR_DENIAL, assert_problem

from service import auth, cli
from service.auth import Accounts, access


def _appeal(client) -> str:
    resp = client.post("/v1/appeals", json={"denial": LUMBAR_DENIAL, "chart": LUMBAR_CHART})
    assert resp.status_code == 201, resp.get_data(as_text=True)[:300]
    return resp.get_json()["draft_id"]


def test_every_route_is_public_or_names_its_permission(app) -> None:
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()} - {"static"}
    listed = access.PUBLIC | access.SIGNED_IN | set(access.RULES)
    assert endpoints <= listed, f"routes without a permission: {endpoints - listed}"


def test_no_credentials_no_data(app, client) -> None:
    draft_id = _appeal(client)
    anonymous = app.test_client()
    for url in ("/v1/drafts", f"/v1/drafts/{draft_id}", f"/v1/drafts/{draft_id}/letter.txt"):
        assert_problem(anonymous.get(url), 401, "unauthorized")
    assert_problem(anonymous.post("/v1/appeals", json={"denial": "x"}), 401)
    assert anonymous.get(f"/drafts/{draft_id}").status_code == 302  # the workspace: sign in
    bad = app.test_client()
    bad.environ_base["HTTP_AUTHORIZATION"] = "Bearer ovt_0000.not-a-token"
    assert_problem(bad.get("/v1/drafts"), 401)
    assert app.test_client().get("/healthz").status_code == 200


def test_drafts_readable_across_practices_is_zero(app) -> None:
    north, south = api_client(app, practice="north"), api_client(app, practice="south")
    ids = [_appeal(north) for _ in range(3)]
    readable = 0
    for draft_id in ids:
        for url in (f"/v1/drafts/{draft_id}", f"/v1/drafts/{draft_id}/letter.txt"):
            resp = south.get(url)
            readable += resp.status_code == 200
            assert_problem(resp, 404, "not-found")
        assert_problem(south.delete(f"/v1/drafts/{draft_id}"), 404)
    readable += sum(d["id"] in ids for d in south.get("/v1/drafts").get_json()["drafts"])
    assert readable == 0
    assert {d["id"] for d in north.get("/v1/drafts").get_json()["drafts"]} == set(ids)
    # the workspace answers the same way
    assert web_client(app, practice="south").get(f"/drafts/{ids[0]}").status_code == 404


def test_roles(app) -> None:
    biller, qa = api_client(app, "biller"), api_client(app, "qa")
    provider = api_client(app, "provider")
    draft_id = _appeal(biller)
    assert qa.get(f"/v1/drafts/{draft_id}").status_code == 200  # qa reads drafts
    assert_problem(qa.post("/v1/appeals", json={"denial": LUMBAR_DENIAL}), 403, "forbidden")
    assert_problem(provider.post("/v1/appeals", json={"denial": LUMBAR_DENIAL}), 403)
    assert_problem(qa.post("/v1/necessity-letters", json={}), 403)
    assert_problem(biller.delete(f"/v1/drafts/{draft_id}"), 403)
    upload = biller.post(
        "/v1/policies",
        data={"file": (io.BytesIO(b"# x"), "p.md")},
        content_type="multipart/form-data",
    )
    assert_problem(upload, 403)


def test_audit_trail_says_who(app) -> None:
    user, token = account(app, "biller", name="Bea Biller")
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    draft_id = _appeal(client)
    trail = client.get(f"/v1/drafts/{draft_id}").get_json()["audit"]
    assert trail and all(e["by"] == "Bea Biller (biller)" for e in trail)


def test_cookie_api_calls_need_the_form_token(app) -> None:
    web = web_client(app, "admin")
    page = web.get("/").get_data(as_text=True)
    token = re.search(r'name="form_token" value="([^"]+)"', page).group(1)
    body = {"denial": LUMBAR_DENIAL, "chart": LUMBAR_CHART}
    assert_problem(web.post("/v1/appeals", json=body), 403, "cross-site-request")
    assert web.post("/v1/appeals", json=body, headers={"X-CSRF-Token": token}).status_code == 201


def test_policy_uploaded_cross_origin_is_refused(app) -> None:
    web = web_client(app, "admin")
    page = web.get("/").get_data(as_text=True)
    token = re.search(r'name="form_token" value="([^"]+)"', page).group(1)
    doc = b"---\npolicy_id: EV-1\npayer_id: northwind\ntitle: Evil\n---\n# Coverage\n1. Yes.\n"
    attempts = [
        {"Origin": "http://evil.example"},  # a form on another site
        {"Sec-Fetch-Site": "cross-site"},
        {"Origin": "http://evil.example", "X-CSRF-Token": token},  # even with a stolen token
        {},  # no token at all
    ]
    for headers in attempts:
        resp = web.post(
            "/v1/policies",
            data={"file": (io.BytesIO(doc), "evil.md")},
            content_type="multipart/form-data",
            headers=headers,
        )
        assert_problem(resp, 403, "cross-site-request")
    assert "EV-1" not in web.get("/v1/policies").get_data(as_text=True)


def test_untrusted_host_is_refused(client) -> None:
    assert_problem(client.get("/v1/drafts", headers={"Host": "rebind.example"}), 400)
    assert client.get("/v1/drafts", headers={"Host": "127.0.0.1:8000"}).status_code == 200


def test_security_headers_and_cookie_flags(app) -> None:
    web = app.test_client()
    resp = web.get("/login")
    assert "frame-ancestors 'none'" in resp.headers["Content-Security-Policy"]
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    cookie = resp.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    signed = web_client(app)
    assert signed.get("/v1/drafts").headers["Cache-Control"] == "no-store"


def test_secret_key_is_generated_private_and_not_a_constant(app, settings, tmp_path) -> None:
    from service import create_app
    from service.config import Settings

    key_file = settings.data_path / "secret.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert app.config["SECRET_KEY"] == key_file.read_bytes().strip()
    other = create_app({"settings": Settings(data_dir=str(tmp_path / "other"))})
    assert other.config["SECRET_KEY"] != app.config["SECRET_KEY"]
    assert app.config["SECRET_KEY"] not in (b"overturn-local", "overturn-local")


def test_password_login_and_one_time_link(app) -> None:
    accounts = Accounts(app.extensions["overturn"].store())
    user = accounts.add_user(
        "Pat Provider", "provider", "default", password="correct horse battery"
    )
    web = app.test_client()
    page = web.get("/login").get_data(as_text=True)
    token = re.search(r'name="form_token" value="([^"]+)"', page).group(1)
    wrong = {"form_token": token, "name": "Pat Provider", "password": "nope nope nope"}
    assert web.post("/login", data=wrong).status_code == 401
    good = {**wrong, "password": "correct horse battery", "next": "https://evil.example/"}
    resp = web.post("/login", data=good)
    assert resp.status_code == 303 and resp.headers["Location"] == "/"
    assert web.get("/v1/drafts", headers={"X-CSRF-Token": "x"}).status_code == 200
    link = f"/signin/{accounts.signin_link_token(user.id)}"
    assert app.test_client().get(link).status_code == 303
    assert app.test_client().get(link).status_code == 401  # spent


def test_repeated_wrong_passwords_lock_the_name_for_a_while(app, monkeypatch) -> None:
    accounts = Accounts(app.extensions["overturn"].store())
    accounts.add_user("Rae Biller", "biller", "default", password="correct horse battery")
    web = app.test_client()
    token = re.search(
        r'name="form_token" value="([^"]+)"', web.get("/login").get_data(as_text=True)
    ).group(1)

    def attempt(name: str, password: str):
        return web.post("/login", data={"form_token": token, "name": name, "password": password})

    for _ in range(auth.MAX_FAILED_SIGNINS):
        assert attempt("Rae Biller", "guess guess guess").status_code == 401
    locked = attempt("Rae Biller", "correct horse battery")  # the right one is refused too
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 60
    assert "Too many wrong passwords" in locked.get_data(as_text=True)
    # an unknown name locks the same way, so the answer never tells which names exist
    for _ in range(auth.MAX_FAILED_SIGNINS):
        assert attempt("Nobody Here", "guess guess guess").status_code == 401
    assert attempt("Nobody Here", "guess guess guess").status_code == 429
    # another name is not affected; once the window has passed the right password works
    later = auth._now() + auth.FAILED_SIGNIN_WINDOW + dt.timedelta(seconds=1)
    monkeypatch.setattr(auth, "_now", lambda: later)
    assert attempt("Rae Biller", "correct horse battery").status_code == 303


def test_a_right_password_clears_earlier_failures(app) -> None:
    accounts = Accounts(app.extensions["overturn"].store())
    accounts.add_user("Sol Biller", "biller", "default", password="correct horse battery")
    for _ in range(auth.MAX_FAILED_SIGNINS - 1):
        assert accounts.check_password("Sol Biller", "wrong wrong wrong") is None
    assert accounts.check_password("Sol  Biller", "correct horse battery") is not None
    for _ in range(auth.MAX_FAILED_SIGNINS - 1):
        assert accounts.check_password("Sol Biller", "wrong wrong wrong") is None
    assert accounts.check_password("Sol Biller", "correct horse battery") is not None


def test_cli_users_add_prints_the_token_last(settings, capsys, monkeypatch) -> None:
    monkeypatch.setenv("OVERTURN_DATA_DIR", settings.data_dir)
    assert cli.main(["users", "add", "Quinn QA", "--role", "qa", "--practice", "east"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    token = out[-1]
    assert token.startswith("ovt_")
    from service import create_app

    app = create_app({"settings": settings})
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    assert client.get("/v1/drafts").status_code == 200
    assert_problem(client.post("/v1/appeals", json={"denial": "x"}), 403)


@pytest.mark.parametrize("role", ["biller", "provider", "qa", "admin"])
def test_each_role_reads_the_workspace_list(app, role) -> None:
    assert web_client(app, role).get("/drafts").status_code == 200
