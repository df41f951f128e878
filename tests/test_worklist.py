"""The drafts list as a biller's worklist: who, what, which payer, which state, how urgent;
filters by state and payer; failed attempts hidden and dismissible, with an audit trail."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from support import web_client

from service.web.states import STATES, state_of


@pytest.fixture
def wclient(app):
    return web_client(app, role="biller")


def _store(app):
    return app.extensions["overturn"].store()


def _token(client) -> str:
    page = client.get("/drafts").get_data(as_text=True)
    return re.search(r'name="form_token" value="([^"]+)"', page).group(1)


def _add(app, payer, *, status="held", ready=False, patient="Dana Whitfield", deadline=None):
    store = _store(app)
    draft_id = store.save_input("appeal", {"denial": "x"})
    summary = {
        "patient": patient,
        "service": "72148 MRI lumbar",
        "reference": "CLM-1",
        "ready": ready,
    }
    store.save_result(draft_id, status, "{}", payer=payer, deadline=deadline, summary=summary)
    return draft_id


def _failed(app) -> str:
    store = _store(app)
    draft_id = store.save_input("appeal", {"denial": "pasted text"})
    store.mark_failed(draft_id, "internal")
    return draft_id


def _table(page: str) -> str:
    return page[page.index("<table") :] if "<table" in page else ""


def test_rows_show_patient_service_payer_reference_state_and_days_left(app, wclient) -> None:
    _add(app, "Northwind Health", ready=True, deadline=dt.date(2026, 12, 2))
    table = _table(wclient.get("/drafts").get_data(as_text=True))
    for header in ("Patient", "Service", "Payer", "Reference", "State", "Deadline", "Days left"):
        assert f">{header}<" in table
    for shown in ("Dana Whitfield", "72148 MRI lumbar", "Northwind Health", "CLM-1", ">10<"):
        assert shown in table
    assert "Ready to release" in table and "held" not in table


def test_the_summary_is_encrypted_at_rest(app) -> None:
    from sqlalchemy import text

    _add(app, "Northwind Health")
    with _store(app).engine.connect() as conn:
        raw = conn.execute(text("SELECT summary_json, payer FROM drafts")).one()
    assert "Dana" not in raw.summary_json and raw.payer == "Northwind Health"


def test_states_are_named_for_what_they_mean() -> None:
    assert state_of("held", False).name == "Needs information"
    assert state_of("held", True).name == "Ready to release"
    assert state_of("released", True).name == "Released"
    assert state_of("failed", None).name == "Failed"
    assert state_of("interrupted", None).name == "Interrupted"
    assert all(s.meaning for s in STATES)


def test_filters_by_state_and_payer(app, wclient) -> None:
    _add(app, "Northwind Health", patient="Ann Ready", ready=True)
    _add(app, "Northwind Health", patient="Bo Needs", ready=False)
    _add(app, "Acme Health", patient="Cy Released", status="released", ready=True)

    def names(query: str) -> set[str]:
        table = _table(wclient.get("/drafts" + query).get_data(as_text=True))
        return {n for n in ("Ann Ready", "Bo Needs", "Cy Released") if n in table}

    assert names("") == {"Ann Ready", "Bo Needs", "Cy Released"}
    assert names("?state=ready") == {"Ann Ready"}
    assert names("?state=needs-information") == {"Bo Needs"}
    assert names("?state=released") == {"Cy Released"}
    assert names("?payer=Acme+Health") == {"Cy Released"}
    assert names("?payer=Northwind+Health&state=ready") == {"Ann Ready"}
    page = wclient.get("/drafts").get_data(as_text=True)
    assert '<option value="Acme Health"' in page and '<option value="Northwind Health"' in page


def test_failed_attempts_are_hidden_until_asked_for(app, wclient) -> None:
    _add(app, "Northwind Health")
    failed = _failed(app)
    page = wclient.get("/drafts").get_data(as_text=True)
    assert failed not in page and "1 failed attempt" in page
    shown = wclient.get("/drafts?failed=1").get_data(as_text=True)
    assert failed in shown and "Dismiss" in shown
    assert failed in wclient.get("/drafts?state=failed").get_data(as_text=True)


def test_dismiss_erases_a_failed_attempt_and_is_audited(app, wclient) -> None:
    failed = _failed(app)
    resp = wclient.post(
        f"/drafts/{failed}/dismiss", data={"form_token": _token(wclient), "failed": "1"}
    )
    assert resp.status_code == 303 and "failed=1" in resp.headers["Location"]
    assert "Dismissed" in wclient.get(resp.headers["Location"]).get_data(as_text=True)
    assert _store(app).count("failed") == 0
    trail = _store(app).audit_trail(failed)
    assert trail[-1]["event"] == "dismissed" and trail[-1]["by"].endswith("(biller)")


def test_a_drafted_letter_cannot_be_dismissed(app, wclient) -> None:
    draft_id = _add(app, "Northwind Health")
    resp = wclient.post(f"/drafts/{draft_id}/dismiss", data={"form_token": _token(wclient)})
    assert resp.status_code == 409
    assert _store(app).get(draft_id)["status"] == "held"


def test_qa_may_read_the_list_but_not_dismiss(app) -> None:
    failed = _failed(app)
    qa = web_client(app, role="qa")
    assert "Dismiss" not in qa.get("/drafts?failed=1").get_data(as_text=True)
    resp = qa.post(f"/drafts/{failed}/dismiss", data={"form_token": _token(qa)})
    assert resp.status_code == 403


def test_a_draft_stored_before_summaries_gets_one_on_first_listing(app, wclient) -> None:
    from test_web import CHART, _start  # a real appeal, drafted through the workspace

    draft_id = _start(wclient, CHART)
    store = _store(app)
    with store.engine.begin() as conn:
        from sqlalchemy import text

        conn.execute(text("UPDATE drafts SET summary_json = NULL, ready = NULL"))
    table = _table(wclient.get("/drafts").get_data(as_text=True))
    assert "Jordan Avery" in table and "70336" in table  # the chart's patient, the denied code
    assert store.list_recent()[0]["summary"]["patient"] == "Jordan Avery"
    assert draft_id in table
