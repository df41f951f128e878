"""The biller's whole appeal flow in a real browser, on a real denial letter: paste, see what was
read (identity from the chart), correct fields, see a gap, add a chart note, an invented code
fails the check, fix it, release, download; then the worklist. A screenshot per step goes to
tests/artifacts/ (conftest.py here serves the app and drives Chromium)."""

from __future__ import annotations

from driving import (
    find,
    find_all,
    goto,
    in_view,
    paste,
    press,
    rect,
    set_value,
    sign_in,
    submit,
    type_into,
    wait_file,
)
from support import denial_letter

# Made-up chart notes: who the patient and dentist are, and one treatment tried.
CHART = """Patient: Jordan Avery
DOB: 04/12/1985
Member ID: AIM55102

Progress note 2026-08-03
Chief complaint: jaw pain and clicking, right TMJ, for 6 months. Grinds teeth at night.
Assessment: Temporomandibular joint disorder, right side (M26.601). Bruxism.
Plan: ibuprofen 600 mg three times daily for 6 weeks; MRI of the TMJ if no improvement.

Signed: Priya Raman, DDS
NPI: 1234567893
Phone: 555-010-2000
"""

# What the biller adds once the gaps show what the payer asked for.
NOTE = "\n".join(
    [
        "Follow-up note 2026-09-20",
        "Ibuprofen 600 mg taken for 6 weeks with no relief. Soft diet advised on 2026-08-03 and "
        "followed for 6 weeks without improvement. Occlusal splint fitted 2026-08-10 and worn "
        "nightly for 6 weeks; pain persists.",
        "Panoramic x-ray 2026-08-03: no fracture or arthritis seen; non-diagnostic for internal "
        "derangement.",
        "Assessment 2026-09-20: working diagnosis internal derangement of the right TMJ (M26.601).",
        "Oral surgery consult 2026-09-20: patient is a surgical candidate and willing to proceed "
        "with arthroscopy if the MRI confirms internal derangement. Medically cleared.",
        "",
    ]
)

# What the denial letter did not say, or said in a way the biller corrects.
CORRECTIONS = {"payer": "Anthem Blue Cross", "diagnosis_codes": "M26.601"}


