"""A provider's letter of medical necessity in a real browser: fill the request and paste the
chart, check readiness first, draft, correct the chart on the draft, release, download; then
the worklist. Screenshots go to tests/artifacts/."""

from __future__ import annotations

from driving import (
    find,
    find_all,
    goto,
    in_view,
    paste,
    press,
    set_value,
    sign_in,
    submit,
    type_into,
    wait_file,
)
from web_lmn import FORM, TREATMENT

SELECTS = ("plan_type", "purpose")


def _fill(browser) -> None:  # type: ignore[no-untyped-def]
    for name, value in FORM.items():
        if name in SELECTS:
            set_value(browser, f"#f-{name}", value)
        elif name == "chart":
            paste(browser, "#f-chart", value)
        elif value:
            type_into(browser, f"#f-{name}", value)


def test_necessity_request_to_download(app, browser, live_server, shot, downloads) -> None:  # type: ignore[no-untyped-def]
    store = app.extensions["overturn"].store()

    # 0. A provider signs in; the workspace offers a letter of medical necessity.
    sign_in(browser, live_server, app, "provider")
    browser.get(live_server + "/drafts")
    find(browser, "nav a[href='/necessity']").click()
    assert browser.current_url.endswith("/necessity")

    # 1. Fill the request and paste the chart; check readiness first (nothing is kept).
    _fill(browser)
    shot("lmn-01-request")
    press(browser, "#check-readiness")
    readiness = find(browser, "#evidence").text
    assert "Not documented" in readiness and "Needed:" in readiness and "Met" in readiness
    assert find(browser, "#f-patient_name").get_property("value") == "Dana Whitfield"
    assert store.count() == 0
    goto(browser, "evidence")
    shot("lmn-02-readiness")

    # 2. Draft it anyway: the draft needs information, and says which criterion and why.
    press(browser, "#draft-letter")
    assert "/drafts/" in browser.current_url
    head = find(browser, ".draft-head").text
    assert "Letter of medical necessity" in head and "Needs information" in head
    assert "1 criterion not documented" in head
    assert "NWH448812" in find(browser, "dl.identity").text  # the chart's member ID
    assert "from the chart" in find(browser, "dl.identity").text
    problems = [a.text for a in find_all(browser, "#checks .problems a")]
    assert "Policy criterion: Coverage criteria > 2" in problems, problems
    assert find(browser, "#release").get_property("disabled")
    shot("lmn-03-needs-information")

    # 3. Correct: add the treatment notes to the chart; a new version is drafted, ready.
    chart = find(browser, "#f-chart").get_property("value")
    paste(browser, "#f-chart", chart.rstrip("\n") + "\n" + TREATMENT)
    submit(browser, "form.request")
    assert "Corrected: Chart notes." in find(browser, "#done-read").text
    assert in_view(browser, "#done-read")
    assert "Ready to release" in find(browser, ".draft-head").text
    assert not find_all(browser, "#evidence .criterion.gap")
    shot("lmn-04-corrected")

    # 4. Release beside the letter, then download it.
    goto(browser, "letter")
    shot("lmn-05-letter-and-checks")
    press(browser, "#release")
    assert "Released" in find(browser, "#done-checks").text
    assert in_view(browser, "#done-checks")
    shot("lmn-06-released")
    find(browser, "#download-txt").click()
    body = wait_file(downloads, ".txt").read_text(encoding="utf-8")
    assert "72148" in body and "Dana Whitfield" in body and "Maria Lopez" in body

    # 5. The worklist: the released letter, its replaced first version hidden.
    browser.get(live_server + "/drafts")
    rows = find_all(browser, "table.drafts tbody tr")
    assert len(rows) == 1
    for shown in ("Dana Whitfield", "Letter of medical necessity", "72148", "Released"):
        assert shown in rows[0].text
    shot("lmn-07-drafts")
