"""Letters of medical necessity in the workspace: the form with readiness first, the draft page
(its readiness rows, the letter beside its checks), a correction as a new version, release and
download; and the page's words: states, field names, 1-based points."""

from __future__ import annotations

import re

import pytest
from support import web_client
from web_lmn import CHART, FORM, TREATMENT

from service.models import DraftStatus


@pytest.fixture
def provider(app):
    return web_client(app, role="provider")


def _store(app):
    return app.extensions["overturn"].store()


def _token(client) -> str:
    page = client.get("/drafts").get_data(as_text=True)
    return re.search(r'name="form_token" value="([^"]+)"', page).group(1)


def _post(client, url: str, data: dict):
    return client.post(url, data={"form_token": _token(client), **data})


def _draft_id(resp) -> str:
    return resp.headers["Location"].split("/drafts/")[1].split("#")[0]


def test_readiness_is_checked_first_and_nothing_is_kept(app, provider) -> None:
    resp = _post(provider, "/necessity", {**FORM, "action": "check"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "Not documented" in page and "Needed:" in page and "Met" in page
    assert 'value="Dana Whitfield"' in page  # the form is shown again, filled
    assert _store(app).count() == 0


def test_a_necessity_draft_opens_with_readiness_letter_and_checks(app, provider) -> None:
    resp = _post(provider, "/necessity", {**FORM, "action": "draft"})
    assert resp.status_code == 303
    draft_id = _draft_id(resp)
    page = provider.get(f"/drafts/{draft_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for section in ('id="read"', 'id="evidence"', 'id="letter"', 'id="checks"'):
        assert section in html
    assert "Needs information" in html and "Not documented" in html
    assert "Policy criterion: Coverage criteria &gt; 2" in html  # not the passage id
    assert "NWH448812" in html and "from the chart" in html  # the member ID the chart supplied
    assert re.search(r'<button[^>]*id="release"[^>]*disabled', html)
    assert _store(app).get(draft_id)["status"] == "held"


def test_correcting_the_chart_drafts_a_ready_version_then_release_and_download(
    app, provider
) -> None:
    first = _draft_id(_post(provider, "/necessity", {**FORM, "action": "draft"}))
    resp = _post(provider, f"/drafts/{first}/request", {**FORM, "chart": CHART + TREATMENT})
    assert resp.status_code == 303 and resp.headers["Location"].endswith("#done-read")
    second = _draft_id(resp)
    assert second != first
    html = provider.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Corrected: Chart notes." in html
    assert "Ready to release" in html
    assert not re.search(r'<button[^>]*id="release"[^>]*disabled', html)
    # the old version leaves the list and points at the new one
    listing = provider.get("/drafts").get_data(as_text=True)
    assert f"/drafts/{second}" in listing and f"/drafts/{first}" not in listing
    trail = _store(app).audit_trail(second)
    assert any(e["event"] == "corrected" and e["detail"]["fields"] == ["chart"] for e in trail)
    assert "Whitfield" not in str(trail)

    assert provider.get(f"/drafts/{second}/letter.txt").status_code == 409
    resp = _post(provider, f"/drafts/{second}/necessity/release", {})
    assert resp.status_code == 303 and resp.headers["Location"].endswith("#done-checks")
    assert _store(app).get(second)["status"] == DraftStatus.RELEASED.value
    txt = provider.get(f"/drafts/{second}/letter.txt")
    assert txt.status_code == 200 and "72148" in txt.get_data(as_text=True)
    assert "letter-of-medical-necessity-" in txt.headers["Content-Disposition"]


def test_an_invalid_request_is_shown_again_with_field_names(app, provider) -> None:
    resp = _post(
        provider, "/necessity", {**FORM, "signer_npi": "", "service_code": "", "action": "draft"}
    )
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "Signer&#39;s NPI" in page and "Service code" in page
    assert "signer.npi" not in page and "service.code" not in page
    assert 'value="Dana Whitfield"' in page
    assert _store(app).count() == 0
    bad = _post(provider, "/necessity", {**FORM, "signer_npi": "1234567890", "action": "draft"})
    assert bad.status_code == 422 and "The signer&#39;s NPI is not a valid NPI" in bad.get_data(
        as_text=True
    )


def test_appeal_actions_refuse_a_necessity_draft_and_back(app, provider) -> None:
    draft_id = _draft_id(_post(provider, "/necessity", {**FORM, "action": "draft"}))
    admin = web_client(app, role="admin")
    assert _post(admin, f"/drafts/{draft_id}/release", {}).status_code == 409
    assert _post(admin, f"/drafts/{draft_id}/denial", {"payer": "X"}).status_code == 409


def test_a_biller_may_not_draft_a_necessity_letter(app) -> None:
    biller = web_client(app, role="biller")
    assert biller.get("/necessity").status_code == 403
    assert "New letter of medical necessity" not in biller.get("/drafts").get_data(as_text=True)


def test_a_necessity_draft_made_through_the_api_opens_in_the_workspace(app) -> None:
    from support import api_client
    from web_lmn import FORM as form

    from service.web.lmn import body_from

    resp = api_client(app, role="provider").post("/v1/necessity-letters", json=body_from(form))
    assert resp.status_code == 201
    page = web_client(app, role="biller").get(f"/drafts/{resp.get_json()['draft_id']}")
    assert page.status_code == 200 and "Criteria and evidence" in page.get_data(as_text=True)


def test_the_form_and_the_request_map_both_ways() -> None:
    from service.web.lmn import body_from, changed_paths, values_of

    body = body_from(FORM)
    assert body["signer"] == {
        "name": "Maria Lopez",
        "credentials": "MD",
        "npi": "1234567893",
        "phone": "555-010-2000",
    }
    assert body["diagnosis_codes"] == ["M54.16"] and "member_id" not in body["patient"]
    assert {k: v for k, v in values_of(body).items() if v} == {k: v for k, v in FORM.items() if v}
    assert changed_paths(body, body_from({**FORM, "member_id": "X1"})) == ["patient.member_id"]