def test_paste_to_download(app, browser, live_server, shot, downloads) -> None:  # type: ignore[no-untyped-def]
    letter_text = denial_letter("jawjoint-mri")

    # 0. The workspace asks who you are; a biller signs in with a one-time link.
    browser.get(live_server + "/")
    assert "/login" in browser.current_url
    sign_in(browser, live_server, app, "biller")

    # 1. Paste. What is typed survives a reload (kept in the browser as it is typed).
    browser.get(live_server + "/")
    paste(browser, "#denial", letter_text)
    find(browser, "#chart").send_keys(CHART)
    browser.refresh()
    assert "Service/Item: 70336" in find(browser, "#denial").get_property("value")
    assert "Jordan Avery" in find(browser, "#chart").get_property("value")
    shot("appeal-01-paste")
    submit(browser, "form.paste")

    # 2. What was read, each field beside its highlighted source; the patient's name, member
    # ID and date of birth the denial left out are the chart's, and say so.
    assert "/drafts/" in browser.current_url
    assert find(browser, "#f-reviewer").get_property("value") == "AIM Specialty Health"
    assert find(browser, "mark#src-service_lines-0-code").text == "70336"
    assert find(browser, "#f-patient_name").get_property("value") == "Jordan Avery"
    assert find(browser, "#f-member_id").get_property("value") == "AIM55102"
    assert find(browser, "#f-date_of_birth").get_property("value") == "1985-04-12"
    assert "from the chart" in find(browser, "#n-patient_name").text
    assert find(browser, "#release").get_property("disabled")
    assert "Needs information" in find(browser, ".draft-head .meta").text
    shot("appeal-02-read")

    # 3. Correct what the letter did not say; the confirmation names the fields in words,
    # beside the button, on screen.
    for name, value in CORRECTIONS.items():
        type_into(browser, f"#f-{name}", value)
    set_value(browser, "#f-denial_date", "2026-10-15")
    set_value(browser, "#f-plan_type", "commercial")
    submit(browser, "form.fields")
    done = find(browser, "#done-read").text
    assert "Corrected: Payer, Date of denial, Plan type, Diagnosis codes." in done, done
    assert in_view(browser, "#done-read")
    assert find(browser, "#f-payer").get_property("value") == "Anthem Blue Cross"
    assert "days left" in find(browser, ".draft-head .meta").text
    shot("appeal-03-corrected")

    # 4. The evidence shows gaps, each saying what documentation would fill it.
    gaps = find_all(browser, ".criterion.gap")
    assert gaps, "the chart lacks the payer's stated criteria, so gaps must show"
    assert all("Needed:" in g.text for g in gaps)
    goto(browser, "evidence")
    shot("appeal-04-gap")

    # 5. Add a chart note: everything is drafted again as a new version, without the gaps.
    old_url = browser.current_url.split("#")[0]
    paste(browser, "#f-notes", NOTE)
    submit(browser, "form#notes")
    assert browser.current_url.split("#")[0] != old_url
    assert not find_all(browser, ".criterion.gap")
    assert in_view(browser, "#done-notes")
    shot("appeal-05-note-added")

    # 6. Edit the letter: an invented code fails the check and blocks release; the check
    # names the point as a biller counts it ...
    box = "#edit-points-0-text"
    original = find(browser, box).get_property("value")
    type_into(browser, box, original + " The patient also had CPT 70553 last year.")
    submit(browser, "form.letter-form")
    assert find_all(browser, "#checks .bad")
    assert "Point 1" in [a.text for a in find_all(browser, "#checks .problems a")]
    assert "points[" not in find(browser, "#checks").text
    assert find(browser, "#release").get_property("disabled")
    assert in_view(browser, "#done-letter")
    shot("appeal-06-check-fails")

    # ... and fixing the wording passes it again: ready to release, not yet released.
    type_into(browser, box, original + " The notes are enclosed.")
    submit(browser, "form.letter-form")
    assert find_all(browser, "#checks .ok"), find(browser, "#checks").text
    assert "Ready to release" in find(browser, ".draft-head .meta").text
    assert not find(browser, "#release").get_property("disabled")

    # The letter and its checks sit side by side on a laptop's screen ...
    letter, checks = rect(browser, "#letter"), rect(browser, "#checks")
    assert checks["left"] >= letter["right"] - 1 and checks["top"] < letter["bottom"]
    goto(browser, "letter")
    shot("appeal-07-check-passes")
    # ... and one above the other on a narrow one.
    browser.set_window_size(760, 900)
    letter, checks = rect(browser, "#letter"), rect(browser, "#checks")
    assert checks["top"] >= letter["bottom"] - 1
    goto(browser, "checks")
    shot("appeal-08-narrow")
    browser.set_window_size(1366, 768)

    # 7. Release, then download the letter as text and as PDF.
    press(browser, "#release")
    assert "Released" in find(browser, "#done-checks").text
    assert in_view(browser, "#done-checks")
    assert "Released" in find(browser, ".draft-head .meta").text
    shot("appeal-09-released")
    find(browser, "#download-txt").click()
    body = wait_file(downloads, ".txt").read_text(encoding="utf-8")
    assert "70336" in body and "The notes are enclosed." in body
    assert "70553" not in body
    find(browser, "#download-pdf").click()
    assert wait_file(downloads, ".pdf").read_bytes().startswith(b"%PDF")

    # 8. The worklist shows who, what, which payer and that it is released; the replaced
    # version is hidden.
    browser.get(live_server + "/drafts")
    rows = find_all(browser, "table.drafts tbody tr")
    assert len(rows) == 1
    for shown in ("Jordan Avery", "70336", "Anthem Blue Cross", "Released"):
        assert shown in rows[0].text
    assert "1 older version" in find(browser, "main").text
    shot("appeal-10-drafts")
