"""The whole biller flow in a real browser, on a real denial letter: paste, correct a field,
see a gap, add a chart note, re-validate, release, download. A screenshot per step goes to
tests/artifacts/.

Skips cleanly where Chromium, its driver or Selenium is missing, so the rest of the suite runs
anywhere; CI installs them (see README.md here). The fixtures live in this file: a second
conftest.py would shadow tests/conftest.py for `from conftest import ...`."""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import denial_letter, signin_path

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--disable-dev-shm-usage",
    "--window-size=1366,768",
)


def _driver_path() -> str | None:
    return shutil.which("chromedriver") or (
        "/usr/bin/chromedriver" if Path("/usr/bin/chromedriver").exists() else None
    )


@pytest.fixture
def live_server(app) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The app (with the web workspace and a fake retriever) served on 127.0.0.1 in a thread."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture
def downloads(tmp_path: Path) -> Path:
    path = tmp_path / "downloads"
    path.mkdir()
    return path


@pytest.fixture
def browser(tmp_path: Path, downloads: Path):  # type: ignore[no-untyped-def]
    """A fresh headless Chromium profile at a laptop's 1366x768."""
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed at /usr/bin/chromium (apt-get install chromium)")
    driver_path = _driver_path()
    if driver_path is None:
        pytest.skip("chromedriver is not installed (apt-get install chromium-driver)")
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
    from selenium.webdriver.chrome.service import Service

    os.environ.setdefault("SE_OFFLINE", "true")  # never let Selenium Manager fetch anything
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'profile'}")
    options.add_experimental_option(
        "prefs",
        {"download.default_directory": str(downloads), "download.prompt_for_download": False},
    )
    driver = webdriver.Chrome(options=options, service=Service(executable_path=driver_path))
    driver.set_window_size(1366, 768)
    driver.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
    )
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def shot(browser):  # type: ignore[no-untyped-def]
    """Save a screenshot of the current page as tests/artifacts/<name>.png."""
    ARTIFACTS.mkdir(exist_ok=True)

    def take(name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        browser.save_screenshot(str(path))
        return path

    return take


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

CORRECTIONS = {
    "payer": "Anthem Blue Cross",
    "patient_name": "Jordan Avery",
    "member_id": "AIM55102",
    "diagnosis_codes": "M26.601",
}


def _by(browser, css: str):  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    return browser.find_element(By.CSS_SELECTOR, css)


def _all(browser, css: str) -> list:  # type: ignore[type-arg]
    from selenium.webdriver.common.by import By

    return browser.find_elements(By.CSS_SELECTOR, css)


def _type(browser, css: str, text: str) -> None:  # type: ignore[no-untyped-def]
    box = _by(browser, css)
    box.clear()
    box.send_keys(text)


def _set(browser, css: str, value: str) -> None:  # type: ignore[no-untyped-def]
    # Date and select inputs: set the value the way a picker would, whatever the locale.
    browser.execute_script(
        "arguments[0].value = arguments[1];"
        "arguments[0].dispatchEvent(new Event('change', {bubbles: true}));",
        _by(browser, css),
        value,
    )


def _paste(browser, css: str, text: str) -> None:  # type: ignore[no-untyped-def]
    # A paste, not typing: the letter holds tabs, which typing would turn into focus moves.
    browser.execute_script(
        "arguments[0].focus(); arguments[0].value = arguments[1];"
        "arguments[0].dispatchEvent(new InputEvent('input', {bubbles: true,"
        " inputType: 'insertFromPaste'}));",
        _by(browser, css),
        text,
    )


def _submit(browser, form_css: str) -> None:  # type: ignore[no-untyped-def]
    button = _by(browser, f"{form_css} button[type=submit]")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
    _navigate(browser, button.click)


def _navigate(browser, action) -> None:  # type: ignore[no-untyped-def]
    """Do something that loads a new page, and wait until the new page has loaded."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.support.ui import WebDriverWait

    old = _by(browser, "html")
    action()

    def old_page_gone(_driver) -> bool:  # type: ignore[no-untyped-def]
        # Chromium reports a node of an unloaded page either as stale or, mid-navigation, as
        # "does not belong to the document" (a plain WebDriverException): both mean gone.
        try:
            old.is_enabled()
        except WebDriverException:
            return True
        return False

    wait = WebDriverWait(browser, 15)
    wait.until(old_page_gone)
    wait.until(lambda b: b.execute_script("return document.readyState") == "complete")


def _goto(browser, anchor: str) -> None:  # type: ignore[no-untyped-def]
    browser.execute_script(f"document.getElementById('{anchor}').scrollIntoView()")


def _wait_file(folder: Path, seconds: float = 10) -> Path:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        done = [p for p in folder.iterdir() if not p.name.endswith(".crdownload")]
        if done:
            return done[0]
        time.sleep(0.1)
    raise AssertionError("the letter was not downloaded")


def test_paste_to_download(app, browser, live_server, shot, downloads) -> None:  # type: ignore[no-untyped-def]
    letter_text = denial_letter("jawjoint-mri")

    # 0. The workspace asks who you are; a biller signs in with a one-time link.
    browser.get(live_server + "/")
    assert "/login" in browser.current_url
    browser.get(live_server + signin_path(app, role="biller"))
    assert "/account" in browser.current_url

    # 1. Paste. What is typed survives a reload (kept in the browser as it is typed).
    browser.get(live_server + "/")
    _paste(browser, "#denial", letter_text)
    _by(browser, "#chart").send_keys(CHART)
    _navigate(browser, browser.refresh)
    assert "Service/Item: 70336" in _by(browser, "#denial").get_property("value")
    assert "Jordan Avery" in _by(browser, "#chart").get_property("value")
    shot("01-paste")
    _submit(browser, "form.paste")

    # 2. What was understood, each field beside its highlighted source.
    assert "/drafts/" in browser.current_url
    assert _by(browser, "#f-reviewer").get_property("value") == "AIM Specialty Health"
    assert _by(browser, "mark#src-service_lines-0-code").text == "70336"
    assert _by(browser, "#f-service_lines-0-code").get_property("value") == "70336"
    assert _by(browser, "#release").get_property("disabled")
    shot("02-understood")

    # 3. Correct what the letter did not say (payer, patient, member, diagnosis, date).
    for name, value in CORRECTIONS.items():
        _type(browser, f"#f-{name}", value)
    _set(browser, "#f-denial_date", "2026-10-15")
    _set(browser, "#f-plan_type", "commercial")
    _submit(browser, "form.fields")
    assert "Corrected" in _by(browser, ".flash").text
    assert _by(browser, "#f-payer").get_property("value") == "Anthem Blue Cross"
    assert "days left" in _by(browser, ".draft-head .meta").text
    shot("03-corrected")

    # 4. The evidence shows gaps, each saying what documentation would fill it.
    gaps = _all(browser, ".criterion.gap")
    assert gaps, "the chart lacks the payer's stated criteria, so gaps must show"
    assert all("Needed:" in g.text for g in gaps)
    _goto(browser, "evidence")
    shot("04-gap")

    # 5. Add a chart note: everything is drafted again as a new version, without the gaps.
    old_url = browser.current_url.split("#")[0]
    _paste(browser, "#f-notes", NOTE)
    _submit(browser, "form#notes")
    assert browser.current_url.split("#")[0] != old_url
    assert not _all(browser, ".criterion.gap")
    _goto(browser, "evidence")
    shot("05-note-added")

    # 6. Edit the letter: an invented code fails the check and blocks release ...
    point = "#edit-points-0-text"
    original = _by(browser, point).get_property("value")
    _type(browser, point, original + " The patient also had CPT 70553 last year.")
    _submit(browser, "form.letter-form")
    assert _all(browser, ".report .bad")
    assert _by(browser, "#release").get_property("disabled")
    _goto(browser, "letter")
    shot("06-check-fails")

    # ... and fixing the wording passes it again.
    _type(browser, point, original + " The notes are enclosed.")
    _submit(browser, "form.letter-form")
    assert _all(browser, ".report .ok"), _by(browser, ".report").text
    assert not _by(browser, "#release").get_property("disabled")
    _goto(browser, "letter")
    shot("07-check-passes")

    # 7. Release, then download the letter as text.
    _submit(browser, "#report form")
    assert "Released" in _by(browser, ".flash").text
    _goto(browser, "letter")
    shot("08-released")
    _by(browser, "#download-txt").click()
    saved = _wait_file(downloads)
    body = saved.read_text(encoding="utf-8")
    assert "70336" in body and "The notes are enclosed." in body
    assert "70553" not in body

    # 8. The drafts list shows it released, the replaced version hidden.
    browser.get(live_server + "/drafts")
    rows = _all(browser, "table.drafts tbody tr")
    assert len(rows) == 1 and "released" in rows[0].text
    shot("09-drafts")
