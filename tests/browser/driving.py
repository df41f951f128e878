"""Steps the real-browser tests share: find, type, paste, press and wait for the next page,
whether an element is on screen, where it sits. The browser and the live server are fixtures in
conftest.py beside this file."""

from __future__ import annotations

import time
from pathlib import Path


def find(browser, css: str):  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    return browser.find_element(By.CSS_SELECTOR, css)


def find_all(browser, css: str) -> list:  # type: ignore[type-arg]
    from selenium.webdriver.common.by import By

    return browser.find_elements(By.CSS_SELECTOR, css)


def type_into(browser, css: str, text: str) -> None:  # type: ignore[no-untyped-def]
    box = find(browser, css)
    box.clear()
    box.send_keys(text)


def set_value(browser, css: str, value: str) -> None:  # type: ignore[no-untyped-def]
    # Date and select inputs: set the value the way a picker would, whatever the locale.
    browser.execute_script(
        "arguments[0].value = arguments[1];"
        "arguments[0].dispatchEvent(new Event('change', {bubbles: true}));",
        find(browser, css),
        value,
    )


def paste(browser, css: str, text: str) -> None:  # type: ignore[no-untyped-def]
    # A paste, not typing: the letter holds tabs, which typing would turn into focus moves.
    browser.execute_script(
        "arguments[0].focus(); arguments[0].value = arguments[1];"
        "arguments[0].dispatchEvent(new InputEvent('input', {bubbles: true,"
        " inputType: 'insertFromPaste'}));",
        find(browser, css),
        text,
    )


def submit(browser, form_css: str) -> None:  # type: ignore[no-untyped-def]
    """Press a form's (only) submit button and wait for the next page."""
    press(browser, f"{form_css} button[type=submit]")


def press(browser, button_css: str) -> None:  # type: ignore[no-untyped-def]
    """Press a button that loads a page, as a person would: scrolled into view first."""
    button = find(browser, button_css)
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
    navigate(browser, button.click)


def navigate(browser, action) -> None:  # type: ignore[no-untyped-def]
    """Do something that loads a new page, and wait until the new page has loaded."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.support.ui import WebDriverWait

    old = find(browser, "html")
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


def goto(browser, anchor: str) -> None:  # type: ignore[no-untyped-def]
    browser.execute_script(f"document.getElementById('{anchor}').scrollIntoView()")


def wait_file(folder: Path, suffix: str, seconds: float = 10) -> Path:
    """The downloaded file ending in `suffix`, once Chromium has finished writing it."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        done = [p for p in folder.iterdir() if p.name.endswith(suffix)]
        if done:
            return done[0]
        time.sleep(0.1)
    raise AssertionError(f"no {suffix} file was downloaded")


def in_view(browser, css: str) -> bool:  # type: ignore[no-untyped-def]
    """Whether an element is inside the visible part of the window (not scrolled away)."""
    return bool(
        browser.execute_script(
            "const r = arguments[0].getBoundingClientRect();"
            "return r.top >= 0 && r.bottom <= window.innerHeight && r.height > 0;",
            find(browser, css),
        )
    )


def rect(browser, css: str) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """An element's box on the page: left, right, top, bottom."""
    return browser.execute_script(
        "const r = arguments[0].getBoundingClientRect();"
        "return {left: r.left, right: r.right, top: r.top + window.scrollY,"
        " bottom: r.bottom + window.scrollY};",
        find(browser, css),
    )


def sign_in(browser, base: str, app, role: str) -> None:  # type: ignore[no-untyped-def]
    """Sign in with a one-time link for a new account of this role."""
    from support import signin_path

    browser.get(base + signin_path(app, role=role))
    assert "/account" in browser.current_url
