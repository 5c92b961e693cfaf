"""Staff: the first admin comes from the CLI and adds an authenticator app at her first sign-in,
invites an officer (by keyboard alone), the officer accepts the emailed invitation in a browser of
their own, adds an app too and looks round the workspace, then the admin disables them and their
session ends at its next request.

As in the supplier journeys, the invitation's link is built from BASE_URL ("http://portal.test")
and the test swaps that prefix for the live server's address.
"""

from __future__ import annotations

import re

from flask import Flask
from playwright.sync_api import Locator, Page, expect

from portal.outbox.worker import run_until_idle
from tests.browser.helpers import add_app, header_nav, heading, success_banner, tab_to

BASE_URL = "http://portal.test"
ADMIN_EMAIL = "head@example.com"
ADMIN_PASSWORD = "heron quarry maple lantern"
OFFICER_EMAIL = "nia@example.com"
OFFICER_NAME = "Nia Newofficer"
OFFICER_PASSWORD = "copper meadow signal drift"
INVITATION_SUBJECT = "You have been invited to the Supplier Portal"
VAGUE_FAILURE = "Enter a correct email address and password"


# --- the second person's browser --------------------------------------------------------------
#
# The officer needs a browser of their own: in the last step the admin disables them while their
# session is still alive, so one page signing one person out and the other in would not do. The
# `checked_page` fixture tracks only its own page, so this fixture gives the second context the
# same CheckedPage wrapper and the same end-of-test checks (every loaded page scanned by axe, no
# console errors). Its `.axe` is the very helper the `axe` fixture hands out.


# --- helpers ---------------------------------------------------------------------------------


def invitation_link(app: Flask, smtp_server, address: str, live_server: str) -> str:
    """Deliver the outbox, then take the invitation link mailed to `address`, on the live server."""
    with app.app_context():
        run_until_idle()
    pattern = re.compile(re.escape(BASE_URL) + r"(/invitation/\S+)")
    links = [
        match.group(1)
        for message in smtp_server.to(address)
        if (match := pattern.search(message.get_body(("plain",)).get_content()))
    ]
    assert links, f"no invitation was mailed to {address}: {[m['Subject'] for m in smtp_server.messages]}"
    return live_server + links[-1]


