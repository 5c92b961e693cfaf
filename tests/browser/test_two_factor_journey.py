"""A supplier adds an authenticator app from their account, signs in with its code, then with a
recovery code when the app is out of reach, and removes the app by keyboard alone. Every page is
scanned by axe."""

from __future__ import annotations

import time

import pyotp
from playwright.sync_api import Page, expect

from tests.browser.helpers import add_app, heading, screenshot, tab_to
from tests.factories import PASSWORD, make_supplier

EMAIL = "priya.shah@crewe-windows.example"


def sign_in_with_password(page: Page, live_server: str, axe) -> None:
    page.goto(live_server + "/login")
    axe()
    page.get_by_label("Email address", exact=True).fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(heading(page)).to_have_text("Sign in")


def test_supplier_adds_an_app_signs_in_with_it_and_with_a_recovery_code(live_server, fresh_app, page, axe):
    with fresh_app.app_context():
        make_supplier(EMAIL, name="Priya Shah")
    sign_in_with_password(page, live_server, axe)
    expect(heading(page)).to_have_text("Your account")  # a password alone, until an app is added
    axe()

    page.get_by_role("link", name="Change sign-in security: authenticator app and passkeys").click()
    expect(heading(page)).to_have_text("Sign-in security")
    axe()
    page.get_by_role("button", name="Add an authenticator app").click()
    expect(heading(page)).to_have_text("Add an authenticator app")
    screenshot(page, "two-factor-add-app")
    key, codes = add_app(page, axe)
    screenshot(page, "two-factor-recovery-codes")
    page.get_by_role("button", name="I have saved my recovery codes").click()
    expect(heading(page)).to_have_text("Sign-in security")
    expect(page.get_by_text("10 of 10 left")).to_be_visible()
    axe()
    sign_out(page)

    # Next time the password is not enough: the app's code is asked for. A wrong one is explained;
    # the app's next code (the one just used to add it is spent) signs in.
    sign_in_with_password(page, live_server, axe)
    expect(heading(page)).to_have_text("Enter the code from your authenticator app")
    axe()
    page.get_by_label("Code from your authenticator app").fill("000000")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-error-summary")).to_be_focused()
    expect(page.locator("#code-error")).to_contain_text("Enter the code your authenticator app shows now")
    axe()
    page.get_by_label("Code from your authenticator app").fill(
        pyotp.TOTP(key).generate_otp(int(time.time()) // 30 + 1)
    )
    page.get_by_role("button", name="Continue").click()
    expect(heading(page)).to_have_text("Your account")
    axe()
    sign_out(page)

    # Without the app: a recovery code, once.
    sign_in_with_password(page, live_server, axe)
    page.get_by_role("link", name="I cannot use my authenticator app").click()
    expect(heading(page)).to_have_text("Enter a recovery code")
    axe()
    page.get_by_label("Recovery code").fill(codes[0])
    page.get_by_role("button", name="Continue").click()
    expect(heading(page)).to_have_text("Sign-in security")
    expect(page.get_by_text("You signed in with a recovery code. You have 9 left")).to_be_visible()
    expect(page.get_by_text("9 of 10 left")).to_be_visible()
    screenshot(page, "two-factor-security")
    axe()

    # By keyboard alone: remove the app, confirming with the password.
    tab_to(page, page.get_by_role("link", name="Remove your authenticator app"))
    page.keyboard.press("Enter")
    expect(heading(page)).to_have_text("Remove your authenticator app")
    axe()
    tab_to(page, page.get_by_label("Your password", exact=True))
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_text("Your authenticator app and recovery codes have been removed.")).to_be_visible()
    expect(page.get_by_role("button", name="Add an authenticator app")).to_be_visible()
    axe()
    sign_out(page)
    sign_in_with_password(page, live_server, axe)
    expect(heading(page)).to_have_text("Your account")
    axe()
