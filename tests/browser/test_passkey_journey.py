"""Passkeys in Chromium, with its virtual authenticator (the DevTools protocol's WebAuthn domain,
through Playwright's CDP session) standing for a phone's fingerprint reader: a supplier adds a
passkey, signs in with it alone, and removes it by keyboard; an officer's passkey opens the
workspace without a code. Every page is scanned by axe."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import heading, screenshot, sign_in, success_banner, tab_to
from tests.factories import PASSWORD, make_staff, make_supplier

# The development server under the live server sometimes leaves a static file it was sending open
# when the browser leaves the page mid-load (about one run in five of these journeys, which move
# on fastest): a warning from the test server, not from the portal, which production serves with
# gunicorn. Only that warning, for files under static/, is let pass.
pytestmark = pytest.mark.filterwarnings(
    r"ignore:Exception ignored in. <_io\.(FileIO|BufferedReader) name='[^']*/static/:pytest.PytestUnraisableExceptionWarning"
)

SUPPLIER, OFFICER = "priya.shah@crewe-windows.example", "olive@example.com"


def virtual_authenticator(page: Page) -> None:
    """A platform authenticator that holds discoverable credentials and verifies its user."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )


def add_passkey(page: Page, axe, name: str) -> None:
    page.get_by_label("Name this passkey").fill(name)
    page.get_by_label("Your password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    expect(heading(page)).to_have_text("Create your passkey")
    axe()
    page.wait_for_load_state()  # every script in: the click leaves the page
    page.get_by_role("button", name="Create passkey").click()
    expect(success_banner(page, f"Your passkey “{name}” is added.")).to_be_visible()
    axe()


def sign_in_with_passkey(page: Page, live_server: str, axe) -> None:
    page.goto(live_server + "/login")
    axe()
    page.wait_for_load_state()
    page.get_by_role("button", name="Sign in with a passkey").click()


def test_a_supplier_signs_in_with_a_passkey_alone(live_server, fresh_app, checked_page, axe):
    fresh_app.config["BASE_URL"] = live_server  # the relying party is BASE_URL's host: localhost
    with fresh_app.app_context():
        make_supplier(SUPPLIER, name="Priya Shah")
    page = checked_page.page
    virtual_authenticator(page)
    sign_in(checked_page, live_server, SUPPLIER, "/account")
    page.get_by_role("link", name="Change sign-in security: authenticator app and passkeys").click()
    expect(heading(page)).to_have_text("Sign-in security")
    axe()
    page.get_by_role("link", name="Add a passkey").click()
    expect(heading(page)).to_have_text("Passkeys")
    axe()
    page.get_by_role("button", name="Continue").click()  # nothing filled in: explained
    expect(page.locator(".govuk-error-summary")).to_be_focused()
    axe()
    add_passkey(page, axe, "Work laptop")
    screenshot(page, "passkeys-list")
    expect(page.get_by_text("Not used yet")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    sign_in_with_passkey(page, live_server, axe)
    expect(heading(page)).to_have_text("Your account")
    axe()

    # By keyboard alone: remove it.
    page.wait_for_load_state()
    page.goto(live_server + "/account/passkeys")
    expect(page.get_by_text("Last used")).to_be_visible()
    axe()
    tab_to(page, page.get_by_role("button", name="Remove passkey Work laptop"))
    page.keyboard.press("Enter")
    expect(success_banner(page, "Your passkey “Work laptop” is removed.")).to_be_visible()
    expect(page.get_by_role("button", name="Remove passkey Work laptop")).to_have_count(0)
    axe()

    # The device still offers the removed passkey; the portal no longer takes it.
    page.get_by_role("button", name="Sign out").click()
    sign_in_with_passkey(page, live_server, axe)
    expect(page.locator(".govuk-error-summary")).to_contain_text("That passkey did not sign you in")
    axe()


def test_an_officers_passkey_is_both_factors(live_server, fresh_app, checked_page, axe):
    fresh_app.config["BASE_URL"] = live_server
    with fresh_app.app_context():
        make_staff(OFFICER)
    page = checked_page.page
    virtual_authenticator(page)
    sign_in(checked_page, live_server, OFFICER, "/officer/")
    page.wait_for_load_state()
    page.goto(live_server + "/account/passkeys")
    axe()
    add_passkey(page, axe, "Phone")
    page.get_by_role("button", name="Sign out").click()
    sign_in_with_passkey(page, live_server, axe)
    expect(page).to_have_url(live_server + "/officer/")  # no code asked for
    expect(heading(page)).to_have_text("Officer workspace")
    axe()