def fill_sign_in(page: Page, email: str, password: str) -> None:
    page.get_by_label("Email address", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()


def table_row(page: Page, text: str) -> Locator:
    return page.get_by_role("row").filter(has_text=text)


def tag(row: Locator) -> Locator:
    """The state or status tag of a row in a list (every outbox row also says "Queued <when>")."""
    return row.locator(".govuk-tag")


# --- the journey -----------------------------------------------------------------------------


def test_first_admin_invites_an_officer_who_signs_in_then_is_disabled(
    live_server, fresh_app, smtp_server, page, axe, officer_browser
):
    # 1. The first admin comes from the command line, with a password typed at the terminal.
    result = fresh_app.test_cli_runner().invoke(
        args=["users", "create-officer", ADMIN_EMAIL, "--name", "Hana Head", "--admin", "--prompt-password"],
        input=f"{ADMIN_PASSWORD}\n{ADMIN_PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert "can sign in now" in result.output

    # 2. She signs in, adds an authenticator app (staff cannot go on without one), keeps her
    # recovery codes and lands in the officer workspace.
    page.goto(live_server + "/login")
    axe()
    fill_sign_in(page, ADMIN_EMAIL, ADMIN_PASSWORD)
    expect(page).to_have_url(live_server + "/login/add-authenticator-app")
    expect(heading(page)).to_have_text("Add an authenticator app")
    add_app(page, axe)
    page.get_by_role("button", name="I have saved my recovery codes").click()
    expect(page).to_have_url(live_server + "/officer/")
    expect(heading(page)).to_have_text("Officer workspace")
    axe()
    page.get_by_role("link", name="Accounts", exact=True).click()
    expect(heading(page)).to_have_text("Accounts")
    axe()

    # 5. (by keyboard alone) She invites an officer: Tab, typing and Enter, no click.
    tab_to(page, page.get_by_role("button", name="Invite an officer"))  # a link styled as a button
    page.keyboard.press("Enter")
    expect(heading(page)).to_have_text("Invite an officer")
    axe()
    name = page.get_by_label("Full name", exact=True)
    tab_to(page, name)
    page.keyboard.press("Enter")  # submits the empty form
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Error: Invite an officer"))
    expect(summary.get_by_role("link", name="Enter the officer's full name")).to_have_attribute(
        "href", "#name"
    )
    expect(summary.locator('a[href="#email"]')).to_contain_text("email address")
    axe()
    page.keyboard.press("Tab")
    expect(summary.get_by_role("link", name="Enter the officer's full name")).to_be_focused()
    page.keyboard.press("Enter")
    expect(name).to_be_focused()
    page.keyboard.type(OFFICER_NAME)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Work email address", exact=True)).to_be_focused()
    page.keyboard.type(OFFICER_EMAIL)
    page.keyboard.press("Tab")
    expect(page.get_by_role("checkbox", name=re.compile(r"^Make them an admin"))).to_be_focused()
    page.keyboard.press("Tab")  # an officer, not an admin: the box stays unticked
    expect(page.get_by_role("button", name="Send invitation")).to_be_focused()
    page.keyboard.press("Enter")

    expect(page).to_have_url(live_server + "/officer/users")
    banner = success_banner(page, f"We have emailed {OFFICER_EMAIL} a link to set their password.")
    expect(banner).to_be_focused()
    expect(tag(table_row(page, OFFICER_EMAIL))).to_have_text("Email not confirmed")
    axe()

    # 3. The officer, in a browser of their own, follows the emailed link and sets a password.
    link = invitation_link(fresh_app, smtp_server, OFFICER_EMAIL, live_server)
    token = link.rsplit("/", 1)[1]
    officer, officer_axe = officer_browser.page, officer_browser.axe
    officer.goto(link)
    expect(heading(officer)).to_have_text("Set your password")
    expect(officer.get_by_text(f"as an officer. Choose a password for {OFFICER_EMAIL}")).to_be_visible()
    officer_axe()
    officer.get_by_label("New password", exact=True).fill(OFFICER_PASSWORD)
    officer.get_by_role("button", name="Set password").click()
    expect(heading(officer)).to_have_text("Sign in")
    expect(
        success_banner(officer, "Your password has been set. Sign in with your new password.")
    ).to_be_visible()
    officer_axe()

    fill_sign_in(officer, OFFICER_EMAIL, OFFICER_PASSWORD)
    add_app(officer, officer_axe)
    officer.get_by_role("button", name="I have saved my recovery codes").click()
    expect(officer).to_have_url(live_server + "/officer/")
    expect(heading(officer)).to_have_text("Officer workspace")
    expect(officer.get_by_role("link", name="Accounts", exact=True)).to_have_count(0)  # admins only
    officer_axe()

    # The emails: the invitation was sent; choosing a first password sends no "password changed" warning.
    officer.get_by_role("link", name="Emails sent by the portal").click()
    expect(heading(officer)).to_have_text("Emails sent by the portal")
    invitation_row = table_row(officer, INVITATION_SUBJECT)
    expect(invitation_row).to_contain_text(OFFICER_EMAIL)
    expect(tag(invitation_row)).to_have_text("Sent")
    expect(table_row(officer, "Your password has been changed")).to_have_count(0)
    officer_axe()

    # A filter, in the browser: only the sent ones.
    officer.get_by_label("State", exact=True).select_option(label="Sent")
    officer.get_by_role("button", name="Filter").click()
    expect(officer).to_have_url(re.compile(r"/officer/outbox\?state=sent"))
    expect(officer.get_by_label("State", exact=True)).to_have_value("sent")
    expect(invitation_row).to_be_visible()
    officer_axe()

    # The invitation's own page keeps its private link (and the rest of its text) out of sight.
    invitation_row.get_by_role("link", name=INVITATION_SUBJECT).click()
    expect(heading(officer)).to_have_text(INVITATION_SUBJECT)
    expect(officer.locator(".govuk-inset-text")).to_contain_text(
        "This email carried a private link (to confirm an address, reset a password or accept an "
        "invitation), so officers cannot see its text."
    )
    html = officer.content()
    for secret in (token, "/invitation/", "Choose your password here"):
        assert secret not in html, f"the message page shows {secret!r}"
    officer_axe()

    header_nav(officer).get_by_role("link", name="Officer workspace").click()
    expect(heading(officer)).to_have_text("Officer workspace")
    officer_axe()
    officer.get_by_role("navigation", name="Menu").get_by_role("link", name="Audit log").click()
    expect(heading(officer)).to_have_text("Audit log")
    created = table_row(officer, "account.staff_created")
    expect(created).to_have_count(2)  # the admin, from the CLI; the officer, by the admin
    expect(created.filter(has_text="Hana Head")).to_contain_text("role: officer")
    expect(created.filter(has_text="role: admin")).not_to_contain_text(ADMIN_EMAIL)  # no actor
    expect(table_row(officer, "account.password_invitation")).to_contain_text(OFFICER_EMAIL)
    officer_axe()

    response = officer.goto(live_server + "/officer/users")
    assert response is not None and response.status == 403
    expect(heading(officer)).to_have_text("You do not have permission to see this page")
    officer_axe()

    # 4. The admin disables the officer from the accounts list.
    page.reload()
    expect(heading(page)).to_have_text("Accounts")
    expect(tag(table_row(page, OFFICER_EMAIL))).to_have_text("Active")
    axe()
    table_row(page, OFFICER_EMAIL).get_by_role("button", name=f"Disable {OFFICER_EMAIL}").click()
    expect(success_banner(page, f"{OFFICER_EMAIL} is disabled: they have been signed out.")).to_be_visible()
    disabled_row = table_row(page, OFFICER_EMAIL)
    expect(tag(disabled_row)).to_have_text("Disabled")
    expect(disabled_row.get_by_role("button", name=f"Enable {OFFICER_EMAIL}")).to_be_visible()
    axe()

    # The officer, still on the 403 page, asks for the workspace: their session is over. Signing
    # in again fails with the one message every failed sign-in gets.
    header_nav(officer).get_by_role("link", name="Officer workspace").click()
    expect(officer).to_have_url(re.compile(r"/login\?next=%2Fofficer%2F$"))
    expect(heading(officer)).to_have_text("Sign in")
    officer_axe()
    fill_sign_in(officer, OFFICER_EMAIL, OFFICER_PASSWORD)
    expect(heading(officer)).to_have_text("Sign in")
    officer_summary = officer.locator(".govuk-error-summary")
    expect(officer_summary).to_be_focused()
    expect(officer_summary.get_by_role("listitem")).to_have_text([VAGUE_FAILURE])
    expect(officer.locator("#email-error")).to_contain_text(VAGUE_FAILURE)
    officer_axe()
