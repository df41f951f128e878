"""The biller's workspace through Flask's test client: paste, correct, add notes, edit, release.

Behaviour pinned: nothing typed is lost on failure, corrections re-draft from the corrected
fields, a letter is released only with a passing check, and PHI never reaches the audit trail."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from support import denial_letter, web_client

from service.errors import BadInput, IndexUnavailable, SchemaError
from service.models import DraftStatus, Span
from service.web.present import highlight, problem_anchor

CHART = """Patient: Jordan Avery
Member ID: AIM55102

Progress note 2026-08-03
Chief complaint: jaw pain and clicking, right TMJ, for 6 months.
Plan: ibuprofen 600 mg three times daily for 6 weeks; MRI of the TMJ if no improvement.

Signed: Priya Raman, DDS
NPI: 1234567893
"""
NOTE = (
    "Follow-up note 2026-09-20\n"
    "Ibuprofen 600 mg taken for 6 weeks with no relief. Soft diet advised on 2026-08-03 and "
    "followed for 6 weeks without improvement. Occlusal splint fitted 2026-08-10 and worn "
    "nightly for 6 weeks; pain persists.\n"
    "Panoramic x-ray 2026-08-03: no fracture seen; non-diagnostic for internal derangement.\n"
    "Assessment 2026-09-20: working diagnosis internal derangement of the right TMJ (M26.601).\n"
    "Oral surgery consult 2026-09-20: patient is a surgical candidate and willing to proceed "
    "with arthroscopy. Medically cleared.\n"
)
FIXES = {
    "payer": "Anthem Blue Cross",
    "patient_name": "Jordan Avery",
    "member_id": "AIM55102",
    "diagnosis_codes": "M26.601",
    "denial_date": "2026-10-15",
    "plan_type": "commercial",
}


@pytest.fixture
def wclient(app):
    assert "web" in app.blueprints  # create_app registers the workspace itself
    return web_client(app, role="biller")


def _token(client) -> str:
    page = client.get("/").get_data(as_text=True)
    return re.search(r'name="form_token" value="([^"]+)"', page).group(1)


def _post(client, url: str, data: dict, **kw):
    return client.post(url, data={"form_token": _token(client), **data}, **kw)


def _store(app):
    return app.extensions["overturn"].store()


def _result(app, draft_id: str):
    from service.web.workflow import load_result

    return load_result(_store(app).get(draft_id)["result"])


def _start(client, chart: str = CHART) -> str:
    resp = _post(client, "/", {"denial": denial_letter("jawjoint-mri"), "chart": chart})
    assert resp.status_code == 303
    return resp.headers["Location"].rsplit("/", 1)[1]


def _fields_form(client, draft_id: str) -> dict[str, str]:
    """Every input of the corrections form with its current value, as a browser would send."""
    page = client.get(f"/drafts/{draft_id}").get_data(as_text=True)
    form = page[page.index('class="fields"') : page.index("</form>", page.index('class="fields"'))]
    data = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form, re.S))
    for name, body in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', form, re.S):
        data[name] = body
    data["plan_type"] = "unknown"
    return {k: v.replace("&#39;", "'").replace("&amp;", "&") for k, v in data.items()}


def test_paste_page_is_labelled_and_accepts_pdf(wclient) -> None:
    page = wclient.get("/").get_data(as_text=True)
    for box in ("denial", "chart", "denial_file", "chart_file"):
        assert f'<label for="{box}"' in page and f'id="{box}"' in page
    assert 'accept=".txt,.pdf' in page


def test_post_without_form_token_is_refused(wclient) -> None:
    resp = wclient.post("/", data={"denial": "x"})
    assert resp.status_code == 403 and resp.mimetype == "text/html"


def test_failed_request_keeps_what_was_typed(app, wclient) -> None:
    resp = _post(wclient, "/", {"denial": "   ", "chart": "notes typed by hand"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert "notes typed by hand" in page and 'role="alert"' in page
    assert _store(app).count() == 0  # an empty paste is refused before it is kept


def test_a_draft_whose_drafting_failed_reopens_with_its_input(app, wclient, monkeypatch) -> None:
    import service.pipelines.appeal as appeals

    def boom(*a, **k):
        raise IndexUnavailable("The policy index is unavailable.")

    monkeypatch.setattr(appeals, "draft_case", boom)
    resp = _post(wclient, "/", {"denial": denial_letter("jawjoint-mri"), "chart": "typed notes"})
    assert resp.status_code == 503
    (row,) = _store(app).list_recent()
    assert row["status"] == "failed"
    # Reopening the failed draft shows its input again.
    assert "typed notes" in wclient.get(f"/drafts/{row['id']}").get_data(as_text=True)


def test_pdf_upload_is_refused_by_name(wclient) -> None:
    import io

    data = {"denial": "", "denial_file": (io.BytesIO(b"%PDF-1.7 ..."), "denial.pdf")}
    resp = _post(wclient, "/", data, content_type="multipart/form-data")
    assert resp.status_code == 400 and "denial_file" in resp.get_data(as_text=True)


def test_text_upload_is_read(app, wclient) -> None:
    import io

    data = {
        "denial": "",
        "denial_file": (io.BytesIO(denial_letter("jawjoint-mri").encode()), "denial.txt"),
    }
    resp = _post(wclient, "/", data, content_type="multipart/form-data")
    assert resp.status_code == 303


def test_draft_page_shows_understood_fields_with_sources_and_gaps(app, wclient) -> None:
    draft_id = _start(wclient)
    page = wclient.get(f"/drafts/{draft_id}").get_data(as_text=True)
    mark = re.search(r'<mark[^>]*id="src-service_lines-0-code"[^>]*>([^<]*)</mark>', page)
    assert mark and mark.group(1) == "70336"
    assert 'href="#src-service_lines-0-code"' in page
    result = _result(app, draft_id)
    for sc in result.denial.stated_criteria:
        assert sc.text in page
    assert result.evidence.gaps and page.count('class="badge gap"') == len(result.evidence.gaps)
    assert "Needed:" in page
    assert re.search(r'<button[^>]*id="release"[^>]*disabled', page)
    assert result.status is DraftStatus.HELD


def test_correction_redrafts_from_corrected_fields_and_audits_names_only(app, wclient) -> None:
    draft_id = _start(wclient)
    form = {**_fields_form(wclient, draft_id), **FIXES}
    resp = _post(wclient, f"/drafts/{draft_id}/denial", form)
    assert resp.status_code == 303
    result = _result(app, draft_id)
    assert result.denial.payer == "Anthem Blue Cross"
    assert result.denial.denial_date == dt.date(2026, 10, 15)
    assert [d.code for d in result.denial.diagnosis_codes] == ["M26.601"]
    assert result.triage.deadline is not None  # the corrected notice date starts the clock
    assert "payer" not in result.denial.sources  # corrected: no longer from the letter
    assert "service_lines[0].code" in result.denial.sources  # untouched: still highlighted
    assert "Anthem Blue Cross" in result.text
    trail = _store(app).audit_trail(draft_id)
    corrected = [e for e in trail if e["event"] == "corrected"]
    assert corrected and "payer" in corrected[0]["detail"]["fields"]
    assert "Jordan" not in str(trail) and "AIM55102" not in str(trail)
    page = wclient.get(f"/drafts/{draft_id}").get_data(as_text=True)
    assert "days left" in page


def test_invalid_correction_is_shown_with_typed_values(app, wclient) -> None:
    draft_id = _start(wclient)
    form = {**_fields_form(wclient, draft_id), "diagnosis_codes": "Q99.999", "payer": "Typed Co"}
    resp = _post(wclient, f"/drafts/{draft_id}/denial", form)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "diagnosis_codes" in page and 'value="Typed Co"' in page
    assert _result(app, draft_id).denial.payer is None  # nothing was saved


def test_notes_fill_gaps_then_edit_revalidates_and_release_is_gated(app, wclient) -> None:
    draft_id = _start(wclient)
    _post(wclient, f"/drafts/{draft_id}/denial", {**_fields_form(wclient, draft_id), **FIXES})
    resp = _post(wclient, f"/drafts/{draft_id}/notes", {"notes": NOTE})
    new_id = resp.headers["Location"].split("/drafts/")[1].split("#")[0]
    assert new_id != draft_id
    result = _result(app, new_id)
    assert not result.evidence.gaps and result.denial.payer == "Anthem Blue Cross"
    assert result.report.ok and result.status is DraftStatus.HELD  # a person releases it
    # The replaced draft leaves the list (and says where its successor is).
    listing = wclient.get("/drafts").get_data(as_text=True)
    assert new_id in listing and f'/drafts/{draft_id}"' not in listing
    assert new_id in wclient.get(f"/drafts/{draft_id}").get_data(as_text=True)

    # Downloading a held letter is refused.
    assert wclient.get(f"/drafts/{new_id}/letter.txt").status_code == 409

    # An invented code fails the check; release is then refused by the server too.
    original = result.letter.points[0].text
    bad = {"points[0].text": original + " Also billed CPT 70553."}
    _post(wclient, f"/drafts/{new_id}/letter", bad)
    assert not _result(app, new_id).report.ok
    assert _post(wclient, f"/drafts/{new_id}/release", {}).status_code == 409
    assert _store(app).get(new_id)["status"] == "held"

    _post(wclient, f"/drafts/{new_id}/letter", {"points[0].text": original + " Enclosed."})
    fixed = _result(app, new_id)
    assert fixed.report.ok and "Enclosed." in fixed.text
    assert _post(wclient, f"/drafts/{new_id}/release", {}).status_code == 303
    assert _store(app).get(new_id)["status"] == "released"

    txt = wclient.get(f"/drafts/{new_id}/letter.txt")
    assert txt.status_code == 200 and "attachment" in txt.headers["Content-Disposition"]
    assert txt.get_data(as_text=True) == fixed.text


def test_drafts_list_is_sorted_by_urgency(app, wclient) -> None:
    store = _store(app)
    for payer, deadline, status in [
        ("Late Co", dt.date(2026, 12, 30), "held"),
        ("Soon Co", dt.date(2026, 11, 29), "held"),
        ("Done Co", dt.date(2026, 11, 25), "released"),
        ("Open Co", None, "held"),
    ]:
        draft_id = store.save_input("appeal", {"denial": "x"})
        store.save_result(draft_id, status, "{}", payer=payer, deadline=deadline)
    page = wclient.get("/drafts").get_data(as_text=True)
    page = page[page.index("<table") :]  # the payer filter lists them too, by name
    order = [page.index(p) for p in ("Soon Co", "Late Co", "Open Co", "Done Co")]
    assert order == sorted(order)
    assert re.search(r"Soon Co.*?>7<", page, re.S)  # 2026-11-22 -> 2026-11-29


def test_highlight_cuts_overlapping_spans_without_losing_text() -> None:
    text = "Claim 12345 for CPT 70336 denied."
    segs = highlight(text, {"a": Span(start=6, end=25), "b": Span(start=20, end=25)})
    assert "".join(s.text for s in segs) == text
    assert [s.keys for s in segs if s.text == "70336"] == [["a", "b"]]
    anchors = [a for s in segs for a in s.anchors]
    assert sorted(anchors) == ["src-a", "src-b"]  # each field's id appears once


def test_problem_anchor_points_at_the_box_to_fix() -> None:
    assert problem_anchor("points[2].text") == "edit-points-2-text"
    assert problem_anchor("signer.npi") == "checks"  # from the chart: nothing on the page fixes it
    assert problem_anchor("identifiers.Member ID") == "f-member_id"
    assert problem_anchor("identifiers.Date of denial") == "f-denial_date"
    assert problem_anchor("recipient") == "f-payer"
    assert problem_anchor("criteria.SC1") == "crit-SC1"
    assert problem_anchor("signer.npi", "necessity") == "f-signer_npi"
    assert problem_anchor("points[0].text", "necessity") == "checks"  # an LMN is not edited


def test_revise_refuses_unknown_and_empty_fields(app, wclient, settings) -> None:
    from service.intake.request import read_chart
    from service.pipelines.revise import revise

    draft_id = _start(wclient)
    result = _result(app, draft_id)
    chart = read_chart(CHART, settings)
    with pytest.raises(SchemaError):
        revise(result, {"signer.npi": "1"}, settings=settings, chart=chart)
    with pytest.raises(BadInput):
        revise(result, {"opening": "  "}, settings=settings, chart=chart)
    edited = revise(result, {"closing": "Thank you."}, settings=settings, chart=chart)
    assert edited.letter.closing == "Thank you." and "Thank you." in edited.text
    assert any("closing" in n for n in edited.provenance.notes)


def test_identity_fields_show_the_value_the_letter_uses_and_its_source(app, wclient) -> None:
    draft_id = _start(wclient)
    result = _result(app, draft_id)
    assert result.denial.patient_name is None  # the denial letter does not name the patient
    page = wclient.get(f"/drafts/{draft_id}").get_data(as_text=True)
    assert re.search(r'id="f-patient_name"[^>]*value="Jordan Avery"', page)
    assert re.search(r'id="f-member_id"[^>]*value="AIM55102"', page)
    assert page.count("from the chart") >= 2
    # Saving the form as shown is not a correction of those fields.
    resp = _post(wclient, f"/drafts/{draft_id}/denial", _fields_form(wclient, draft_id))
    assert resp.headers["Location"].endswith("#done-read")
    shown = wclient.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Patient name" not in shown[shown.index('id="done-read"') :][:300]


def test_confirmations_name_fields_in_words_beside_their_button(app, wclient) -> None:
    draft_id = _start(wclient)
    form = {**_fields_form(wclient, draft_id), "payer": "Anthem Blue Cross", "member_id": "X99"}
    resp = _post(wclient, f"/drafts/{draft_id}/denial", form)
    page = wclient.get(resp.headers["Location"]).get_data(as_text=True)
    done = re.search(r'id="done-read".*?</div>', page, re.S).group(0)
    assert "Corrected: Payer, Member ID. The letter was drafted again." in done
    assert "member_id" not in done
    # it sits in the corrections form, just before its button, not at the top of the page
    form_html = page[
        page.index('class="fields"') : page.index("</form>", page.index('class="fields"'))
    ]
    assert 'id="done-read"' in form_html
    assert page.index('id="done-read"') > page.index('id="read-h"')


def test_check_messages_use_field_names_and_1_based_points(app, wclient) -> None:
    draft_id = _start(wclient)
    _post(wclient, f"/drafts/{draft_id}/denial", {**_fields_form(wclient, draft_id), **FIXES})
    new_id = _post(wclient, f"/drafts/{draft_id}/notes", {"notes": NOTE}).headers["Location"]
    new_id = new_id.split("/drafts/")[1].split("#")[0]
    result = _result(app, new_id)
    assert len(result.letter.points) >= 2
    second = result.letter.points[1].text
    _post(wclient, f"/drafts/{new_id}/letter", {"points[1].text": second + " Also CPT 70553."})
    page = wclient.get(f"/drafts/{new_id}").get_data(as_text=True)
    checks = page[page.index('id="checks"') :]
    assert re.search(r'<a href="#edit-points-1-text">Point 2</a>', checks)
    assert "points[" not in checks and "identifiers." not in checks and "signer." not in checks
    assert "Needs information" in page


def test_a_passing_draft_is_ready_to_release_not_held(app, wclient) -> None:
    draft_id = _start(wclient)
    _post(wclient, f"/drafts/{draft_id}/denial", {**_fields_form(wclient, draft_id), **FIXES})
    new_id = _post(wclient, f"/drafts/{draft_id}/notes", {"notes": NOTE}).headers["Location"]
    new_id = new_id.split("/drafts/")[1].split("#")[0]
    page = wclient.get(f"/drafts/{new_id}").get_data(as_text=True)
    assert "Ready to release" in page and ">held<" not in page
    assert _store(app).get(new_id)["status"] == "held"  # a person still has to release it
    _post(wclient, f"/drafts/{new_id}/release", {})
    assert "Released" in wclient.get(f"/drafts/{new_id}").get_data(as_text=True)
