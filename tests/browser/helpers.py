"""What the browser journeys share: finding things on a GOV.UK page, moving by keyboard, signing
in, and the emails a journey sends."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path

import pyotp
from flask import Flask
from playwright.sync_api import Locator, Page, expect

from portal.outbox.worker import run_until_idle
from tests.browser.conftest import CheckedPage
from tests.factories import APP_SECRET, PASSWORD


def heading(page: Page) -> Locator:
    return page.get_by_role("heading", level=1)


def header_nav(page: Page) -> Locator:
    return page.get_by_role("navigation", name="Account links")


def success_banner(page: Page, text: str) -> Locator:
    return page.get_by_role("alert").filter(has_text=text)


def error_summary(page: Page) -> Locator:
    return page.locator(".govuk-error-summary")


def summary_value(page: Page, key: str) -> Locator:
    """The value beside `key` in a summary list."""
    row = page.locator(".govuk-summary-list__row").filter(
        has=page.locator(".govuk-summary-list__key").get_by_text(key, exact=True)
    )
    return row.locator(".govuk-summary-list__value")


def fill_date(page: Page, legend: str, day) -> None:
    group = page.get_by_role("group", name=legend, exact=True)
    group.get_by_label("Day", exact=True).fill(str(day.day))
    group.get_by_label("Month", exact=True).fill(str(day.month))
    group.get_by_label("Year", exact=True).fill(str(day.year))


def is_focused(target: Locator) -> bool:
    return target.evaluate("element => element === document.activeElement")


def tab_to(page: Page, target: Locator, limit: int = 60) -> None:
    """Press Tab until `target` has focus, as a keyboard user would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if is_focused(target):
            break
    expect(target).to_be_focused()


def sign_in(checked: CheckedPage, live_server: str, email: str, landing: str) -> None:
    """Sign in with the factories' password, and the factories' app's code where the account
    has an app (staff), and land on `landing`; every page scanned by axe."""
    page = checked.page
    page.goto(live_server + "/login")
    checked.axe()
    page.get_by_label("Email address", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_load_state()
    if page.url == live_server + "/login/code":
        checked.axe()
        page.get_by_label("Code from your authenticator app").fill(pyotp.TOTP(APP_SECRET).now())
        page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(live_server + landing)
    checked.axe()


def add_app(page: Page, axe: Callable[[], None]) -> tuple[str, list[str]]:
    """On the page that adds an authenticator app: read the key as someone who cannot scan the QR
    code would, give the code an app makes from it, and return the key and the recovery codes
    shown once."""
    expect(page.locator("svg.portal-qr")).to_be_visible()
    axe()
    page.get_by_text("I cannot scan the QR code").click()
    key = page.locator(".portal-secret").inner_text().replace(" ", "")
    password = page.get_by_label("Your password", exact=True)
    if password.count():
        password.fill(PASSWORD)
    page.get_by_label("Code from your authenticator app").fill(pyotp.TOTP(key).now())
    page.get_by_role("button", name="Add authenticator app").or_(
        page.get_by_role("button", name="Continue")
    ).click()
    expect(heading(page)).to_have_text("Save your recovery codes")
    axe()
    codes = page.locator(".portal-recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    return key, codes


def deliver(app: Flask) -> None:
    """Run the outbox worker in this thread until nothing is left (a broadcast is expanded into
    one message a member, then sent)."""
    with app.app_context():
        run_until_idle()


def body(message: EmailMessage) -> str:
    """An email's plain text, with its line endings as written."""
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


def screenshot(page: Page, name: str) -> None:
    """A full-page screenshot, <temp>/<name>.png, for a person to look at."""
    page.screenshot(path=Path(tempfile.gettempdir()) / f"{name}.png", full_page=True)


def assert_reflows_at_320(checked: CheckedPage) -> None:
    """WCAG 1.4.10 at 320 CSS pixels wide, with axe run at that width too (every scan checks the
    width; this also scans the narrow layout)."""
    checked.assert_reflows(scan=True)
